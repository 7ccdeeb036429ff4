import { errorText, isTransientAwsError } from '../aws/errors.js';
import type { KinesisPort, PutRecordsAnswer } from '../aws/kinesis.js';
import { type Logger, log as processLog } from '../log.js';
import { type Metrics, metrics as processMetrics } from '../metrics.js';
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

/**
 * Whether a failed PutRecords attempt is worth repeating (pure): a request error by the service's
 * one rule, a partial failure when every rejected record's code is transient by that same rule
 * (Kinesis names them like request errors: ProvisionedThroughputExceededException, InternalFailure).
 */
export const isRetryableWrite = (error: unknown): boolean =>
  error instanceof PartialFailureError
    ? error.errorCodes.every((code) => isTransientAwsError({ name: code }))
    : isTransientAwsError(error);

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
  answer: PutRecordsAnswer,
): { failed: EncodedRecord[]; errorCodes: string[] } => {
  const failed: EncodedRecord[] = [];
  const codes = new Set<string>();
  sent.forEach((record, i) => {
    const result = answer.results[i];
    if (result?.errorCode || !result) {
      failed.push(record);
      codes.add(result?.errorCode ?? 'MissingResult');
    }
  });
  if (answer.failedRecordCount > 0 && failed.length === 0) {
    return { failed: [...sent], errorCodes: ['UnattributedFailure'] };
  }
  return { failed, errorCodes: [...codes] };
};

/** The stream, the port, and the knobs tests turn (sleep, random) or limits rarely changed. */
export interface RecordWriterOptions {
  kinesis: Pick<KinesisPort, 'putRecords'>;
  streamName: string;
  sleep?: Sleep;
  log?: Logger;
  /** Counts records sent again (default: the process's recorder). */
  metrics?: Metrics;
  random?: () => number;
  /**
   * PutRecords calls per request, the first included (default 8), whatever the cause: a request
   * error or records rejected inside a 200. The port itself never retries, so this is the only
   * budget; the deadline usually ends it sooner.
   */
  maxAttempts?: number;
  /** Each PutRecords call is abandoned after this long (default 10 s; at most the time left). */
  requestTimeoutMs?: number;
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
      isRetryableWrite(error),
      ids,
      codes,
      attempts,
      { cause: error },
    );
  }
  return new StreamWriteError(
    `PutRecords failed after ${attempts} attempt(s): ${errorText(error)}`,
    'request-failed',
    isRetryableWrite(error),
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

/** A Kinesis writer for state records. */
export const createRecordWriter = (options: RecordWriterOptions): RecordWriter => {
  const logger = options.log ?? processLog;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;

  const putBatch = (progress: Progress, deadline: Deadline) =>
    retry(
      async () => {
        const left = deadline.remainingMs();
        if (left <= 0) throw new DeadlineExceededError('no time left to write records', { cause: progress.lastError });
        progress.attempts += 1;
        // One call, no retry inside: this loop is the request's only retry budget. Its time-out is
        // cut to the time left, since a request that outlived the invocation would end without a trace.
        const answer = await options.kinesis.putRecords(
          options.streamName,
          progress.pending.map((r) => ({ data: r.data, partitionKey: r.partitionKey })),
          { deadline, attempts: 1, timeoutMs: requestTimeoutMs },
        );
        const { failed, errorCodes } = rejectedRecords(progress.pending, answer);
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
        classify: (error) => !(error instanceof DeadlineExceededError) && isRetryableWrite(error),
        onRetry: (error, attempt, delayMs) => {
          progress.lastError = error;
          (options.metrics ?? processMetrics).add('RecordsRetried', {}, progress.pending.length);
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
