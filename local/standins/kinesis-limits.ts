import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { createHash } from 'node:crypto';
import { clientConfig } from '../../lib/aws/config.js';
import { type Clock, realClock } from '../../lib/time.js';
import { AwsFault, type JsonOperation, startAwsStandIn } from './aws.js';
import { LOCAL_CREDENTIALS } from './kinesis.js';

/**
 * A Kinesis read API on 127.0.0.1 that enforces the read limits kinesalite ignores (AWS JSON 1.1,
 * X-Amz-Target prefix `Kinesis_20131202`): ListShards, DescribeStreamSummary, GetShardIterator and
 * GetRecords over streams held in memory. Limits, from the Kinesis API Reference (GetRecords,
 * GetShardIterator):
 * - GetRecords: 5 transactions per second per shard, and 2 MiB per second per shard: after an answer
 *   of 10 MiB, calls in the next 5 seconds are refused. At most 10,000 records or 10 MiB per answer.
 * - GetShardIterator: 5 transactions per second per shard.
 * - A shard iterator expires 5 minutes after it was returned (ExpiredIteratorException).
 * Over a limit the answer is HTTP 400 ProvisionedThroughputExceededException, as Kinesis sends it.
 * Records are put in process (`put`), on the shard whose hash key range holds the MD5 of their
 * partition key, as Kinesis places them. Time comes from an injectable clock.
 */

/** The X-Amz-Target prefix of Kinesis. */
export const KINESIS_TARGET_PREFIX = 'Kinesis_20131202';

const READS_PER_SECOND = 5;
const READ_BYTES_PER_SECOND = 2 * 1024 * 1024;
const ITERATORS_PER_SECOND = 5;
const MAX_RECORDS_PER_READ = 10_000;
const MAX_BYTES_PER_READ = 10 * 1024 * 1024;
const ITERATOR_LIFETIME_MS = 5 * 60_000;
const HASH_KEY_SPACE = 2n ** 128n;
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

interface StoredRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Buffer;
  arrivalMs: number;
}

interface StoredShard {
  shardId: string;
  startingHashKey: bigint;
  endingHashKey: bigint;
  records: StoredRecord[];
  /** Times of the GetRecords calls answered in the last second. */
  reads: number[];
  /** Before this time, the bytes already read use the shard's read throughput. */
  bytesFreeAtMs: number;
  iterators: number[];
}

interface StoredStream {
  name: string;
  createdMs: number;
  shards: StoredShard[];
}

/** What the stand-in counted, for tests to assert on. */
export interface KinesisLimitStats {
  /** GetRecords calls received, refused ones included. */
  getRecords: number;
  /** Calls answered with ProvisionedThroughputExceededException (GetRecords and GetShardIterator). */
  throttled: number;
  /** GetRecords calls answered with ExpiredIteratorException. */
  expired: number;
  getShardIterator: number;
}

/** Streams, records and limits behind the operations. */
export interface KinesisLimitState {
  stats: KinesisLimitStats;
  /** Adds records to a stream, each on the shard its partition key hashes to; returns their sequence numbers. */
  put(streamName: string, records: Array<{ partitionKey: string; data: string | Uint8Array }>): string[];
  /** Refuses the next `count` GetRecords calls whatever their rate, as when another consumer used the budget. */
  throttleNext(count: number): void;
}

export interface KinesisLimitOptions {
  streams: Array<{ name: string; shardCount: number }>;
  /** Records per GetRecords answer at most (Kinesis: 10,000); small values make paging testable. */
  pageSize?: number;
  clock?: Clock;
}

const fault = (code: string, message: string) => new AwsFault(code, message);

const pad = (n: number | bigint, width: number) => String(n).padStart(width, '0');

/** 56 decimal digits, increasing along a shard, like Kinesis sequence numbers. */
const sequenceNumberOf = (shardIndex: number, recordIndex: number) => `49${pad(shardIndex, 6)}${pad(recordIndex, 48)}`;

// Iterators are opaque to callers; this one carries where it points and when it was returned.
interface IteratorState {
  stream: string;
  shard: string;
  position: number;
  issuedMs: number;
}

const encodeIterator = (state: IteratorState) => Buffer.from(JSON.stringify(state)).toString('base64');

const decodeIterator = (token: unknown): IteratorState => {
  if (typeof token === 'string') {
    try {
      const state = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Partial<IteratorState>;
      if (
        typeof state.stream === 'string' &&
        typeof state.shard === 'string' &&
        typeof state.position === 'number' &&
        typeof state.issuedMs === 'number'
      ) {
        return state as IteratorState;
      }
    } catch {
      // Falls through to the answer Kinesis gives for a malformed iterator.
    }
  }
  throw fault('InvalidArgumentException', 'Invalid ShardIterator.');
};

