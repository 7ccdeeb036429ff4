import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Every command a user runs: the npm scripts that start a TypeScript file, plus the listener. */
const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
const commands: [string, string][] = [
  ...Object.entries(scripts).flatMap(([name, line]): [string, string][] => {
    const file = /\btsx (?:--\S+ )*(\S+\.ts)\b/.exec(line)?.[1];
    return file ? [[`npm run ${name}`, file]] : [];
  }),
  ['local/test-listener.ts', 'local/test-listener.ts'],
];

const run = (file: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      TSX,
      [file, ...args],
      {
        cwd: ROOT,
        timeout: 30_000,
        env: { PATH: process.env.PATH },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('operator commands', () => {
  it('cover every npm script that runs a TypeScript file', () => {
    expect(commands.map(([name]) => name).sort()).toEqual(
      expect.arrayContaining([
        'npm run appspec',
        'npm run bench',
        'npm run generate-records',
        'npm run local-account',
        'npm run metrics',
        'npm run redrive',
        'npm run start',
      ]),
    );
  });

  it.concurrent.each(commands)('%s --help prints the usage and exits 0', async (_name, file) => {
    const { code, stdout, stderr } = await run(file, ['--help']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^usage: /);
    expect(stderr).toBe('');
  });

  it.concurrent.each(commands)(
    '%s --bogus says what was wrong in one line, then the usage, exit 2',
    async (_name, file) => {
      const { code, stdout, stderr } = await run(file, ['--bogus']);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/'--bogus'/);
      expect(lines[1]).toMatch(/^usage: /);
      expect(stderr).not.toMatch(/\n\s+at /);
    },
  );
});
