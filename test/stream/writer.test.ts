import {
  KinesisClient,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
  type PutRecordsCommandInput,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { createKinesisClient } from '../../lib/stream/client.js';
import type { StateRecord } from '../../lib/stream/record.js';
import { MAX_RECORD_BYTES } from '../../lib/stream/size.js';
import {
  createRecordWriter,
  encodeRecord,
  rejectedRecords,
  StreamWriteError,
  toBatches,
} from '../../lib/stream/writer.js';
import { deadlineAt } from '../../lib/time.js';

const kinesis = mockClient(KinesisClient);

const record = (n: number, deploymentId = 'd-ABCDEFGH1'): StateRecord => ({
  schemaVersion: 1,
  eventId: `evt-${n}`,
  eventTime: new Date(Date.UTC(2026, 10, 20, 15, 0, n)).toISOString(),
  kind: 'deployment',
  application: 'checkout',
  deploymentGroup: 'checkout-prod',
  deploymentId,
  state: 'START',
});

/** Time that moves only when the code under test sleeps. */
const fakeTime = () => {
  const time = { now: 0, sleeps: [] as number[] };
  return {
    time,
    clock: () => time.now,
    sleep: async (ms: number) => {
      time.sleeps.push(ms);
      time.now += ms;
    },
  };
};

const sentIds = (call: number) => {
  const input = kinesis.commandCalls(PutRecordsCommand)[call]!.args[0].input as PutRecordsCommandInput;
  return input.Records!.map((r) => JSON.parse(Buffer.from(r.Data!).toString('utf8')).eventId as string);
};

const accepted = (n: number) => ({
  FailedRecordCount: 0,
  Records: Array.from({ length: n }, (_, i) => ({ SequenceNumber: `${i}`, ShardId: 'shardId-000000000000' })),
});

const writerWith = (t: ReturnType<typeof fakeTime>, lines: string[] = [], maxAttempts = 5) =>
  createRecordWriter({
    client: new KinesisClient({ region: 'us-east-1' }),
    streamName: 'deploy-sentinel-state',
    sleep: t.sleep,
    random: () => 1,
    maxAttempts,
    log: createLogger({ write: (line) => lines.push(line) }),
  });

beforeEach(() => kinesis.reset());

describe('createRecordWriter', () => {
  it('writes the records in one PutRecords request, by stream name, keyed by deployment', async () => {
    kinesis.on(PutRecordsCommand).resolves(accepted(3));
    const t = fakeTime();
    const result = await writerWith(t).put([record(1), record(2), record(3)], deadlineAt(10_000, t.clock));

    expect(result).toEqual({ attempts: 1, batches: 1, records: 3 });
    const input = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input;
    expect(input.StreamName).toBe('deploy-sentinel-state');
    expect(input.Records!.map((r) => r.PartitionKey)).toEqual(['d-ABCDEFGH1', 'd-ABCDEFGH1', 'd-ABCDEFGH1']);
    expect(sentIds(0)).toEqual(['evt-1', 'evt-2', 'evt-3']);
    expect(t.time.sleeps).toEqual([]);
  });

  it('retries only the records Kinesis rejected, after a backoff', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 2,
        Records: [
          {
            ErrorCode: 'ProvisionedThroughputExceededException',
            ErrorMessage: 'Rate exceeded for shard shardId-000000000000',
          },
          { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' },
        ],
      })
      .resolves(accepted(2));
    const t = fakeTime();
    const lines: string[] = [];
    const result = await writerWith(t, lines).put([record(1), record(2), record(3)], deadlineAt(10_000, t.clock));

    expect(result.attempts).toBe(2);
    expect(sentIds(1)).toEqual(['evt-1', 'evt-3']);
    expect(t.time.sleeps).toHaveLength(1);
    expect(t.time.sleeps[0]).toBeGreaterThan(0);
    const warning = JSON.parse(lines[0]!);
    expect(warning).toMatchObject({ level: 'warn', pendingRecords: 2 });
    expect(warning.errorCodes.sort()).toEqual(['InternalFailure', 'ProvisionedThroughputExceededException']);
  });

  it('ends in a StreamWriteError naming the records when rejection persists', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: input.Records!.length,
      Records: input.Records!.map(() => ({
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: 'Rate exceeded',
      })),
    }));
    const t = fakeTime();
    const error = await writerWith(t, [], 4)
      .put([record(1), record(2)], deadlineAt(60_000, t.clock))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StreamWriteError);
    expect(error).toMatchObject({
      failure: 'partial-failure',
      transient: true,
      failedEventIds: ['evt-1', 'evt-2'],
      errorCodes: ['ProvisionedThroughputExceededException'],
      attempts: 4,
    });
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(4);
    expect(t.time.sleeps).toHaveLength(3);
  });

  it('stops before a backoff would pass the deadline, and says so', async () => {
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 1, Records: [{ ErrorCode: 'InternalFailure' }] });
    const t = fakeTime();
    const deadline = deadlineAt(1_000, t.clock);
    const error = await writerWith(t, [], 100)
      .put([record(1)], deadline)
      .catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'StreamWriteError',
      failure: 'deadline',
      transient: true,
      failedEventIds: ['evt-1'],
      errorCodes: ['InternalFailure'],
    });
    expect(t.time.now).toBeLessThan(1_000);
    expect(t.time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(1_000);
    expect((error as StreamWriteError).attempts).toBe(kinesis.commandCalls(PutRecordsCommand).length);
  });

  it('sends nothing and fails when the invocation has no time left', async () => {
    kinesis.on(PutRecordsCommand).resolves(accepted(1));
    const t = fakeTime();
    t.time.now = 5_000;
    const error = await writerWith(t)
      .put([record(1)], deadlineAt(5_000, t.clock))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ failure: 'deadline', failedEventIds: ['evt-1'], attempts: 0 });
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('retries a throttled request and gives up at once on a missing stream', async () => {
    const throttled = new ProvisionedThroughputExceededException({
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    kinesis.on(PutRecordsCommand).rejectsOnce(throttled).resolves(accepted(1));
    const t = fakeTime();
    expect((await writerWith(t).put([record(1)], deadlineAt(10_000, t.clock))).attempts).toBe(2);

    kinesis.reset();
    const missing = new ResourceNotFoundException({
      message: 'Stream deploy-sentinel-state under account 123456789012 not found.',
      $metadata: { httpStatusCode: 400 },
    });
    kinesis.on(PutRecordsCommand).rejects(missing);
    const error = await writerWith(t)
      .put([record(1)], deadlineAt(20_000, t.clock))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      failure: 'request-failed',
      transient: false,
      errorCodes: ['ResourceNotFoundException'],
      attempts: 1,
    });
    expect((error as Error).cause).toBe(missing);
  });

  it('splits large writes into requests of at most 500 records and reports unsent ones when a request fails', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce(accepted(500))
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: { httpStatusCode: 400 } }));
    const t = fakeTime();
    const records = Array.from({ length: 1_200 }, (_, i) => record(i));
    const error = (await writerWith(t)
      .put(records, deadlineAt(10_000, t.clock))
      .catch((e: unknown) => e)) as StreamWriteError;

    const calls = kinesis.commandCalls(PutRecordsCommand);
    expect(calls.map((c) => c.args[0].input.Records!.length)).toEqual([500, 500]);
    expect(error.failedEventIds).toHaveLength(700);
    expect(error.failedEventIds[0]).toBe('evt-500');
    expect(error.failedEventIds.at(-1)).toBe('evt-1199');
  });

  it('trims a record that would exceed 1 MiB before sending it', async () => {
    kinesis.on(PutRecordsCommand).resolves(accepted(1));
    const t = fakeTime();
    const huge: StateRecord = {
      ...record(1),
      kind: 'unknown',
      reason: 'unrecognised',
      raw: 'x'.repeat(3 * 1024 * 1024),
    };
    await writerWith(t).put([huge], deadlineAt(10_000, t.clock));

    const sent = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input.Records![0]!;
    expect(sent.Data!.byteLength + Buffer.byteLength(sent.PartitionKey!)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(JSON.parse(Buffer.from(sent.Data!).toString('utf8')).truncated).toEqual(['raw']);
  });
});

