import { ProvisionedThroughputExceededException, ResourceNotFoundException } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import type { CallBudget } from '../../lib/aws/call.js';
import type { KinesisPort, KinesisRecord, PutRecordsAnswer } from '../../lib/aws/kinesis.js';
import { createLogger } from '../../lib/log.js';
import { createMetrics } from '../../lib/metrics.js';
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

/** An in-memory Kinesis port: answers from a script, records every call. */
const fakeKinesis = () => {
  const calls: Array<{ streamName: string; records: KinesisRecord[]; budget: CallBudget }> = [];
  let answer: (records: KinesisRecord[], call: number) => PutRecordsAnswer | Promise<PutRecordsAnswer> = (records) =>
    accepted(records.length);
  const port: KinesisPort = {
    putRecords: async (streamName, records, budget) => {
      calls.push({ streamName, records, budget });
      return answer(records, calls.length - 1);
    },
  };
  return {
    port,
    calls,
    answers: (next: typeof answer) => {
      answer = next;
    },
  };
};
type FakeKinesis = ReturnType<typeof fakeKinesis>;

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

const sentIds = (kinesis: FakeKinesis, call: number) =>
  kinesis.calls[call]!.records.map((r) => JSON.parse(Buffer.from(r.data).toString('utf8')).eventId as string);

const accepted = (n: number): PutRecordsAnswer => ({
  failedRecordCount: 0,
  results: Array.from({ length: n }, () => ({})),
});

const writerWith = (kinesis: FakeKinesis, t: ReturnType<typeof fakeTime>, lines: string[] = [], maxAttempts = 5) =>
  createRecordWriter({
    kinesis: kinesis.port,
    streamName: 'deploy-sentinel-state',
    sleep: t.sleep,
    random: () => 1,
    maxAttempts,
    log: createLogger({ write: (line) => lines.push(line) }),
  });

