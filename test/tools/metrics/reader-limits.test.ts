import { afterEach, describe, expect, it } from 'vitest';
import { partitionKeyOf, type StateRecord } from '../../../lib/stream/record.js';
import type { Sleep } from '../../../lib/time.js';
import {
  type KinesisLimitOptions,
  type KinesisLimitsStandIn,
  startKinesisLimitsStandIn,
} from '../../../local/standins/kinesis-limits.js';
import { LOCAL_CREDENTIALS } from '../../../local/standins/kinesis.js';
import { generateRecords } from '../../../tools/metrics/generate.js';
import { computeMetrics } from '../../../tools/metrics/metrics.js';
import { createReaderClient, forEachStreamRecord, readStreamRecords } from '../../../tools/metrics/reader.js';
import { type MetricsCliIo, runMetricsCli } from '../../../tools/metrics.js';

// Kinesis answers GetRecords with ProvisionedThroughputExceededException beyond 5 calls or 2 MiB per
// second per shard; the stand-in enforces both, on the same clock as the reader.

const HISTORY = generateRecords({ count: 400, seed: 7 });

/** A clock that moves only when the reader sleeps, so that waiting costs no real time. */
const fakeTime = () => {
  const time = { now: Date.parse('2026-11-20T10:00:00Z'), sleeps: [] as number[] };
  const sleep: Sleep = async (ms) => {
    time.sleeps.push(ms);
    time.now += Math.max(0, ms);
  };
  return { time, clock: () => time.now, sleep };
};

