import { type KinesisClient, PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { type Logger, log as processLog } from '../log.js';
import { DeadlineExceededError, retry } from '../retry.js';
import type { Deadline, Sleep } from '../time.js';
import { partitionKeyOf, type StateRecord } from './record.js';
import { fitRecord, MAX_RECORD_BYTES, MAX_REQUEST_BYTES, MAX_REQUEST_RECORDS, utf8Bytes } from './size.js';

/** A record ready for PutRecords, with what the batching and the error report need. */
export interface EncodedRecord {
  eventId: string;
  partitionKey: string;
  data: Uint8Array;
  /** Data plus partition key: what Kinesis counts against its limits. */
  bytes: number;
}

/** Why records were not written, and whether trying the same event again later can succeed. */
export const WRITE_FAILURES = ['partial-failure', 'deadline', 'request-failed'] as const;
export type WriteFailure = (typeof WRITE_FAILURES)[number];

/**
 * Raised when records could not be written within the invocation: the event must then fail the
 * invocation and reach the dead-letter queue. `transient` says whether a later redrive can succeed
 * (throttling, an internal failure, no time left) or the cause must be fixed first (no such stream,
 * access denied).
 */
export class StreamWriteError extends Error {
  override name = 'StreamWriteError';
  constructor(
    message: string,
    readonly failure: WriteFailure,
    readonly transient: boolean,
    readonly failedEventIds: string[],
    readonly errorCodes: string[],
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Some records of a PutRecords request were rejected; the others were written. */
export class PartialFailureError extends Error {
  override name = 'PartialFailureError';
  constructor(
    readonly failed: EncodedRecord[],
    readonly errorCodes: string[],
  ) {
    super(`${failed.length} record(s) rejected by Kinesis: ${errorCodes.join(', ')}`);
  }
}

// Per-record codes (PutRecords reference) and request errors that a later attempt can overcome.
const TRANSIENT_CODES = new Set([
  'ProvisionedThroughputExceededException',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ThrottlingException',
  'LimitExceededException',
  'KMSThrottlingException',
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Whether a failed PutRecords attempt is worth repeating (pure). */
export const isTransientWriteError = (error: unknown): boolean => {
  if (error instanceof PartialFailureError) return error.errorCodes.every((code) => TRANSIENT_CODES.has(code));
  if (!(error instanceof Error)) return false;
  const sdk = error as Error & { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: unknown };
  if (TRANSIENT_CODES.has(error.name) || sdk.$retryable) return true;
  const status = sdk.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  // No HTTP status and a system error code: the request never got an answer (reset, refused).
  return typeof sdk.code === 'string';
};

/** Serialises a record for Kinesis, trimming it first if it would not fit (pure). */
export const encodeRecord = (record: StateRecord, maxRecordBytes = MAX_RECORD_BYTES): EncodedRecord => {
  const partitionKey = partitionKeyOf(record);
  const keyBytes = utf8Bytes(partitionKey);
  const fitted = fitRecord(record, maxRecordBytes - keyBytes);
  const data = Buffer.from(JSON.stringify(fitted), 'utf8');
  return { eventId: record.eventId, partitionKey, data, bytes: data.byteLength + keyBytes };
};

/** Splits records into PutRecords requests within Kinesis's count and size limits, in order (pure). */
export const toBatches = (
  records: EncodedRecord[],
  limits: { maxRecords?: number; maxBytes?: number } = {},
): EncodedRecord[][] => {
  const maxRecords = limits.maxRecords ?? MAX_REQUEST_RECORDS;
  const maxBytes = limits.maxBytes ?? MAX_REQUEST_BYTES;
  const batches: EncodedRecord[][] = [];
  let current: EncodedRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    if (current.length > 0 && (current.length >= maxRecords || bytes + record.bytes > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
};

/**
 * The records of a request that Kinesis did not write (pure). A response that reports failures
 * without saying which counts every record as failed: a record is never assumed written.
 */
export const rejectedRecords = (
  sent: EncodedRecord[],
  response: { FailedRecordCount?: number; Records?: PutRecordsResultEntry[] },
): { failed: EncodedRecord[]; errorCodes: string[] } => {
  const entries = response.Records ?? [];
  const failed: EncodedRecord[] = [];
  const codes = new Set<string>();
  sent.forEach((record, i) => {
    const entry = entries[i];
    if (entry?.ErrorCode || !entry) {
      failed.push(record);
      codes.add(entry?.ErrorCode ?? 'MissingResult');
    }
  });
  if ((response.FailedRecordCount ?? 0) > 0 && failed.length === 0) {
    return { failed: [...sent], errorCodes: ['UnattributedFailure'] };
  }
  return { failed, errorCodes: [...codes] };
};

/** The stream, the client, and the knobs tests turn (sleep, random) or limits rarely changed. */
export interface RecordWriterOptions {
  client: KinesisClient;
  streamName: string;
  sleep?: Sleep;
  log?: Logger;
  random?: () => number;
  /** PutRecords attempts per request, the first included (default 8); the deadline usually ends it sooner. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxRecordBytes?: number;
  maxRequestBytes?: number;
  maxRequestRecords?: number;
}

/** What a successful put took. */
export interface PutResult {
  /** PutRecords requests sent, retries included. */
  attempts: number;
  /** Requests the records were split into. */
  batches: number;
  records: number;
}

/** Writes state records to one stream. */
export interface RecordWriter {
  /**
   * Writes every record or throws StreamWriteError (RecordTooLargeError for a record that cannot be
   * made to fit); retries only what Kinesis rejected.
   */
  put(records: StateRecord[], deadline: Deadline): Promise<PutResult>;
}

const failureOf = (error: unknown, pending: EncodedRecord[], attempts: number): StreamWriteError => {
  const ids = pending.map((r) => r.eventId);
  const last = error instanceof DeadlineExceededError ? error.cause : error;
  const codes =
    last instanceof PartialFailureError
      ? last.errorCodes
      : last === undefined
        ? ['NoTimeLeft']
        : [last instanceof Error ? last.name : String(last)];
  if (error instanceof DeadlineExceededError) {
    return new StreamWriteError(
      `${ids.length} record(s) not written before the deadline (${codes.join(', ')}) after ${attempts} attempt(s)`,
      'deadline',
      true,
      ids,
      codes,
      attempts,
      { cause: error },
    );
  }
  if (error instanceof PartialFailureError) {
    return new StreamWriteError(
      `${ids.length} record(s) still rejected after ${attempts} attempt(s): ${codes.join(', ')}`,
      'partial-failure',
      isTransientWriteError(error),
      ids,
      codes,
      attempts,
      { cause: error },
    );
  }
  return new StreamWriteError(
    `PutRecords failed after ${attempts} attempt(s): ${error instanceof Error ? error.message : String(error)}`,
    'request-failed',
    isTransientWriteError(error),
    ids,
    codes,
    attempts,
    { cause: error },
  );
};

interface Progress {
  /** Records of the current request not yet written. */
  pending: EncodedRecord[];
  attempts: number;
  /** The error that led to the latest retry, kept as the cause if time then runs out. */
  lastError?: unknown;
}

/** A Kinesis writer for state records; the client must use HTTP/1.1 (see createKinesisClient). */
export const createRecordWriter = (options: RecordWriterOptions): RecordWriter => {
  const logger = options.log ?? processLog;

  const putBatch = (progress: Progress, deadline: Deadline) =>
    retry(
      async () => {
        const left = deadline.remainingMs();
        if (left <= 0) throw new DeadlineExceededError('no time left to write records', { cause: progress.lastError });
        progress.attempts += 1;
        const response = await options.client.send(
          new PutRecordsCommand({
            StreamName: options.streamName,
            Records: progress.pending.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
          }),
          // A request that outlived the invocation would be cut off without a trace.
          { abortSignal: AbortSignal.timeout(left) },
        );
        const { failed, errorCodes } = rejectedRecords(progress.pending, response);
        progress.pending = failed;
        if (failed.length > 0) throw new PartialFailureError(failed, errorCodes);
      },
      {
        maxAttempts: options.maxAttempts ?? 8,
        baseDelayMs: options.baseDelayMs ?? 100,
        maxDelayMs: options.maxDelayMs ?? 2_000,
        deadline,
        sleep: options.sleep,
        random: options.random,
        classify: (error) => !(error instanceof DeadlineExceededError) && isTransientWriteError(error),
        onRetry: (error, attempt, delayMs) => {
          progress.lastError = error;
          logger.warn('kinesis write retry', {
            attempt,
            delayMs,
            pendingRecords: progress.pending.length,
            ...(error instanceof PartialFailureError ? { errorCodes: error.errorCodes } : { error }),
          });
        },
      },
    );

  return {
    async put(records, deadline) {
      const encoded = records.map((r) => encodeRecord(r, options.maxRecordBytes));
      const batches = toBatches(encoded, { maxRecords: options.maxRequestRecords, maxBytes: options.maxRequestBytes });
      const progress: Progress = { pending: [], attempts: 0 };
      for (const [index, batch] of batches.entries()) {
        progress.pending = batch;
        progress.lastError = undefined;
        try {
          await putBatch(progress, deadline);
        } catch (error) {
          // Later requests were never sent: their records are unwritten too, and the error says so.
          throw failureOf(error, [...progress.pending, ...batches.slice(index + 1).flat()], progress.attempts);
        }
      }
      return { attempts: progress.attempts, batches: batches.length, records: encoded.length };
    },
  };
};
