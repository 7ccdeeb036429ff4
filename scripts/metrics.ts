/**
 * Delivery metrics from the deployment state history.
 *
 *   npm run metrics -- --stream NAME [--from ISO] [--to ISO] [--region R] [--json]
 *   npm run metrics -- --file records.jsonl [--from ISO] [--to ISO] [--json]
 *
 * Reads every shard of the stream until caught up (oldest kept record, or AT_TIMESTAMP with --from),
 * or a JSON-lines file, and prints per application and deployment group and overall: deployments,
 * outcomes, change failure rate, median and p95 duration, and time to restore. The stream is reached
 * through the SDK's standard settings (AWS_REGION, AWS_ENDPOINT_URL_KINESIS, credentials).
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createKinesisClient } from '../lib/stream/client.js';
import { computeMetrics, formatMetricsTable } from '../lib/stream/metrics.js';
import { type ReadResult, readRecordFile, readStreamRecords } from '../lib/stream/reader.js';

/** The one-line usage, printed on bad arguments and --help. */
export const USAGE = `usage: npm run metrics -- (--stream NAME [--region REGION] | --file records.jsonl) [--from ISO-8601] [--to ISO-8601] [--json]`;

/** The command's outside world: output streams and the Kinesis client (tests pass a local one). */
export interface MetricsCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  kinesis(region: string | undefined): KinesisClient;
}

const defaultIo: MetricsCliIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  kinesis: (region) => createKinesisClient(region ? { region } : {}),
};

class UsageError extends Error {
  override name = 'UsageError';
}

const parse = (argv: string[]) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      stream: { type: 'string' },
      file: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { help: true as const };
  if (Boolean(values.stream) === Boolean(values.file)) throw new UsageError('give exactly one of --stream or --file');
  const from = values.from === undefined ? undefined : new Date(values.from);
  if (from && Number.isNaN(from.getTime())) throw new UsageError(`--from is not a date: ${values.from}`);
  const to = values.to === undefined ? undefined : new Date(values.to);
  if (to && Number.isNaN(to.getTime())) throw new UsageError(`--to is not a date: ${values.to}`);
  return {
    help: false as const,
    stream: values.stream,
    file: values.file,
    from,
    to,
    region: values.region,
    json: values.json,
  };
};

/** Runs the metrics command; returns the process exit code (0 done, 1 failed, 2 bad usage). */
export const runMetricsCli = async (argv: string[], io: MetricsCliIo = defaultIo): Promise<number> => {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(USAGE);
    return 0;
  }
  let read: ReadResult & { shards?: number };
  try {
    if (args.stream) {
      const client = io.kinesis(args.region);
      try {
        read = await readStreamRecords(client, args.stream, { from: args.from });
      } finally {
        client.destroy();
      }
    } else {
      read = await readRecordFile(args.file!);
    }
  } catch (error) {
    io.stderr(
      `could not read ${args.stream ? `stream ${args.stream}` : args.file}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    return 1;
  }
  if (read.unreadable > 0 || read.unsupported > 0) {
    io.stderr(
      `skipped ${read.unreadable} unreadable record(s) and ${read.unsupported} of an unsupported schema version`,
    );
  }
  const report = computeMetrics(read.records, { from: args.from, to: args.to });
  if (args.json) {
    const source = args.stream ? { stream: args.stream, shards: read.shards } : { file: args.file };
    io.stdout(
      JSON.stringify({ source, unreadable: read.unreadable, unsupported: read.unsupported, ...report }, null, 2),
    );
  } else {
    io.stdout(formatMetricsTable(report));
  }
  return 0;
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runMetricsCli(process.argv.slice(2));
}
