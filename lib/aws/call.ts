import { DeadlineExceededError, retry } from '../retry.js';
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
export const callAws = <T>(send: (signal: AbortSignal) => Promise<T>, budget: CallBudget): Promise<T> =>
  retry(
    async () => {
      const left = budget.deadline.remainingMs();
      if (left <= 0) throw new DeadlineExceededError('no time left for the call');
      budget.signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(Math.max(1, Math.min(budget.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, left)));
      return send(budget.signal ? AbortSignal.any([budget.signal, timeout]) : timeout);
    },
    {
      maxAttempts: budget.attempts ?? DEFAULT_CALL_ATTEMPTS,
      baseDelayMs: budget.baseDelayMs ?? 200,
      maxDelayMs: budget.maxDelayMs ?? 2_000,
      deadline: budget.deadline,
      sleep: budget.sleep ?? realSleep,
      random: budget.random,
      classify: (error) =>
        !(error instanceof DeadlineExceededError) &&
        !budget.signal?.aborted &&
        !budget.final?.(error) &&
        (isTransientAwsError(error) || Boolean(budget.alsoRetry?.(error))),
      onRetry: budget.onRetry,
    },
  );
