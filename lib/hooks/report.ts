import { type CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { retry } from '../retry.js';
import type { Deadline, Sleep } from '../time.js';

/**
 * Tells CodeDeploy the hook's status. CodeDeploy waits up to an hour for this call, so it is
 * retried on throttling and server errors for as long as the invocation has time.
 */

/** What happened to the report: sent, already sent (a duplicate invocation), or not sent. */
export type ReportOutcome =
  | { outcome: 'reported'; attempts: number }
  | { outcome: 'already-completed'; attempts: number }
  | { outcome: 'failed'; attempts: number; error: unknown }
  | { outcome: 'not-attempted'; reason: string };

export interface ReportOptions {
  deadline: Deadline;
  sleep: Sleep;
  random?: () => number;
  maxAttempts?: number;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** Whether a failed report call is worth another try (throttling, 5xx, network). */
export const isRetryableReportError = (error: unknown): boolean => {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (!e || typeof e !== 'object') return false;
  if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code && RETRYABLE_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  return (e.$metadata?.httpStatusCode ?? 0) >= 500;
};

const isAlreadyCompleted = (error: unknown) =>
  (error as { name?: string } | undefined)?.name === 'LifecycleEventAlreadyCompletedException';

/** PutLifecycleEventHookExecutionStatus with retries; never throws, says what happened. */
export const reportHookStatus = async (
  client: CodeDeployClient,
  execution: { deploymentId: string; lifecycleEventHookExecutionId: string },
  status: 'Succeeded' | 'Failed',
  options: ReportOptions,
): Promise<ReportOutcome> => {
  let attempts = 0;
  try {
    await retry(
      async (n) => {
        attempts = n;
        const left = Math.max(1, options.deadline.remainingMs());
        await client.send(new PutLifecycleEventHookExecutionStatusCommand({ ...execution, status }), {
          abortSignal: AbortSignal.timeout(Math.min(left, 5_000)),
        });
      },
      {
        maxAttempts: options.maxAttempts ?? 6,
        baseDelayMs: 100,
        maxDelayMs: 1_000,
        deadline: options.deadline,
        sleep: options.sleep,
        random: options.random,
        classify: (error) => !isAlreadyCompleted(error) && isRetryableReportError(error),
        onRetry: options.onRetry,
      },
    );
    return { outcome: 'reported', attempts };
  } catch (error) {
    if (isAlreadyCompleted(error)) return { outcome: 'already-completed', attempts };
    return { outcome: 'failed', attempts, error };
  }
};
