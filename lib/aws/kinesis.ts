import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { type CallBudget, callAws } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';

/**
 * The Kinesis port: PutRecords within the caller's budget (`callAws`). Which records to send again
 * after a partial failure is the caller's decision (the stream's writer); this port only says, per
 * record, what Kinesis answered.
 */

/** One record to put. */
export interface KinesisRecord {
  data: Uint8Array;
  partitionKey: string;
}

/** What Kinesis said about one record of a PutRecords request. */
export interface PutRecordResult {
  /** Set when Kinesis rejected the record (e.g. ProvisionedThroughputExceededException, InternalFailure). */
  errorCode?: string;
  errorMessage?: string;
}

/**
 * PutRecords' answer, one result per record in the order sent. The answer is a 200 even when some
 * records were rejected (Kinesis API Reference, PutRecords); a result missing at the end means
 * Kinesis said nothing about that record.
 */
export interface PutRecordsAnswer {
  failedRecordCount: number;
  results: PutRecordResult[];
}

export interface KinesisPort {
  /** PutRecords of up to 500 records and 5 MiB to one stream, by name. */
  putRecords(streamName: string, records: KinesisRecord[], budget: CallBudget): Promise<PutRecordsAnswer>;
}

/** The Kinesis port over a client built from the service's client settings. */
export const createKinesisPort = (options: AwsClientOptions = {}): KinesisPort =>
  kinesisPortOver(new KinesisClient(clientConfig(options)));

/** The port over a given client (tests hand in one behind aws-sdk-client-mock or pointed at a local stand-in). */
export const kinesisPortOver = (client: KinesisClient): KinesisPort => ({
  async putRecords(streamName, records, budget) {
    const answer = await callAws(
      (abortSignal) =>
        client.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: records.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
          }),
          { abortSignal },
        ),
      budget,
    );
    return {
      failedRecordCount: answer.FailedRecordCount ?? 0,
      results: (answer.Records ?? []).map((entry) => ({
        ...(entry.ErrorCode ? { errorCode: entry.ErrorCode } : {}),
        ...(entry.ErrorMessage ? { errorMessage: entry.ErrorMessage } : {}),
      })),
    };
  },
});
