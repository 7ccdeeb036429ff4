import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The sample events under events/, which are also used by `serverless invoke local -p`. */
export const EVENTS_DIR = join(import.meta.dirname, '..', '..', 'events');

/** Every fixture file of a source folder (`codedeploy`, `cloudwatch`, ...), as paths relative to events/. */
export const listEvents = (source: string): string[] =>
  readdirSync(join(EVENTS_DIR, source))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => `${source}/${f}`);

/** A fresh copy of a fixture on every call, so one test's mutation never leaks into another. */
export const loadEvent = <T = Record<string, any>>(relativePath: string): T =>
  JSON.parse(readFileSync(join(EVENTS_DIR, relativePath), 'utf8')) as T;

/** A Lambda context whose remaining time follows an injectable clock. */
export const fakeContext = (remainingMs = 30_000, clock: () => number = Date.now) => {
  const end = clock() + remainingMs;
  return {
    functionName: 'test-function',
    awsRequestId: 'req-00000000',
    getRemainingTimeInMillis: () => Math.max(0, end - clock()),
  };
};