/** In-memory streams with Kinesis's read limits; pass `operations` to startAwsStandIn. */
export const createKinesisLimitState = (
  options: KinesisLimitOptions,
): KinesisLimitState & { operations: Record<string, Record<string, JsonOperation>> } => {
  const clock = options.clock ?? realClock;
  const pageSize = Math.min(options.pageSize ?? MAX_RECORDS_PER_READ, MAX_RECORDS_PER_READ);
  const stats: KinesisLimitStats = { getRecords: 0, throttled: 0, expired: 0, getShardIterator: 0 };
  let forcedThrottles = 0;

  const streams = new Map<string, StoredStream>(
    options.streams.map(({ name, shardCount }) => [
      name,
      {
        name,
        createdMs: clock(),
        shards: Array.from({ length: shardCount }, (_, i) => ({
          shardId: `shardId-${pad(i, 12)}`,
          startingHashKey: (HASH_KEY_SPACE * BigInt(i)) / BigInt(shardCount),
          endingHashKey: (HASH_KEY_SPACE * BigInt(i + 1)) / BigInt(shardCount) - 1n,
          records: [],
          reads: [],
          bytesFreeAtMs: Number.NEGATIVE_INFINITY,
          iterators: [],
        })),
      },
    ]),
  );

  const streamOf = (name: unknown): StoredStream => {
    const stream = typeof name === 'string' ? streams.get(name) : undefined;
    if (!stream) throw fault('ResourceNotFoundException', `Stream ${String(name)} under account ${ACCOUNT} not found.`);
    return stream;
  };

  const shardOf = (stream: StoredStream, shardId: unknown): StoredShard => {
    const shard = stream.shards.find((s) => s.shardId === shardId);
    if (!shard)
      throw fault(
        'ResourceNotFoundException',
        `Shard ${String(shardId)} in stream ${stream.name} under account ${ACCOUNT} does not exist`,
      );
    return shard;
  };

  const rateExceeded = (stream: StoredStream, shard: StoredShard) => {
    stats.throttled += 1;
    return fault(
      'ProvisionedThroughputExceededException',
      `Rate exceeded for shard ${shard.shardId} in stream ${stream.name} under account ${ACCOUNT}.`,
    );
  };

  /** Keeps the calls of the last second and says whether another one fits in `perSecond`. */
  const withinRate = (times: number[], now: number, perSecond: number) => {
    while (times.length > 0 && times[0]! <= now - 1_000) times.shift();
    return times.length < perSecond;
  };

  const positionOf = (shard: StoredShard, input: Record<string, unknown>): number => {
    const sequence = input.StartingSequenceNumber;
    switch (input.ShardIteratorType) {
      case 'TRIM_HORIZON':
        return 0;
      case 'LATEST':
        return shard.records.length;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const index = shard.records.findIndex((r) => r.sequenceNumber === sequence);
        if (index < 0)
          throw fault(
            'InvalidArgumentException',
            `StartingSequenceNumber ${String(sequence)} used in GetShardIterator on shard ${shard.shardId} is invalid.`,
          );
        return input.ShardIteratorType === 'AT_SEQUENCE_NUMBER' ? index : index + 1;
      }
      case 'AT_TIMESTAMP': {
        // The JSON protocol sends timestamps as epoch seconds.
        if (typeof input.Timestamp !== 'number')
          throw fault(
            'InvalidArgumentException',
            'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP.',
          );
        const ms = input.Timestamp * 1_000;
        const index = shard.records.findIndex((r) => r.arrivalMs >= ms);
        return index < 0 ? shard.records.length : index;
      }
      default:
        throw fault('InvalidArgumentException', `Invalid ShardIteratorType: ${String(input.ShardIteratorType)}`);
    }
  };

  const operations: Record<string, JsonOperation> = {
    ListShards: (input) => {
      // One page holds every shard (the streams here are small), so no NextToken is ever valid.
      if (input.NextToken !== undefined) throw fault('InvalidArgumentException', 'NextToken is invalid.');
      const stream = streamOf(input.StreamName);
      return {
        Shards: stream.shards.map((s, i) => ({
          ShardId: s.shardId,
          HashKeyRange: { StartingHashKey: String(s.startingHashKey), EndingHashKey: String(s.endingHashKey) },
          SequenceNumberRange: { StartingSequenceNumber: sequenceNumberOf(i, 0) },
        })),
      };
    },

    DescribeStreamSummary: (input) => {
      const stream = streamOf(input.StreamName);
      return {
        StreamDescriptionSummary: {
          StreamName: stream.name,
          StreamARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${stream.name}`,
          StreamStatus: 'ACTIVE',
          StreamModeDetails: { StreamMode: 'PROVISIONED' },
          RetentionPeriodHours: 24,
          StreamCreationTimestamp: stream.createdMs / 1_000,
          EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
          EncryptionType: 'NONE',
          OpenShardCount: stream.shards.length,
          ConsumerCount: 0,
        },
      };
    },

    GetShardIterator: (input) => {
      stats.getShardIterator += 1;
      const stream = streamOf(input.StreamName);
      const shard = shardOf(stream, input.ShardId);
      const now = clock();
      if (!withinRate(shard.iterators, now, ITERATORS_PER_SECOND)) throw rateExceeded(stream, shard);
      shard.iterators.push(now);
      const position = positionOf(shard, input);
      return {
        ShardIterator: encodeIterator({ stream: stream.name, shard: shard.shardId, position, issuedMs: now }),
      };
    },

    GetRecords: (input) => {
      stats.getRecords += 1;
      const limit = input.Limit ?? MAX_RECORDS_PER_READ;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_RECORDS_PER_READ)
        throw fault('InvalidArgumentException', `Limit must be between 1 and ${MAX_RECORDS_PER_READ}.`);
      const iterator = decodeIterator(input.ShardIterator);
      const stream = streamOf(iterator.stream);
      const shard = shardOf(stream, iterator.shard);
      const now = clock();
      if (now - iterator.issuedMs > ITERATOR_LIFETIME_MS) {
        stats.expired += 1;
        throw fault(
          'ExpiredIteratorException',
          `Iterator expired. The iterator was created at time ${new Date(iterator.issuedMs).toISOString()} while right now it is ${new Date(now).toISOString()} which is further in the future than the tolerated delay of ${ITERATOR_LIFETIME_MS} milliseconds.`,
        );
      }
      if (forcedThrottles > 0) {
        forcedThrottles -= 1;
        throw rateExceeded(stream, shard);
      }
      if (now < shard.bytesFreeAtMs || !withinRate(shard.reads, now, READS_PER_SECOND))
        throw rateExceeded(stream, shard);
      shard.reads.push(now);

      const records: StoredRecord[] = [];
      let bytes = 0;
      for (let i = iterator.position; i < shard.records.length && records.length < Math.min(limit, pageSize); i += 1) {
        const record = shard.records[i]!;
        const size = record.data.length + Buffer.byteLength(record.partitionKey);
        if (records.length > 0 && bytes + size > MAX_BYTES_PER_READ) break;
        records.push(record);
        bytes += size;
      }
      shard.bytesFreeAtMs = Math.max(shard.bytesFreeAtMs, now + (bytes * 1_000) / READ_BYTES_PER_SECOND);
      const position = iterator.position + records.length;
      const next = shard.records[position];
      return {
        Records: records.map((r) => ({
          SequenceNumber: r.sequenceNumber,
          ApproximateArrivalTimestamp: r.arrivalMs / 1_000,
          Data: r.data.toString('base64'),
          PartitionKey: r.partitionKey,
        })),
        // Open shards always hand out a next iterator; 0 means the answer reached the tip.
        NextShardIterator: encodeIterator({ stream: stream.name, shard: shard.shardId, position, issuedMs: now }),
        MillisBehindLatest: next ? Math.max(1, now - next.arrivalMs) : 0,
      };
    },
  };

  return {
    stats,
    put(streamName, records) {
      const stream = streamOf(streamName);
      return records.map(({ partitionKey, data }) => {
        const hashKey = BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
        const index = stream.shards.findIndex((s) => hashKey >= s.startingHashKey && hashKey <= s.endingHashKey);
        const shard = stream.shards[index]!;
        const sequenceNumber = sequenceNumberOf(index, shard.records.length);
        shard.records.push({
          sequenceNumber,
          partitionKey,
          data: Buffer.from(data),
          arrivalMs: clock(),
        });
        return sequenceNumber;
      });
    },
    throttleNext(count) {
      forcedThrottles = count;
    },
    operations: { [KINESIS_TARGET_PREFIX]: operations },
  };
};

/** A running stand-in. */
export interface KinesisLimitsStandIn extends KinesisLimitState {
  url: string;
  /** A client for this stand-in (HTTP/1.1, dummy credentials); `config` adds to it (e.g. maxAttempts). */
  client(config?: Omit<KinesisClientConfig, 'requestHandler'>): KinesisClient;
  close(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1 (any free port). */
export const startKinesisLimitsStandIn = async (options: KinesisLimitOptions): Promise<KinesisLimitsStandIn> => {
  const state = createKinesisLimitState(options);
  const server = await startAwsStandIn({ json: state.operations });
  const clients: KinesisClient[] = [];
  return {
    url: server.url,
    stats: state.stats,
    put: state.put,
    throttleNext: state.throttleNext,
    client(config = {}) {
      const client = new KinesisClient({
        ...clientConfig({ region: REGION, credentials: LOCAL_CREDENTIALS }),
        endpoint: server.url,
        ...config,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await server.close();
    },
  };
};
