import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type KinesisClientConfig,
  ListShardsCommand,
  type ListShardsCommandInput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { createReadStream } from 'node:fs';
import { retry } from '../../lib/retry.js';
import { createKinesisClient } from '../../lib/stream/client.js';
import { isTransientWriteError } from '../../lib/stream/writer.js';
import { type Clock, realClock, realSleep, type Sleep } from '../../lib/time.js';
import { STATE_RECORD_SCHEMA_VERSION, type StateRecord } from '../../lib/stream/record.js';
import { isStateRecord } from './schema.js';

/** Records read back, with a count of what could not be used (never dropped without saying so). */
export interface ReadResult {
  records: StateRecord[];
  /** Not JSON, or not a state record as the published schema (schema/state-record.v1.json) defines it. */
  unreadable: number;
  /** A schema version this reader does not know. */
  unsupported: number;
}

/** How many records a read handed on, and how many it could not use. */
export interface ReadCounts {
  records: number;
  unreadable: number;
  unsupported: number;
}

/** Receives each state record as soon as it has been read and decoded. */
export type RecordHandler = (record: StateRecord) => void;

/** Decodes one record's text (pure): a state record, or why not. */
export const decodeRecord = (text: string): StateRecord | 'unreadable' | 'unsupported' => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'unreadable';
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'unreadable';
  const record = value as Partial<StateRecord>;
  if (
    typeof record.schemaVersion !== 'number' ||
    typeof record.eventId !== 'string' ||
    typeof record.kind !== 'string'
  ) {
    return 'unreadable';
  }
  if (record.schemaVersion !== STATE_RECORD_SCHEMA_VERSION) return 'unsupported';
  // The metrics trust the types: a number where a name belongs, or a string where a duration does,
  // would crash them or skew a median.
  return isStateRecord(value) ? value : 'unreadable';
};

const createTally = (onRecord: RecordHandler) => {
  const counts: ReadCounts = { records: 0, unreadable: 0, unsupported: 0 };
  return {
    counts,
    take(text: string): void {
      const decoded = decodeRecord(text);
      if (decoded === 'unreadable') counts.unreadable += 1;
      else if (decoded === 'unsupported') counts.unsupported += 1;
      else {
        counts.records += 1;
        onRecord(decoded);
      }
    },
  };
};

/** Runs a read that hands records on, and keeps them instead (for short histories and tests). */
const collect = async <T extends ReadCounts>(read: (onRecord: RecordHandler) => Promise<T>) => {
  const records: StateRecord[] = [];
  const { records: _count, ...rest } = await read((record) => records.push(record));
  return { records, ...rest };
};

// Blank lines separate nothing; a line of JSON starts with `{`, and only a blank-looking one is trimmed.
const isBlank = (line: string) => line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim().length === 0);

/** Parses JSON lines (one record per line, blank lines ignored) (pure). */
export const parseRecordLines = (text: string): ReadResult => {
  const records: StateRecord[] = [];
  const tally = createTally((record) => records.push(record));
  for (const line of text.split('\n')) if (!isBlank(line)) tally.take(line);
  return { records, unreadable: tally.counts.unreadable, unsupported: tally.counts.unsupported };
};

/**
 * Reads a JSON-lines file (or a pipe) and hands each record on as soon as its line is complete: a long
 * history can exceed the largest string Node can hold, and the memory Node has. A line ends at `\n`;
 * the `\r` of a Windows line ending is white space to JSON.parse.
 */
