import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  KinesisClient,
  type KinesisClientConfig,
  ListShardsCommand,
  type ListShardsCommandInput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { transportConfig } from '../../lib/aws/config.js';
import { errorText, isTransientAwsError } from '../../lib/aws/errors.js';
import { retry } from '../../lib/retry.js';
import { type Clock, realClock, realSleep, type Sleep } from '../../lib/time.js';
import { collect, createTally, type ReadCounts, type ReadResult, type RecordHandler } from './records.js';

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
 * A Kinesis client for readStreamRecords, with the service's transport settings (the operator's own
 * credentials, from the SDK's default chain): HTTP/1.1 and no
 * retries of the SDK's own. The reader paces its reads and retries throttled and failed requests
 * itself; the SDK's standard retry also retries ProvisionedThroughputExceededException, and the two
 * together would multiply the attempts against a shard that is already over its limit.
 */
export const createReaderClient = (
  config: Omit<KinesisClientConfig, 'requestHandler' | 'maxAttempts'> = {},
): KinesisClient => new KinesisClient({ ...config, ...transportConfig() });

/** Each request is abandoned after this long; a GetRecords answer holds at most 10 MiB. */
const REQUEST_TIMEOUT_MS = 30_000;
const timeout = () => ({ abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

interface ReadContext {
  client: KinesisClient;
  streamName: string;
  from?: Date;
  sleep: Sleep;
  clock: Clock;
  random: () => number;
  maxAttempts: number;
}

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
      classify: isTransientAwsError,
    });
  } catch (error) {
    if (!isTransientAwsError(error)) throw error;
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
      context.client.send(new ListShardsCommand(input), timeout()),
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
        timeout(),
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
            timeout(),
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
