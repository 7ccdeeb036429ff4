import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-kinesis';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type KinesisLimitsStandIn, startKinesisLimitsStandIn } from '../../local/standins/kinesis-limits.js';

const time = { now: 0 };
let server: KinesisLimitsStandIn;
let client: KinesisClient;

const startWith = async (shardCount: number, pageSize?: number) => {
  time.now = Date.parse('2026-11-20T10:00:00Z');
  server = await startKinesisLimitsStandIn({ streams: [{ name: 's', shardCount }], pageSize, clock: () => time.now });
  // One attempt per call: the test sees every answer as the stand-in gives it.
  client = server.client({ maxAttempts: 1 });
};

afterEach(async () => {
  await server.close();
});

const trimHorizon = async (shardId = 'shardId-000000000000') =>
  (
    await client.send(
      new GetShardIteratorCommand({ StreamName: 's', ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    )
  ).ShardIterator!;

const read = (iterator: string) => client.send(new GetRecordsCommand({ ShardIterator: iterator }));

describe('Kinesis stand-in with read limits', () => {
  it('places records by the MD5 of their partition key and pages through a shard', async () => {
    await startWith(2, 2);
    server.put(
      's',
      ['a', 'b', 'c', 'd', 'e', 'f'].map((key) => ({ partitionKey: key, data: `record ${key}` })),
    );
    const { Shards } = await client.send(new ListShardsCommand({ StreamName: 's' }));
    expect(Shards).toHaveLength(2);
    for (const shard of Shards!) {
      const data: string[] = [];
      let iterator = await trimHorizon(shard.ShardId);
      for (;;) {
        time.now += 1_000;
        const page = await read(iterator);
        expect(page.Records!.length).toBeLessThanOrEqual(2);
        data.push(...page.Records!.map((r) => Buffer.from(r.Data!).toString()));
        iterator = page.NextShardIterator!;
        if (page.MillisBehindLatest === 0) break;
      }
      const { StartingHashKey, EndingHashKey } = shard.HashKeyRange!;
      for (const text of data) {
        const hash = BigInt(`0x${createHash('md5').update(text.slice(-1)).digest('hex')}`);
        expect(hash >= BigInt(StartingHashKey!) && hash <= BigInt(EndingHashKey!)).toBe(true);
      }
    }
  });

  it('refuses a sixth read of a shard within a second, and reads again a second later', async () => {
    await startWith(1);
    let iterator = await trimHorizon();
    for (let i = 0; i < 5; i += 1) {
      iterator = (await read(iterator)).NextShardIterator!;
      time.now += 100;
    }
    await expect(read(iterator)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    time.now += 600;
    await expect(read(iterator)).resolves.toMatchObject({ Records: [] });
    expect(server.stats).toMatchObject({ getRecords: 7, throttled: 1 });
  });

  it('refuses reads until a large answer is paid for at 2 MiB per second', async () => {
    await startWith(1);
    // 4 MiB in four records: two seconds of the shard's read throughput.
    server.put(
      's',
      Array.from({ length: 4 }, () => ({ partitionKey: 'k', data: Buffer.alloc(1024 * 1024 - 1, 120) })),
    );
    const page = await read(await trimHorizon());
    expect(page.Records).toHaveLength(4);
    time.now += 1_900;
    await expect(read(page.NextShardIterator!)).rejects.toThrow(/Rate exceeded for shard shardId-000000000000/);
    time.now += 100;
    await expect(read(page.NextShardIterator!)).resolves.toMatchObject({ Records: [], MillisBehindLatest: 0 });
  });

  it('expires an iterator five minutes after handing it out', async () => {
    await startWith(1);
    const iterator = await trimHorizon();
    time.now += 5 * 60_000 + 1;
    await expect(read(iterator)).rejects.toMatchObject({ name: 'ExpiredIteratorException' });
    expect(server.stats.expired).toBe(1);
  });
});