export const forEachFileRecord = async (path: string, onRecord: RecordHandler): Promise<ReadCounts> => {
  const tally = createTally(onRecord);
  let rest = '';
  // 64 KiB reads: text this size is collected as soon as its lines are parsed, whereas megabyte reads
  // pile up until a full collection (at a million records: 250 MiB at the peak instead of 155, and
  // slower; measured with `npm run bench`).
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    const text = rest + (chunk as string);
    let start = 0;
    // What was left over holds no line end: search only the new text.
    for (let end = text.indexOf('\n', rest.length); end !== -1; end = text.indexOf('\n', start)) {
      const line = text.slice(start, end);
      if (!isBlank(line)) tally.take(line);
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (!isBlank(rest)) tally.take(rest);
  return tally.counts;
};

/** Reads a whole JSON-lines file into memory: for short histories; forEachFileRecord for long ones. */
export const readRecordFile = (path: string): Promise<ReadResult> =>
  collect((onRecord) => forEachFileRecord(path, onRecord));

/** Where to start reading, and how to wait and retry within Kinesis's read limits. */
export interface ReadStreamOptions {
  /** Start at records that arrived at or after this time (AT_TIMESTAMP); otherwise the oldest kept. */
  from?: Date;
  sleep?: Sleep;
  clock?: Clock;
  random?: () => number;
  /** Attempts per request while Kinesis throttles or fails transiently, the first included (default 8). */
  maxAttempts?: number;
}

/** Reading a shard failed after every attempt: Kinesis kept throttling it, or kept failing. */
export class StreamReadError extends Error {
  override name = 'StreamReadError';
}

// GetRecords: 5 transactions and 2 MiB per second per shard; an answer of 10 MiB makes calls in the
// next 5 seconds fail (Kinesis API Reference, GetRecords).
const READS_PER_SECOND = 5;
const READ_BYTES_PER_SECOND = 2 * 1024 * 1024;
const MAX_RECORDS_PER_READ = 10_000;

/**
 * A Kinesis client for readStreamRecords. The reader paces its reads and retries throttled and
 * failed requests itself; the SDK's standard retry also retries ProvisionedThroughputExceededException,
 * and the two together would multiply the attempts against a shard that is already over its limit.
 */
export const createReaderClient = (config: Omit<KinesisClientConfig, 'requestHandler'> = {}): KinesisClient =>
  createKinesisClient({ ...config, maxAttempts: 1 });

interface ReadContext {
  client: KinesisClient;
  streamName: string;
  from?: Date;
  sleep: Sleep;
  clock: Clock;
  random: () => number;
  maxAttempts: number;
}

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Sends one request, retrying throttling and transient failures with full-jitter exponential backoff. */
const request = async <T>(context: ReadContext, what: string, attempt: () => Promise<T>): Promise<T> => {
  try {
    return await retry(attempt, {
      maxAttempts: context.maxAttempts,
      // One read slot of a shard (1 s / 5), doubling up to a few seconds.
      baseDelayMs: 1_000 / READS_PER_SECOND,
      maxDelayMs: 5_000,
      sleep: context.sleep,
      random: context.random,
      classify: isTransientWriteError,
    });
  } catch (error) {
    if (!isTransientWriteError(error)) throw error;
    const hint =
      error instanceof Error && error.name === 'ProvisionedThroughputExceededException'
        ? '; other consumers of the stream may be using its read capacity'
        : '';
    throw new StreamReadError(
      `${what} still failed after ${context.maxAttempts} attempts (${errorText(error)})${hint}`,
      { cause: error },
    );
  }
};

/**
 * Keeps one shard's reads within its limits: the next read starts 1/5 s after the last answer at the
 * earliest, and later after a large answer. Counting from the answer, not the request, keeps the
 * spacing on Kinesis's side too, whatever the network delays.
 */
const createPacer = (clock: Clock, sleep: Sleep) => {
  let nextAt = Number.NEGATIVE_INFINITY;
  return {
    async ready() {
      for (let wait = nextAt - clock(); wait > 0; wait = nextAt - clock()) await sleep(wait);
    },
    answered(bytes: number) {
      nextAt = clock() + Math.max(1_000 / READS_PER_SECOND, (bytes * 1_000) / READ_BYTES_PER_SECOND);
    },
  };
};

const listShards = async (context: ReadContext): Promise<Shard[]> => {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    // ListShards rejects StreamName together with NextToken.
    const input: ListShardsCommandInput = nextToken ? { NextToken: nextToken } : { StreamName: context.streamName };
    const page = await request(context, `ListShards of ${context.streamName}`, () =>
      context.client.send(new ListShardsCommand(input)),
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
};

const readShard = async (context: ReadContext, shardId: string, take: (text: string) => void): Promise<void> => {
  const { client, streamName, from } = context;
  const pacer = createPacer(context.clock, context.sleep);
  const decoder = new TextDecoder();
  const iteratorAfter = async (sequenceNumber: string | undefined) => {
    const position: Pick<GetShardIteratorCommandInput, 'ShardIteratorType' | 'StartingSequenceNumber' | 'Timestamp'> =
      sequenceNumber
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: sequenceNumber }
        : from
          ? { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: from }
          : { ShardIteratorType: 'TRIM_HORIZON' };
    const answer = await request(context, `GetShardIterator on shard ${shardId}`, () =>
      client.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ...position,
        }),
      ),
    );
    return answer.ShardIterator;
  };

  let iterator = await iteratorAfter(undefined);
  let lastSequenceNumber: string | undefined;
  let renewed = false;
  while (iterator) {
    const current = iterator;
    let page: GetRecordsCommandOutput;
    try {
      page = await request(context, `GetRecords on shard ${shardId}`, async () => {
        await pacer.ready();
        let bytes = 0;
        try {
          const answer = await client.send(
            new GetRecordsCommand({ ShardIterator: current, Limit: MAX_RECORDS_PER_READ }),
          );
          for (const record of answer.Records ?? [])
            bytes += (record.Data?.byteLength ?? 0) + Buffer.byteLength(record.PartitionKey ?? '');
          return answer;
        } finally {
          pacer.answered(bytes);
        }
      });
    } catch (error) {
      // An iterator expires five minutes after it was handed out (GetShardIterator reference): a
      // long pause outlives it. A new one continues after the last record read, so nothing repeats.
      if (error instanceof Error && error.name === 'ExpiredIteratorException' && !renewed) {
        renewed = true;
        iterator = await iteratorAfter(lastSequenceNumber);
        continue;
      }
      throw error;
    }
    renewed = false;
    const records = page.Records ?? [];
    for (const record of records) take(decoder.decode(record.Data));
    lastSequenceNumber = records.at(-1)?.SequenceNumber ?? lastSequenceNumber;
    // A closed shard ends with no next iterator; an open one is caught up when a read is empty
    // and nothing is behind. An empty read that is still behind only skipped a gap.
    iterator = page.NextShardIterator;
    if (records.length === 0 && (page.MillisBehindLatest ?? 0) === 0) return;
  }
};

