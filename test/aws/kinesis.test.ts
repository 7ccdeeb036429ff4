import {
  KinesisClient,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/config.js';
import { kinesisPortOver } from '../../lib/aws/kinesis.js';
import { deadlineAt } from '../../lib/time.js';

const kinesis = mockClient(KinesisClient);
const port = kinesisPortOver(new KinesisClient({ ...clientConfig({ region: 'us-east-1' }) }));
const meta = { $metadata: { httpStatusCode: 400 } };
const budget = (attempts = 1) => ({
  deadline: deadlineAt(Date.now() + 60_000),
  attempts,
  sleep: async () => {},
});
const records = [
  { data: Buffer.from('{"eventId":"a"}'), partitionKey: 'd-AAAAAAAA1' },
  { data: Buffer.from('{"eventId":"b"}'), partitionKey: 'd-BBBBBBBB2' },
];

beforeEach(() => kinesis.reset());

describe('Kinesis port', () => {
  it('puts the records by stream name, with their partition keys, under an abort signal', async () => {
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }, {}] });
    await expect(port.putRecords('deploy-sentinel-state', records, budget())).resolves.toEqual({
      failedRecordCount: 0,
      results: [{}, {}],
    });
    const call = kinesis.commandCalls(PutRecordsCommand)[0]!;
    expect(call.args[0].input).toEqual({
      StreamName: 'deploy-sentinel-state',
      Records: records.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
    });
    expect((call.args as unknown[])[1]).toMatchObject({ abortSignal: expect.any(AbortSignal) });
  });

  it('says which records Kinesis rejected inside a 200, in the order sent, and keeps a short answer short', async () => {
    kinesis.on(PutRecordsCommand).resolves({
      FailedRecordCount: 1,
      Records: [{ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' }],
    });
    await expect(port.putRecords('s', records, budget())).resolves.toEqual({
      failedRecordCount: 1,
      results: [{ errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'Rate exceeded for shard' }],
    });
  });

  it('makes exactly the attempts its budget allows: a budget of one is one request', async () => {
    kinesis
      .on(PutRecordsCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', ...meta }));
    await expect(port.putRecords('s', records, budget(1))).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(1);

    kinesis.reset();
    kinesis
      .on(PutRecordsCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', ...meta }))
      .resolves({ FailedRecordCount: 0, Records: [{}, {}] });
    await expect(port.putRecords('s', records, budget(3))).resolves.toMatchObject({ failedRecordCount: 0 });
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(2);
  });

  it('throws a final error at once', async () => {
    kinesis.on(PutRecordsCommand).rejects(new ResourceNotFoundException({ message: 'no such stream', ...meta }));
    await expect(port.putRecords('s', records, budget(3))).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(1);
  });

  it('is built on a client that speaks HTTP/1.1, which local endpoints need, and never retries by itself', () => {
    const config = clientConfig({ region: 'us-east-1' });
    expect(config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect(config.maxAttempts).toBe(1);
  });
});
