/** Waiting and deadlines, injectable so that behaviour in time is tested without real waits. */

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
export type Clock = () => number;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export const realClock: Clock = () => Date.now();

/** How much time an invocation has left; work that would outlive it must not start. */
export interface Deadline {
  remainingMs(): number;
}

/** The Lambda context's remaining time minus a margin kept for reporting and logging. */
export const deadlineFromContext = (
  context: { getRemainingTimeInMillis(): number } | undefined,
  marginMs: number,
  fallbackMs = 30_000,
): Deadline => {
  if (!context || typeof context.getRemainingTimeInMillis !== 'function') {
    const end = Date.now() + fallbackMs;
    return { remainingMs: () => end - Date.now() - marginMs };
  }
  return { remainingMs: () => context.getRemainingTimeInMillis() - marginMs };
};

/** A deadline at a fixed point of a clock (tests, local runs). */
export const deadlineAt = (endMs: number, clock: Clock = realClock): Deadline => ({
  remainingMs: () => endMs - clock(),
});
