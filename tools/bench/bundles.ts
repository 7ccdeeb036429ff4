import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { type BuildOptions, type Metafile, build } from 'esbuild';

/**
 * Where a bundle's bytes come from: each function's handler rebuilt with esbuild's API and the
 * options serverless-esbuild packages it with (esbuild.config.cjs), its metafile read, and the
 * inputs summed by where they come from (an npm package, or a folder of this repository).
 * https://esbuild.github.io/api/#metafile
 */

const require = createRequire(import.meta.url);

/** The options esbuild.config.cjs gives serverless-esbuild for a stage, as esbuild's own options. */
export const bundleOptions = (root: string, stage: string): BuildOptions => {
  const config = require(join(root, 'esbuild.config.cjs')) as (serverless: unknown) => Record<string, unknown>;
  // Keys serverless-esbuild reads itself (packaging, not bundling); esbuild rejects them. It gives
  // the output extension to esbuild as outExtension.
  const {
    exclude: _e,
    packager: _p,
    outputFileExtension,
    ...options
  } = config({
    service: { provider: { stage } },
    serviceDir: root,
  });
  return { ...options, outExtension: { '.js': String(outputFileExtension) } } as BuildOptions;
};

/** Where an input file comes from: `pkg` or `@scope/pkg` under node_modules, else its first two folders. */
export const originOf = (input: string): string => {
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) {
    const name = parts[at + 1]!;
    return name.startsWith('@') ? `${name}/${parts[at + 2]}` : name;
  }
  const file = parts.filter((p) => p && p !== '..' && p !== '.' && !p.includes(':'));
  return file.length > 2 ? file.slice(0, 2).join('/') : file.join('/');
};

/** Bytes in one output file per origin, largest first. */
export const contributors = (output: Metafile['outputs'][string]): Array<{ origin: string; bytes: number }> => {
  const byOrigin = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const origin = originOf(input);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + bytesInOutput);
  }
  return [...byOrigin.entries()].map(([origin, bytes]) => ({ origin, bytes })).sort((a, b) => b.bytes - a.bytes);
};

/** The metafile of one handler (`functions/x.cjs` in the package is `functions/x.ts` here), nothing written. */
export const handlerMetafile = async (root: string, stage: string, handlerFile: string): Promise<Metafile> => {
  const entry = join(root, handlerFile.replace(/\.cjs$/, '.ts'));
  const result = await build({
    ...bundleOptions(root, stage),
    entryPoints: [entry],
    outdir: join(root, '.esbuild', 'bench'),
    absWorkingDir: root,
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  return result.metafile;
};

/**
 * The top `n` contributors of each output file (a handler, and a bundle it loads lazily) as one line
 * each, e.g. `clean-up-orphans.cjs: @smithy/core 126, zod 201, …`.
 */
export const topContributors = (metafile: Metafile, n = 8): string[] =>
  Object.entries(metafile.outputs)
    .filter(([file]) => file.endsWith('.cjs'))
    .map(
      ([file, output]) =>
        `${basename(file)}: ${contributors(output)
          .slice(0, n)
          .map(({ origin, bytes }) => `${origin} ${(bytes / 1024).toFixed(0)}`)
          .join(', ')}`,
    );

/** One fresh node process: its wall time seen from here and its peak memory. */
export interface ProcessFigures {
  ms: number;
  maxRssKiB: number;
  /** The handler's own `require`, timed inside the process (0 for bare node). */
  requireMs: number;
}

const REPORT = `process.stdout.write(JSON.stringify({ requireMs: globalThis.__requireMs ?? 0, maxRssKiB: process.resourceUsage().maxRSS }))`;

/**
 * `node -e` requiring the handler file, or nothing when `file` is undefined (bare node): whole
 * process time, as Lambda's init pays for it, measured the same way for both.
 */
export const runProcess = (file: string | undefined, env: Record<string, string>): ProcessFigures => {
  const load = file
    ? `const t = process.hrtime.bigint(); require(${JSON.stringify(file)}); globalThis.__requireMs = Number(process.hrtime.bigint() - t) / 1e6;`
    : '';
  const started = performance.now();
  const out = execFileSync(process.execPath, ['-e', `${load}${REPORT}`], { env });
  const ms = performance.now() - started;
  return { ms, ...(JSON.parse(out.toString()) as Omit<ProcessFigures, 'ms'>) };
};
