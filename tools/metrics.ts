/**
 * Delivery metrics from the deployment state history.
 *
 *   npm run metrics -- --stream NAME [--from ISO] [--to ISO] [--region R] [--json] [--html report.html]
 *   npm run metrics -- --file records.jsonl [--from ISO] [--to ISO] [--json] [--html report.html]
 *
 * Reads every shard of the stream until caught up (oldest kept record, or AT_TIMESTAMP with --from),
 * within each shard's read limits and backing off when throttled, or a JSON-lines file; records the
 * published schema rejects are counted, not used. The numbers are computed in one pass as records
 * arrive, so a history of any length can be read; on a terminal, stderr shows how far the read has
 * got. Prints per application and deployment group and overall: deployments, outcomes, change failure
 * rate, median and p95 duration, time to restore and lead time; with --html, also writes those
 * numbers per week as one self-contained HTML page with charts. The stream is reached through the
 * SDK's standard settings (AWS_REGION, AWS_ENDPOINT_URL_KINESIS, credentials).
 *
 * `npm run metrics` runs it with `--max-semi-space-size=8`: every line read is short-lived garbage,
 * and V8's default young generation (up to 16 MiB per semi-space) only adds peak memory here: a
 * million records peak about 30 MiB lower, in the same time.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { accessSync, constants, existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { StateRecord } from '../lib/stream/record.js';
import type { Clock } from '../lib/time.js';
import { type CommandIo, dateOption, isMain, processIo, runCommand, UsageError } from './cli.js';
import { createMetricsAccumulator, formatMetricsTable, type MetricsProgress } from './metrics/metrics.js';
import { createProgressLine, type ProgressOutput } from './metrics/progress.js';
import { forEachFileRecord, type ReadCounts } from './metrics/records.js';
import { formatHtmlReport } from './metrics/report.js';
import { errorText } from '../lib/aws/errors.js';

/** The one-line usage, printed on bad arguments and --help. */
export const USAGE = `usage: npm run metrics -- (--stream NAME [--region REGION] | --file records.jsonl) [--from ISO-8601] [--to ISO-8601] [--json] [--html report.html]`;

/** The command's outside world: output streams and the Kinesis client (tests pass a local one). */
export interface MetricsCliIo extends CommandIo {
  /** The client for --stream; by default, createReaderClient's for the region. */
  kinesis?(region: string | undefined): KinesisClient;
  /** Where a long read shows its progress, when it is a terminal. */
  progress?: ProgressOutput;
  clock?: Clock;
}

const defaultIo: MetricsCliIo = { ...processIo, progress: process.stderr };

const OPTIONS = {
  stream: { type: 'string' },
  file: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean', default: false },
  html: { type: 'string' },
} as const;

/**
 * The page's path, once it is known that it can be written there: a long read of the stream should
 * not end in "no such folder".
 */
const htmlOption = (path: string | undefined): string | undefined => {
  if (path === undefined) return undefined;
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) throw new UsageError(`--html: no folder ${folder}`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`--html: ${path} is a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new UsageError(`--html: cannot write in ${folder}`);
  }
  return path;
};

/** Runs the metrics command; returns the process exit code (0 done, 1 failed, 2 bad usage). */
export const runMetricsCli = (argv: string[], io: MetricsCliIo = defaultIo): Promise<number> =>
  runCommand(
    argv,
    { usage: USAGE, options: OPTIONS },
    (values) => {
      if (Boolean(values.stream) === Boolean(values.file))
        throw new UsageError('give exactly one of --stream or --file');
      return printMetrics(
        {
          stream: values.stream,
          file: values.file,
          from: dateOption('from', values.from),
          to: dateOption('to', values.to),
          region: values.region,
          json: values.json,
          html: htmlOption(values.html),
        },
        io,
      );
    },
    io,
  );

interface MetricsArgs {
  stream?: string | undefined;
  file?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  region?: string | undefined;
  json: boolean;
  html?: string | undefined;
}

// How often the progress line is offered an update; it shows one at most every quarter second.
const RECORDS_PER_PROGRESS = 256;

const minute = (iso: string | undefined) => `${iso?.slice(0, 16)}Z`;

const describeProgress = ({ records, firstEventTime, lastEventTime }: MetricsProgress) =>
  `${records.toLocaleString('en-US')} records read${firstEventTime ? `, deployments ${minute(firstEventTime)} .. ${minute(lastEventTime)}` : ''}`;

const printMetrics = async (args: MetricsArgs, io: MetricsCliIo): Promise<number> => {
  const accumulator = createMetricsAccumulator({ from: args.from, to: args.to });
  const progress = createProgressLine(io.progress, { clock: io.clock });
  let sinceProgress = 0;
  const onRecord = (record: StateRecord) => {
    accumulator.add(record);
    sinceProgress += 1;
    if (sinceProgress === RECORDS_PER_PROGRESS) {
      sinceProgress = 0;
      progress.show(() => describeProgress(accumulator.progress()));
    }
  };
  let read: ReadCounts & { shards?: number };
  try {
    if (args.stream) {
      // Only a stream needs the AWS SDK: reading a file loads none of it.
      const { createReaderClient, forEachStreamRecord } = await import('./metrics/reader.js');
      const client = io.kinesis?.(args.region) ?? createReaderClient(args.region ? { region: args.region } : {});
      try {
        read = await forEachStreamRecord(client, args.stream, onRecord, { from: args.from });
      } finally {
        client.destroy();
      }
    } else {
      read = await forEachFileRecord(args.file!, onRecord);
    }
  } catch (error) {
    progress.clear();
    io.stderr(`could not read ${args.stream ? `stream ${args.stream}` : args.file}: ${errorText(error)}`);
    return 1;
  }
  progress.clear();
  if (read.unreadable > 0 || read.unsupported > 0) {
    io.stderr(
      `skipped ${read.unreadable} unreadable record(s) and ${read.unsupported} of an unsupported schema version`,
    );
  }
  const report = accumulator.report();
  if (args.json) {
    const source = args.stream ? { stream: args.stream, shards: read.shards } : { file: args.file };
    io.stdout(
      JSON.stringify({ source, unreadable: read.unreadable, unsupported: read.unsupported, ...report }, null, 2),
    );
  } else {
    io.stdout(formatMetricsTable(report));
  }
  if (args.html) {
    const page = formatHtmlReport(report, {
      // The file's own name: the page is read elsewhere, where the folder it was read from means nothing.
      description: args.stream ? `stream ${args.stream}` : `file ${basename(args.file!)}`,
      unreadable: read.unreadable,
      unsupported: read.unsupported,
    });
    try {
      writeFileSync(args.html, page);
    } catch (error) {
      io.stderr(`could not write ${args.html}: ${errorText(error)}`);
      return 1;
    }
    io.stderr(`report written to ${args.html} (${Math.ceil(Buffer.byteLength(page) / 1024)} KiB)`);
  }
  return 0;
};

if (isMain(import.meta.url)) {
  process.exitCode = await runMetricsCli(process.argv.slice(2));
}