describe('createRecordWriter', () => {
  it('writes the records in one PutRecords request, by stream name, keyed by deployment', async () => {
    const kinesis = fakeKinesis();
    const t = fakeTime();
    const result = await writerWith(kinesis, t).put([record(1), record(2), record(3)], deadlineAt(10_000, t.clock));

    expect(result).toEqual({ attempts: 1, batches: 1, records: 3 });
    expect(kinesis.calls[0]!.streamName).toBe('deploy-sentinel-state');
    expect(kinesis.calls[0]!.records.map((r) => r.partitionKey)).toEqual(['d-ABCDEFGH1', 'd-ABCDEFGH1', 'd-ABCDEFGH1']);
    expect(sentIds(kinesis, 0)).toEqual(['evt-1', 'evt-2', 'evt-3']);
    expect(t.time.sleeps).toEqual([]);
  });

  it('gives each request one attempt of the port, within the deadline: the writer is the only retry budget', async () => {
    const kinesis = fakeKinesis();
    const t = fakeTime();
    const deadline = deadlineAt(10_000, t.clock);
    await writerWith(kinesis, t).put([record(1)], deadline);

    expect(kinesis.calls[0]!.budget).toMatchObject({ deadline, attempts: 1, timeoutMs: 10_000 });
  });

  it('retries only the records Kinesis rejected, after a backoff', async () => {
    const kinesis = fakeKinesis();
    kinesis.answers((records, call) =>
      call === 0
        ? {
            failedRecordCount: 2,
            results: [
              {
                errorCode: 'ProvisionedThroughputExceededException',
                errorMessage: 'Rate exceeded for shard shardId-000000000000',
              },
              {},
              { errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' },
            ],
          }
        : accepted(records.length),
    );
    const t = fakeTime();
    const lines: string[] = [];
    const result = await writerWith(kinesis, t, lines).put(
      [record(1), record(2), record(3)],
      deadlineAt(10_000, t.clock),
    );

    expect(result.attempts).toBe(2);
    expect(sentIds(kinesis, 1)).toEqual(['evt-1', 'evt-3']);
    expect(t.time.sleeps).toHaveLength(1);
    expect(t.time.sleeps[0]).toBeGreaterThan(0);
    const warning = JSON.parse(lines[0]!);
    expect(warning).toMatchObject({ level: 'warn', pendingRecords: 2 });
    expect(warning.errorCodes.sort()).toEqual(['InternalFailure', 'ProvisionedThroughputExceededException']);
  });

  it('counts the records it sent again', async () => {
    const kinesis = fakeKinesis();
    kinesis.answers((records, call) =>
      call === 0
        ? {
            failedRecordCount: 1,
            results: [{ errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' }, {}],
          }
        : accepted(records.length),
    );
    const t = fakeTime();
    const metrics = createMetrics();
    await createRecordWriter({
      kinesis: kinesis.port,
      streamName: 'deploy-sentinel-state',
      sleep: t.sleep,
      random: () => 1,
      log: createLogger({ write: () => {} }),
      metrics,
    }).put([record(1), record(2)], deadlineAt(10_000, t.clock));

    expect(metrics.pending()).toEqual([{ name: 'RecordsRetried', dimensions: {}, value: 1 }]);
  });

  it('ends in a StreamWriteError naming the records when rejection persists', async () => {
    const kinesis = fakeKinesis();
    kinesis.answers((records) => ({
      failedRecordCount: records.length,
      results: records.map(() => ({
        errorCode: 'ProvisionedThroughputExceededException',
        errorMessage: 'Rate exceeded',
      })),
    }));
    const t = fakeTime();
    const error = await writerWith(kinesis, t, [], 4)
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
    expect(kinesis.calls).toHaveLength(4);
    expect(t.time.sleeps).toHaveLength(3);
  });

  it('stops before a backoff would pass the deadline, and says so', async () => {
    const kinesis = fakeKinesis();
    kinesis.answers(() => ({ failedRecordCount: 1, results: [{ errorCode: 'InternalFailure' }] }));
    const t = fakeTime();
    const deadline = deadlineAt(1_000, t.clock);
    const error = await writerWith(kinesis, t, [], 100)
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
    expect((error as StreamWriteError).attempts).toBe(kinesis.calls.length);
  });

  it('sends nothing and fails when the invocation has no time left', async () => {
    const kinesis = fakeKinesis();
    const t = fakeTime();
    t.time.now = 5_000;
    const error = await writerWith(kinesis, t)
      .put([record(1)], deadlineAt(5_000, t.clock))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ failure: 'deadline', failedEventIds: ['evt-1'], attempts: 0 });
    expect(kinesis.calls).toHaveLength(0);
  });

  it('retries a throttled request and gives up at once on a missing stream', async () => {
    const throttled = new ProvisionedThroughputExceededException({
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    const kinesis = fakeKinesis();
    kinesis.answers((records, call) => (call === 0 ? Promise.reject(throttled) : accepted(records.length)));
    const t = fakeTime();
    expect((await writerWith(kinesis, t).put([record(1)], deadlineAt(10_000, t.clock))).attempts).toBe(2);

    const missing = new ResourceNotFoundException({
      message: 'Stream deploy-sentinel-state under account 123456789012 not found.',
      $metadata: { httpStatusCode: 400 },
    });
    const gone = fakeKinesis();
    gone.answers(() => Promise.reject(missing));
    const error = await writerWith(gone, t)
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
    const kinesis = fakeKinesis();
    kinesis.answers((records, call) =>
      call === 0
        ? accepted(records.length)
        : Promise.reject(new ResourceNotFoundException({ message: 'gone', $metadata: { httpStatusCode: 400 } })),
    );
    const t = fakeTime();
    const records = Array.from({ length: 1_200 }, (_, i) => record(i));
    const error = (await writerWith(kinesis, t)
      .put(records, deadlineAt(10_000, t.clock))
      .catch((e: unknown) => e)) as StreamWriteError;

    expect(kinesis.calls.map((c) => c.records.length)).toEqual([500, 500]);
    expect(error.failedEventIds).toHaveLength(700);
    expect(error.failedEventIds[0]).toBe('evt-500');
    expect(error.failedEventIds.at(-1)).toBe('evt-1199');
  });

  it('trims a record that would exceed 1 MiB before sending it', async () => {
    const kinesis = fakeKinesis();
    const t = fakeTime();
    const huge: StateRecord = {
      ...record(1),
      kind: 'unknown',
      reason: 'unrecognised',
      raw: 'x'.repeat(3 * 1024 * 1024),
    };
    await writerWith(kinesis, t).put([huge], deadlineAt(10_000, t.clock));

    const sent = kinesis.calls[0]!.records[0]!;
    expect(sent.data.byteLength + Buffer.byteLength(sent.partitionKey)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(JSON.parse(Buffer.from(sent.data).toString('utf8')).truncated).toEqual(['raw']);
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
    expect(rejectedRecords(sent, { failedRecordCount: 1, results: [{}, {}] })).toEqual({
      failed: sent,
      errorCodes: ['UnattributedFailure'],
    });
    expect(rejectedRecords(sent, { failedRecordCount: 0, results: [{}] }).failed).toEqual([sent[1]]);
  });
});
