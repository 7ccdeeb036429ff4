import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRecords } from '../../../tools/metrics/generate.js';
import { createProgressLine } from '../../../tools/metrics/progress.js';
import { runMetricsCli } from '../../../tools/metrics.js';

const CLEAR = '\r\x1b[K';

const terminal = (isTTY: boolean) => {
  const writes: string[] = [];
  return { writes, output: { isTTY, write: (text: string) => writes.push(text) } };
};

describe('createProgressLine', () => {
  it('overwrites one line at most every interval, and clears it at the end', () => {
    const { writes, output } = terminal(true);
    let now = 1_000;
    const line = createProgressLine(output, { clock: () => now, intervalMs: 250 });
    for (const [at, text] of [
      [1_000, 'a'],
      [1_100, 'b'],
      [1_250, 'c'],
      [1_400, 'd'],
      [1_500, 'e'],
    ] as const) {
      now = at;
      line.show(() => text);
    }
    line.clear();
    // A read shorter than one interval shows nothing; then one line, rewritten in place.
    expect(writes).toEqual(['\rc\x1b[K', '\re\x1b[K', CLEAR]);
  });

  it('writes nothing when the output is not a terminal, nor when nothing was shown', () => {
    const pipe = terminal(false);
    let now = 0;
    const line = createProgressLine(pipe.output, { clock: () => (now += 1_000) });
    line.show(() => {
      throw new Error('not asked for');
    });
    line.clear();
    expect(pipe.writes).toEqual([]);

    const tty = terminal(true);
    createProgressLine(tty.output, { clock: () => 0 }).clear();
    expect(tty.writes).toEqual([]);
  });
});

describe('npm run metrics on a terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-progress-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'history.jsonl');
  writeFileSync(
    file,
    `${generateRecords({ count: 3_000, seed: 11 })
      .map((r) => JSON.stringify(r))
      .join('\n')}\n`,
  );

  const run = async (isTTY: boolean) => {
    const progress = terminal(isTTY);
    const out: string[] = [];
    const err: string[] = [];
    let now = 0;
    const code = await runMetricsCli(['--file', file], {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      kinesis: () => {
        throw new Error('not used');
      },
      progress: progress.output,
      // Each look at the clock finds a tenth of a second gone: a long read.
      clock: () => (now += 100),
    });
    return { code, out, err, writes: progress.writes };
  };

  it('shows the records read and the time they span on stderr while it reads, then clears the line', async () => {
    const { code, out, err, writes } = await run(true);
    expect(code).toBe(0);
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.slice(0, -1)).toEqual(
      writes
        .slice(0, -1)
        .map(() =>
          expect.stringMatching(
            /^\r[\d,]+ records read, deployments 2025-01-06T\d\d:\d\dZ \.\. 20\d\d-\d\d-\d\dT\d\d:\d\dZ\x1b\[K$/,
          ),
        ),
    );
    expect(writes.at(-1)).toBe(CLEAR);
    expect(out.join('\n')).toMatch(/^all\s+\d+/m);
    expect(err).toEqual([]);
  });

  it('shows nothing when stderr is not a terminal', async () => {
    const { code, writes } = await run(false);
    expect(code).toBe(0);
    expect(writes).toEqual([]);
  });
});
