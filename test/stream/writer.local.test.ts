import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { clientConfig } from '../../lib/aws/config.js';
import { kinesisPortOver } from '../../lib/aws/kinesis.js';
import { classifyEvent } from '../../lib/events/classify.js';
import { partitionKeyOf, type StateRecord, toStateRecord } from '../../lib/stream/record.js';
import { createRecordWriter } from '../../lib/stream/writer.js';
import { deadlineAt } from '../../lib/time.js';
import { type KinesisStandIn, startKinesisStandIn } from '../../local/standins/kinesis.js';
import { loadEvent } from '../support/fixtures.js';
import { schemaErrors } from './schema.js';

const STREAM = 'deploy-sentinel-state';
let kinesis: KinesisStandIn;
let client: KinesisClient;

beforeAll(async () => {
  kinesis = await startKinesisStandIn({ streams: [{ name: STREAM, shardCount: 4 }] });
  client = kinesis.client();
});
afterAll(() => kinesis.close());

/** Every shard's records in sequence order, read with the plain SDK. */
const readShards = async (): Promise<Map<string, StateRecord[]>> => {
  const shards = new Map<string, StateRecord[]>();
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: STREAM }));
  for (const { ShardId } of Shards) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: STREAM, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const page = await client.send(new GetRecordsCommand({ ShardIterator }));
    shards.set(
      ShardId!,
      (page.Records ?? []).map((r) => JSON.parse(Buffer.from(r.Data!).toString('utf8')) as StateRecord),
    );
  }
  return shards;
};

/** One deployment's life as the service would stream it: START, two instances, the outcome. */
const record = (n: number): StateRecord => ({
  schemaVersion: 1,
  eventId: `evt-${n}`,
  kind: 'deployment',
  deploymentId: 'd-ABCDEFGH1',
  application: 'checkout',
  deploymentGroup: 'checkout-prod',
  state: 'START',
  eventTime: '2026-11-20T15:00:00.000Z',
});

const lifeOf = (deploymentId: string, minute: number, outcome: string): StateRecord[] => {
  const at = (second: number) => new Date(Date.UTC(2026, 10, 20, 15, minute, second)).toISOString();
  const deployment = (state: string, second: number) => {
    const event = loadEvent('codedeploy/deployment.start.json');
    Object.assign(event, { id: `${deploymentId}-${state}`, time: at(second) });
    Object.assign(event.detail, { deploymentId, state });
    return toStateRecord(classifyEvent(event));
  };
  const instance = (instanceId: string, second: number) => {
    const event = loadEvent('codedeploy/instance.success.json');
    Object.assign(event, { id: `${deploymentId}-${instanceId}`, time: at(second) });
    Object.assign(event.detail, { deploymentId, instanceId });
    return toStateRecord(classifyEvent(event));
  };
  return [
    deployment('START', 0),
    instance('i-0000000000000000a', 10),
    instance('i-0000000000000000b', 20),
    deployment(outcome, 30),
  ];
};

describe('record writer against a local Kinesis (kinesalite)', () => {
  it('writes records that read back intact, each deployment on one shard in the order written', async () => {
    const lives = ['d-AAAAAAAA1', 'd-BBBBBBBB2', 'd-CCCCCCCC3', 'd-DDDDDDDD4', 'd-EEEEEEEE5', 'd-FFFFFFFF6'].map(
      (id, i) => lifeOf(id, i, i % 3 === 0 ? 'FAILURE' : 'SUCCESS'),
    );
    // Interleaved, as concurrent deployments produce them.
    const written = lives[0]!.flatMap((_, step) => lives.map((life) => life[step]!));
    const writer = createRecordWriter({ kinesis: kinesisPortOver(client), streamName: STREAM });
    const result = await writer.put(written, deadlineAt(Date.now() + 10_000));
    expect(result).toEqual({ attempts: 1, batches: 1, records: 24 });

    const shards = await readShards();
    const all = [...shards.values()].flat();
    expect(all).toHaveLength(written.length);
    expect(new Set(all.map((r) => r.eventId))).toEqual(new Set(written.map((r) => r.eventId)));
    for (const record of all) expect(schemaErrors(record)).toEqual([]);

    for (const life of lives) {
      const key = partitionKeyOf(life[0]!);
      const holding = [...shards.values()].filter((records) => records.some((r) => partitionKeyOf(r) === key));
      expect(holding).toHaveLength(1);
      expect(holding[0]!.filter((r) => partitionKeyOf(r) === key)).toEqual(life);
    }
    // Several shards are in use, so "one shard per deployment" is not an accident of a single shard.
    expect([...shards.values()].filter((records) => records.length > 0).length).toBeGreaterThan(1);
  });
});

describe('records named in characters outside the Basic Multilingual Plane', () => {
  it('are accepted by a local Kinesis, read back intact, and keep one key (one shard) per name', async () => {
    // 200 such characters are 400 UTF-16 code units: Kinesis counts a key in those, up to 256.
    const alarmName = `${'🔥'.repeat(200)}-checkout-5xx`;
    const deploymentId = `d-${'𝔡'.repeat(150)}`;
    const alarm = (id: string) => {
      const event = loadEvent('cloudwatch/alarm.threshold-alarm.json');
      Object.assign(event, { id });
      event.detail.alarmName = alarmName;
      return toStateRecord(classifyEvent(event));
    };
    const deployment = loadEvent('codedeploy/deployment.start.json');
    Object.assign(deployment, { id: 'deployment-start' });
    Object.assign(deployment.detail, { deploymentId });
    const written = [alarm('alarm-1'), toStateRecord(classifyEvent(deployment)), alarm('alarm-2')];

    const writer = createRecordWriter({ kinesis: kinesisPortOver(client), streamName: STREAM });
    await writer.put(written, deadlineAt(Date.now() + 10_000));

    const shards = [...(await readShards()).values()];
    const read = shards.flat().filter((r) => written.some((w) => w.eventId === r.eventId));
    expect(read.map((r) => r.eventId).sort()).toEqual(['alarm-1', 'alarm-2', 'deployment-start']);
    expect(read.find((r) => r.eventId === 'alarm-1')!.alarmName).toBe(alarmName);
    expect(read.find((r) => r.eventId === 'deployment-start')!.deploymentId).toBe(deploymentId);
    const holdingAlarms = shards.filter((records) => records.some((r) => r.alarmName === alarmName));
    expect(holdingAlarms).toHaveLength(1);
    expect(holdingAlarms[0]!.filter((r) => r.alarmName === alarmName).map((r) => r.eventId)).toEqual([
      'alarm-1',
      'alarm-2',
    ]);
  });
});

describe('a Kinesis endpoint that never answers', () => {
  it('is abandoned when the invocation runs out of time, and the records are reported unwritten', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new KinesisClient({
      ...clientConfig({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    try {
      const writer = createRecordWriter({
        kinesis: kinesisPortOver(client),
        streamName: 'deploy-sentinel-state',
        log: createLogger({ write: () => undefined }),
      });
      const error = await writer.put([record(1)], deadlineAt(Date.now() + 300)).catch((e: unknown) => e);

      expect(error).toMatchObject({
        name: 'StreamWriteError',
        failure: 'deadline',
        failedEventIds: ['evt-1'],
        errorCodes: ['AbortError'],
        attempts: 1,
      });
    } finally {
      client.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
