import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The code map's promise: `lib/` holds what a Lambda runs plus what packaging loads, nothing else.
 * Operator tools live in `tools/` and may import `lib/`; `lib/` never imports `tools/` or `local/`.
 */

const ROOT = join(import.meta.dirname, '..');

const filesUnder = (dir: string, ext: RegExp): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => ext.test(f))
    .map((f) => join(dir, f));

// Static imports, re-exports, dynamic imports, the packaging's tsx requires and the files it bundles in.
const SPECIFIER =
  /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|tsxRequire\(\s*|require\.resolve\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

const importsOf = (file: string): string[] =>
  [...readFileSync(join(ROOT, file), 'utf8').matchAll(SPECIFIER)].map((m) =>
    relative(ROOT, resolve(ROOT, dirname(file), m[1]!.replace(/\.js$/, '.ts'))),
  );

const reachableFrom = (entries: string[]): Set<string> => {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file).filter((f) => f.endsWith('.ts') || f.endsWith('.cjs')));
  }
  return seen;
};

describe('code map', () => {
  const entries = [
    ...filesUnder('functions', /\.ts$/),
    'serverless/load-ts.cjs',
    'serverless/sentinel-plugin.cjs',
    'esbuild.config.cjs',
  ];
  const reachable = reachableFrom(entries);

  it('finds the handlers and the packaging code it starts from', () => {
    expect(entries).toContain(join('functions', 'notify-deployment.ts'));
    expect(reachable).toContain(join('lib', 'settings', 'load.ts'));
    expect(reachable).toContain(join('lib', 'cleanup', 'decide.ts'));
  });

  it('lib/ holds nothing that no function or the packaging imports', () => {
    const leftOver = filesUnder('lib', /\.ts$/).filter((f) => !reachable.has(f));
    expect(leftOver).toEqual([]);
  });

  it('only the ports in lib/aws/ talk to AWS: nothing else imports an SDK client (types aside)', () => {
    const sdkUsers = [...filesUnder('lib', /\.ts$/), ...filesUnder('functions', /\.ts$/)].filter(
      (file) =>
        !file.startsWith(join('lib', 'aws')) &&
        /^import (?!type\b)[^;]*from '@aws-sdk\/client-/m.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(sdkUsers).toEqual([]);
  });

  it('lib/ never imports the operator tools or the local harness', () => {
    const outward = filesUnder('lib', /\.ts$/).flatMap((file) =>
      importsOf(file)
        .filter((target) => !target.startsWith(`lib${'/'}`))
        .map((target) => `${file} -> ${target}`),
    );
    expect(outward).toEqual([]);
  });

  it('every error class of lib/ and functions/ names itself, so minified bundles keep the name in logs and errorType', () => {
    const unnamed = [...filesUnder('lib', /\.ts$/), ...filesUnder('functions', /\.ts$/)].flatMap((file) => {
      const source = readFileSync(join(ROOT, file), 'utf8');
      return [...source.matchAll(/class (\w+Error) extends/g)]
        .map((m) => m[1]!)
        .filter((name) => !source.includes(`name = '${name}'`))
        .map((name) => `${file}: ${name}`);
    });
    expect(unnamed).toEqual([]);
  });
});
