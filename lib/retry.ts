import { type Deadline, type Sleep, realSleep } from './time.js';

/**
 * What to do after a failed attempt: give up (`false`), retry after the usual backoff (`true`), or
 * retry after a delay the other side asked for (Slack's Retry-After).
 */
export type RetryVerdict = boolean | { afterMs: number };

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Work never starts a wait it cannot finish before this deadline. */
  deadline?: Deadline;
  sleep?: Sleep;
  random?: () => number;
  classify(error: unknown, attempt: number): RetryVerdict;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

/** Raised when retries stop because the invocation has no time left; `cause` is the last error. */
export class DeadlineExceededError extends Error {
  override name = 'DeadlineExceededError';
}

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export const backoffMs = (attempt: number, baseMs: number, maxMs: number, random: () => number) =>
  Math.round(random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));

/**
 * Runs `attempt` until it succeeds, the classifier gives up, attempts run out, or the next wait
 * would pass the deadline. Always ends in the result or in a thrown error: never swallowed.
 */
export const retry = async <T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> => {
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5_000;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      const verdict = options.classify(error, n);
      if (verdict === false || n >= options.maxAttempts) throw error;
      const delay = verdict === true ? backoffMs(n, base, max, random) : Math.max(0, verdict.afterMs);
      const left = options.deadline?.remainingMs() ?? Number.POSITIVE_INFINITY;
      if (delay >= left) {
        throw new DeadlineExceededError(
          `gave up after attempt ${n}: the next try in ${delay} ms would pass the deadline (${Math.max(0, Math.round(left))} ms left)`,
          { cause: error },
        );
      }
      options.onRetry?.(error, n, delay);
      await sleep(delay);
    }
  }
};