describe('toBatches', () => {
  it('keeps each request within 500 records and 5 MiB, in order', () => {
    const big = { ...record(0), kind: 'unknown' as const, raw: 'y'.repeat(900 * 1024) };
    const encoded = [
      ...Array.from({ length: 12 }, (_, i) => encodeRecord({ ...big, eventId: `big-${i}` })),
      ...Array.from({ length: 600 }, (_, i) => encodeRecord(record(i))),
    ];
    const batches = toBatches(encoded);

    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(500);
      expect(batch.reduce((sum, r) => sum + r.bytes, 0)).toBeLessThanOrEqual(5 * 1024 * 1024);
    }
    expect(batches.flat().map((r) => r.eventId)).toEqual(encoded.map((r) => r.eventId));
    expect(batches[0]).toHaveLength(5);
  });
});

describe('rejectedRecords', () => {
  it('counts every record as failed when Kinesis reports failures without saying which', () => {
    const sent = [encodeRecord(record(1)), encodeRecord(record(2))];
    expect(
      rejectedRecords(sent, { FailedRecordCount: 1, Records: [{ SequenceNumber: '1' }, { SequenceNumber: '2' }] }),
    ).toEqual({
      failed: sent,
      errorCodes: ['UnattributedFailure'],
    });
    expect(rejectedRecords(sent, { FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }] }).failed).toEqual([
      sent[1],
    ]);
  });
});

describe('createKinesisClient', () => {
  it('speaks HTTP/1.1, which local emulators need', async () => {
    const client = createKinesisClient({ region: 'us-east-1' });
    expect(client.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    client.destroy();
  });
});
