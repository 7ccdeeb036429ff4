import { backoffMs, DeadlineExceededError } from '../retry.js';
import { type Deadline, realSleep, type Sleep } from '../time.js';
import { isTransientAwsError } from './errors.js';

/**
 * One AWS call with one budget: each attempt is abandoned after `timeoutMs` (or when the deadline
 * comes first), transient failures are retried with full-jitter backoff while attempts and the
 * deadline allow, and everything else is thrown at once. The clients themselves never retry
 * (`maxAttempts: 1` in config.ts), so these are the only retries.
 */
export interface CallBudget {
  /** The invocation's deadline: no attempt starts, and no wait begins, that would pass it. */
  deadline: Deadline;
  /** Each attempt is abandoned after this long. */
  timeoutMs?: number;
  /** Attempts in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: Sleep;
  random?: () => number;
  /** Ends the call early (the caller no longer needs the answer); combined with each attempt's time-out. */
  signal?: AbortSignal;
  /** Errors worth another try besides the transient ones (e.g. Auto Scaling's "activity in progress"). */
  alsoRetry?: (error: unknown) => boolean;
  /** Errors that end the call at once even if they look transient. */
  final?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Defaults: three attempts of at most 3 s each, 200 ms then 400 ms (jittered) between them. */
export const DEFAULT_CALL_TIMEOUT_MS = 3_000;
export const DEFAULT_CALL_ATTEMPTS = 3;

/** Runs `send` (one SDK call, given the attempt's abort signal) within the budget. */
export const callAws = async <T>(send: (signal: AbortSignal) => Promise<T>, budget: CallBudget): Promise<T> => {
  const attempts = budget.attempts ?? DEFAULT_CALL_ATTEMPTS;
  const timeoutMs = budget.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const sleep = budget.sleep ?? realSleep;
  const random = budget.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    const left = budget.deadline.remainingMs();
    if (left <= 0) throw new DeadlineExceededError('no time left for the call');
    budget.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(Math.max(1, Math.min(timeoutMs, left)));
    try {
      return await send(budget.signal ? AbortSignal.any([budget.signal, timeout]) : timeout);
    } catch (error) {
      const retryable =
        !budget.signal?.aborted &&
        !budget.final?.(error) &&
        (isTransientAwsError(error) || Boolean(budget.alsoRetry?.(error)));
      if (!retryable || attempt >= attempts) throw error;
      const delay = backoffMs(attempt, budget.baseDelayMs ?? 200, budget.maxDelayMs ?? 2_000, random);
      const remaining = budget.deadline.remainingMs();
      if (delay >= remaining) {
        throw new DeadlineExceededError(
          `gave up after attempt ${attempt}: the next try in ${delay} ms would pass the deadline (${Math.max(0, Math.round(remaining))} ms left)`,
          { cause: error },
        );
      }
      budget.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
};
