import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Plugin, build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { literalTraitKeys, sdkSchemasTreeShakable } = require('../../serverless/sdk-schemas.cjs') as {
  literalTraitKeys: (source: string) => string;
  sdkSchemasTreeShakable: Plugin;
};

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const CLIENTS = Object.keys(pkg.dependencies).filter((name) => name.startsWith('@aws-sdk/client-'));

/** The schema modules of a client, as the bundles load them (its ES module build). */
const schemaModules = (client: string): string[] => {
  const dir = join(ROOT, 'node_modules', client, 'dist-es', 'schemas');
  return readdirSync(dir)
    .filter((f) => /^schemas_\d+\.js$/.test(f))
    .map((f) => join(dir, f));
};

/** A module bundled on its own (CommonJS, not minified), with or without the plugin, then loaded. */
const load = async (entry: string, plugins: Plugin[]): Promise<Record<string, unknown>> => {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
    plugins,
  });
  const module = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', result.outputFiles[0]!.text)(module, module.exports, require);
  return module.exports;
};

/**
 * A value written out whole: shapes refer to each other through `() => Shape` thunks, which are
 * followed; a value met again is written as its first position, so cycles end and sharing shows.
 */
const canonical = (root: unknown): string => {
  const seen = new Map<unknown, number>();
  const walk = (value: unknown): string => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      return typeof value === 'string' ? JSON.stringify(value) : String(value);
    }
    if (seen.has(value)) return `#${seen.get(value)}`;
    seen.set(value, seen.size);
    if (typeof value === 'function') {
      if (/^class\b/.test(Function.prototype.toString.call(value))) return `class ${value.name}`;
      return value.length === 0 ? `() => ${walk((value as () => unknown)())}` : `function ${value.name}`;
    }
    if (Array.isArray(value)) return `[${value.map(walk).join(',')}]`;
    if (value instanceof Map) return `Map{${[...value].map(([k, v]) => `${walk(k)}=>${walk(v)}`).join(',')}}`;
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${walk(v)}`);
    return `${value.constructor?.name ?? ''}{${entries.join(',')}}`;
  };
  return walk(root);
};

describe('the SDK schema modules with literal trait keys', () => {
  it('writes a computed key naming a string constant as that string, and leaves other code alone', () => {
    const source = [
      'const _xN = "xmlName";',
      'const _e = "error";',
      'const _c = "client";',
      'export var A$ = [3, n0, _c, { [_e]: _c, [_xN]: `Name` }, [_xN], [() => B$, 0]];',
      'var other = { [unknown]: 1 };',
    ].join('\n');
    const out = literalTraitKeys(source);
    expect(out).toContain('export var A$ = [3, n0, _c, { "error": _c, "xmlName": `Name` }, [_xN], [() => B$, 0]];');
    expect(out).toContain('var other = { [unknown]: 1 };');
  });

  it.each(CLIENTS)(
    '%s: every exported shape and error registry is unchanged',
    async (client) => {
      for (const file of schemaModules(client)) {
        const before = canonical(await load(file, []));
        const after = canonical(await load(file, [sdkSchemasTreeShakable]));
        expect(after.length).toBeGreaterThan(1000);
        expect(after).toBe(before);
      }
    },
    60_000,
  );

  it('lets a bundle keep only the shapes of the commands it sends', async () => {
    const bundle = async (plugins: Plugin[]) => {
      const result = await build({
        stdin: {
          contents: "export { EC2Client, DescribeInstancesCommand } from '@aws-sdk/client-ec2';",
          resolveDir: ROOT,
        },
        bundle: true,
        minify: true,
        platform: 'node',
        format: 'cjs',
        mainFields: ['module', 'main'],
        write: false,
        logLevel: 'silent',
        plugins,
      });
      return result.outputFiles[0]!.text;
    };
    const [plain, shaken] = [await bundle([]), await bundle([sdkSchemasTreeShakable])];
    // A shape of another command: carried without the plugin, dropped with it.
    expect(plain).toContain('"RunInstancesRequest"');
    expect(shaken).not.toContain('"RunInstancesRequest"');
    expect(shaken).toContain('"DescribeInstancesRequest"');
  }, 60_000);
});