/**
 * Reads every shard of a stream until caught up, and hands each state record on as its page arrives:
 * only one page is held at a time. Reads keep to each shard's limits and back off when throttled;
 * give it a client that does not retry by itself (createReaderClient).
 */
export const forEachStreamRecord = async (
  client: KinesisClient,
  streamName: string,
  onRecord: RecordHandler,
  options: ReadStreamOptions = {},
): Promise<ReadCounts & { shards: number }> => {
  const context: ReadContext = {
    client,
    streamName,
    from: options.from,
    sleep: options.sleep ?? realSleep,
    clock: options.clock ?? realClock,
    random: options.random ?? Math.random,
    maxAttempts: options.maxAttempts ?? 8,
  };
  const shards = await listShards(context);
  const tally = createTally(onRecord);
  for (const shard of shards) {
    if (shard.ShardId) await readShard(context, shard.ShardId, tally.take);
  }
  return { ...tally.counts, shards: shards.length };
};

/** Reads a whole stream into memory: for short histories; forEachStreamRecord for long ones. */
export const readStreamRecords = (
  client: KinesisClient,
  streamName: string,
  options: ReadStreamOptions = {},
): Promise<ReadResult & { shards: number }> =>
  collect((onRecord) => forEachStreamRecord(client, streamName, onRecord, options));
