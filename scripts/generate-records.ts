/**
 * Writes a synthetic, deterministic deployment history as JSON lines, for throughput figures and
 * for trying the metrics reader without an AWS account.
 *
 *   npx tsx scripts/generate-records.ts --count 100000 --out records.jsonl [--seed 1]
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateRecords } from '../lib/stream/generate.js';

/** The one-line usage, printed on bad arguments. */
export const USAGE = 'usage: npx tsx scripts/generate-records.ts --count N --out file.jsonl [--seed S]';

/** Writes `count` records to `out`; returns the number written. */
export const writeGeneratedRecords = async (count: number, out: string, seed = 1): Promise<number> => {
  const records = generateRecords({ count, seed });
  const file = createWriteStream(out, 'utf8');
  for (const record of records) {
    // Respect back-pressure so that a large history does not pile up in memory.
    if (!file.write(`${JSON.stringify(record)}\n`)) await once(file, 'drain');
  }
  file.end();
  await once(file, 'finish');
  return records.length;
};

const main = async (argv: string[]): Promise<number> => {
  const { values } = parseArgs({
    args: argv,
    options: { count: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string', default: '1' } },
    strict: true,
  });
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!values.out || !Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const written = await writeGeneratedRecords(count, values.out, seed);
  process.stdout.write(`wrote ${written} records to ${values.out} (seed ${seed})\n`);
  return 0;
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
