/**
 * Writes a synthetic, deterministic deployment history as JSON lines, for throughput figures and
 * for trying the metrics reader without an AWS account.
 *
 *   npm run generate-records -- --count 100000 --out records.jsonl [--seed 1] [--lead-time]
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { type CommandIo, isMain, processIo, runCommand, UsageError, wholeNumberOption } from './cli.js';
import { generateRecordStream } from './metrics/generate.js';

/** The one-line usage, printed on bad arguments. */
export const USAGE = 'usage: npm run generate-records -- --count N --out file.jsonl [--seed S] [--lead-time]';

/**
 * Writes `count` records to `out`, one by one; returns the number written. With `leadTime`, successful
 * deployments carry their lead time.
 */
export const writeGeneratedRecords = async (
  count: number,
  out: string,
  seed = 1,
  options: { leadTime?: boolean } = {},
): Promise<number> => {
  const file = createWriteStream(out, 'utf8');
  let written = 0;
  let batch = '';
  for (const record of generateRecordStream({ count, seed, leadTime: options.leadTime ?? false })) {
    batch += `${JSON.stringify(record)}\n`;
    written += 1;
    // A write per few hundred records; back-pressure keeps a long history from piling up in memory.
    if (batch.length >= 256 * 1024) {
      if (!file.write(batch)) await once(file, 'drain');
      batch = '';
    }
  }
  file.end(batch);
  await once(file, 'finish');
  return written;
};

/** Runs the command; returns the process exit code (0 written, 2 bad usage). */
export const runGenerateRecordsCli = (argv: string[], io: CommandIo = processIo): Promise<number> =>
  runCommand(
    argv,
    {
      usage: USAGE,
      options: {
        count: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string', default: '1' },
        'lead-time': { type: 'boolean', default: false },
      },
    },
    async (values) => {
      const count = wholeNumberOption('count', values.count);
      const seed = wholeNumberOption('seed', values.seed, 0);
      if (!values.out) throw new UsageError('--out is required');
      const written = await writeGeneratedRecords(count, values.out, seed, { leadTime: values['lead-time'] });
      io.stdout(`wrote ${written} records to ${values.out} (seed ${seed})`);
      return 0;
    },
    io,
  );

if (isMain(import.meta.url)) {
  process.exitCode = await runGenerateRecordsCli(process.argv.slice(2));
}
