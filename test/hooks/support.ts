import { createLogger, type Logger } from '../../lib/log.js';
import { type Deadline, deadlineAt, type Sleep } from '../../lib/time.js';

/** A clock that only moves when something sleeps on it, so schedules run in no real time. */
export const fakeTime = (start = 1_800_000_000_000) => {
  let now = start;
  const sleeps: number[] = [];
  const sleep: Sleep = async (ms, signal) => {
    if (signal?.aborted) throw signal.reason;
    sleeps.push(ms);
    now += ms;
  };
  return {
    clock: () => now,
    sleep,
    sleeps,
    advance: (ms: number) => {
      now += ms;
    },
    /** A deadline `ms` from now on this clock. */
    deadlineIn: (ms: number): Deadline => deadlineAt(now + ms, () => now),
  };
};

/** A logger whose JSON lines are kept for assertions. */
export const captureLog = (): { log: Logger; lines: Array<Record<string, any>> } => {
  const lines: Array<Record<string, any>> = [];
  return { log: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }), lines };
};
