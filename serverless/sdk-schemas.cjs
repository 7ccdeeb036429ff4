'use strict';
/**
 * The AWS SDK's clients describe every shape of their API in one module (`schemas/schemas_0.js`):
 * each command imports the few shapes it needs, but the generated code keys trait objects with
 * computed keys that name string constants of the module (`{ [_xN]: _rSes }`). esbuild must assume
 * a computed key can run code (a getter, a `toString`), so it keeps every statement holding one,
 * and with them every shape: the EC2 client's 540 KiB for one DescribeInstances, 30 KiB of SSM's for
 * one GetParameter (https://github.com/aws/aws-sdk-js-v3/issues/7607). Writing each key as the
 * string its constant holds lets esbuild drop the shapes no command uses; the SDK's code generator
 * makes the same change upstream (https://github.com/smithy-lang/smithy-typescript/pull/1889).
 */
const fs = require('node:fs');

/** A client's schema module, as packages install it (ES module build). */
const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** `[_name]:` keys written as the literal of the module-level `const _name = "...";` they name. */
const literalTraitKeys = (source) => {
  const strings = new Map();
  for (const [, name, literal] of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) {
    strings.set(name, literal);
  }
  return source.replace(/\[(_\w+)\]:/g, (key, name) => (strings.has(name) ? `${strings.get(name)}:` : key));
};

const sdkSchemasTreeShakable = {
  name: 'sdk-schemas-tree-shakable',
  setup(build) {
    build.onLoad({ filter: SCHEMA_MODULE }, async (args) => ({
      contents: literalTraitKeys(await fs.promises.readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

module.exports = { SCHEMA_MODULE, literalTraitKeys, sdkSchemasTreeShakable };