const servers: KinesisLimitsStandIn[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const start = async (options: KinesisLimitOptions, records: StateRecord[] = HISTORY) => {
  const server = await startKinesisLimitsStandIn(options);
  servers.push(server);
  server.put(
    options.streams[0]!.name,
    records.map((r) => ({ partitionKey: partitionKeyOf(r), data: JSON.stringify(r) })),
  );
  return server;
};

/** The client `npm run metrics` builds, pointed at the stand-in. */
const readerClient = (server: KinesisLimitsStandIn) =>
  createReaderClient({ endpoint: server.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });

const eventIds = (records: StateRecord[]) => records.map((r) => r.eventId).sort();

describe('readStreamRecords within Kinesis read limits', () => {
  it('reads the whole history, several pages per shard, without a single throttled read', async () => {
    const { clock, sleep } = fakeTime();
    const server = await start({ streams: [{ name: 'history', shardCount: 3 }], pageSize: 20, clock });

    const read = await readStreamRecords(readerClient(server), 'history', { clock, sleep });

    expect(read).toMatchObject({ shards: 3, unreadable: 0, unsupported: 0 });
    expect(eventIds(read.records)).toEqual(eventIds(HISTORY));
    expect(computeMetrics(read.records)).toEqual(computeMetrics(HISTORY));
    // 400 records in pages of 20 over 3 shards, and one empty read per shard to see it caught up.
    expect(server.stats.getRecords).toBeGreaterThanOrEqual(20 + 3);
    expect(server.stats.throttled).toBe(0);
  });

  it('hands the records of each page on before it reads the next page', async () => {
    const { clock, sleep } = fakeTime();
    const server = await start({ streams: [{ name: 'paged', shardCount: 2 }], pageSize: 25, clock });
    const readsBefore: number[] = [];

    const read = await forEachStreamRecord(
      readerClient(server),
      'paged',
      () => readsBefore.push(server.stats.getRecords),
      { clock, sleep },
    );

    expect(read).toEqual({ records: HISTORY.length, unreadable: 0, unsupported: 0, shards: 2 });
    // The first page's records arrive after one read, the last page's after all of them but the empty ones.
    expect(readsBefore[0]).toBe(1);
    expect(readsBefore.at(-1)).toBeGreaterThanOrEqual(HISTORY.length / 25);
    expect(new Set(readsBefore).size).toBeGreaterThanOrEqual(HISTORY.length / 25);
  });

  it('waits after large answers so that no shard reads more than 2 MiB per second', async () => {
    const { clock, sleep } = fakeTime();
    // Records of about 1 MiB each: a shard answers up to 10 MiB at once, then owes 5 seconds.
    const large = HISTORY.slice(0, 24).map((r, i) => ({
      schemaVersion: 1 as const,
      eventId: `large-${i}`,
      eventTime: r.eventTime,
      kind: 'unknown' as const,
      reason: 'unrecognised event',
      raw: 'x'.repeat(1_000_000),
    }));
    const server = await start({ streams: [{ name: 'large', shardCount: 2 }], clock }, large);

    const read = await readStreamRecords(readerClient(server), 'large', { clock, sleep });

    expect(eventIds(read.records)).toEqual(eventIds(large));
    expect(server.stats.throttled).toBe(0);
  });

  it('backs off when a shard is throttled anyway, and reads on', async () => {
    const { clock, sleep } = fakeTime();
    const server = await start({ streams: [{ name: 'shared', shardCount: 2 }], pageSize: 50, clock });
    // Another consumer of the stream used the shards' budget: the next reads are refused.
    server.throttleNext(5);

    const read = await readStreamRecords(readerClient(server), 'shared', { clock, sleep });

    expect(eventIds(read.records)).toEqual(eventIds(HISTORY));
    expect(server.stats.throttled).toBe(5);
  });

  it('gives up with a clear error when reads stay throttled, after a bounded number of attempts', async () => {
    const { time, clock, sleep } = fakeTime();
    const server = await start({ streams: [{ name: 'busy', shardCount: 1 }], clock });
    server.throttleNext(Number.POSITIVE_INFINITY);

    const error = await readStreamRecords(readerClient(server), 'busy', {
      clock,
      sleep,
      maxAttempts: 5,
      random: () => 1,
    }).catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'StreamReadError',
      message: expect.stringMatching(/shardId-000000000000.*5 attempts.*ProvisionedThroughputExceededException/),
    });
    // One request per attempt: the SDK does not retry underneath the reader's own backoff.
    expect(server.stats.getRecords).toBe(5);
    // Exponential backoff (full jitter, here at its top): 200, 400, 800, 1600 ms.
    expect(time.sleeps).toEqual([200, 400, 800, 1_600]);
  });

  it('gets a new iterator after the last record read when a long pause let its iterator expire', async () => {
    const { time, clock, sleep } = fakeTime();
    const server = await start({ streams: [{ name: 'paused', shardCount: 2 }], pageSize: 30, clock });
    let waits = 0;
    // The third wait lasts six minutes (a suspended laptop): every iterator outlives its five.
    const pausing: Sleep = async (ms) => {
      waits += 1;
      await sleep(waits === 3 ? ms + 6 * 60_000 : ms);
    };

    const read = await readStreamRecords(readerClient(server), 'paused', { clock, sleep: pausing });

    expect(server.stats.expired).toBeGreaterThan(0);
    expect(time.now).toBeGreaterThan(Date.parse('2026-11-20T10:06:00Z'));
    // Every record once: none skipped, none read twice.
    expect(eventIds(read.records)).toEqual(eventIds(HISTORY));
  });
});

describe('npm run metrics -- --stream', () => {
  it('reads a stream whose shards enforce the read limits, in real time', async () => {
    const server = await start({ streams: [{ name: 'history', shardCount: 2 }], pageSize: 100 });
    const out: string[] = [];
    const err: string[] = [];
    const io: MetricsCliIo = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      kinesis: () => readerClient(server),
    };

    expect(await runMetricsCli(['--stream', 'history', '--json'], io)).toBe(0);

    expect(err).toEqual([]);
    const output = JSON.parse(out.join('\n'));
    expect(output.overall).toEqual(JSON.parse(JSON.stringify(computeMetrics(HISTORY).overall)));
    expect(server.stats.throttled).toBe(0);
  });
});
