'use strict';
/**
 * Bundling options for serverless-esbuild. Each function is bundled on its own with only the
 * clients it imports; CommonJS output so `serverless invoke local` can load it (its loader does not
 * take `.mjs` handlers: serverless/serverless#11308, still open as PR #11366); the
 * AWS SDK is bundled (faster cold starts than the runtime's copy). The stage's validated settings
 * are compiled in, so functions read no settings file at run time.
 */
const path = require('node:path');
const { loadSentinelModules } = require('./serverless/load-ts.cjs');

/**
 * Zod's `z` namespace re-exports every locale (~50 languages, about 250 KiB minified) and a
 * namespace import keeps them all in the bundle. Error messages here are English only, so the
 * locale index is replaced by English alone: a smaller bundle parses faster at every cold start.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
      if (!args.importer.includes(`${path.sep}zod${path.sep}`)) return undefined;
      return { path: path.join(path.dirname(args.importer), '..', 'locales', 'en.js'), namespace: 'zod-english-only' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * Every SDK client imports the default credential chain (`@aws-sdk/credential-provider-node`: SSO,
 * shared files, processes, web identity, with their own STS and SSO clients) for when it is given no
 * credentials. A Lambda's credentials are in its environment, and the clients are given the
 * environment's provider (lib/aws/config.ts); the chain is replaced by lib/aws/default-credentials.ts
 * so that none of it is bundled. Operator commands run unbundled and keep the whole chain.
 */
const environmentCredentialsOnly = {
  name: 'environment-credentials-only',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: require.resolve('./lib/aws/default-credentials.ts'),
    }));
  },
};

module.exports = (serverless) => {
  const stage = serverless.service.provider.stage;
  const { raw } = loadSentinelModules().loadSettingsFile(stage, serverless.serviceDir);
  return {
    bundle: true,
    minify: true,
    // Error names in logs and Lambda's errorType stay readable.
    keepNames: true,
    sourcemap: false,
    format: 'cjs',
    outputFileExtension: '.cjs',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    exclude: [],
    packager: 'npm',
    define: { __DEPLOY_SENTINEL_SETTINGS__: JSON.stringify(raw) },
    plugins: [zodEnglishOnly, environmentCredentialsOnly],
  };
};
