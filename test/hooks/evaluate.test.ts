import { describe, expect, it } from 'vitest';
import {
  type CheckResult,
  CheckStoppedError,
  decideHook,
  EMPTY_TALLY,
  evaluateChecks,
  type Measure,
  nextStep,
  recordMeasurement,
  runCheck,
} from '../../lib/hooks/evaluate.js';
import type { Measurement } from '../../lib/hooks/judge.js';
import type { Check } from '../../lib/hooks/settings.js';
import { captureLog, fakeTime } from './support.js';

const schedule = {
  count: 5,
  interval: 10_000,
  initialDelay: 0,
  timeout: 2_000,
  failureLimit: 1,
  consecutiveErrorLimit: 2,
};
const check = (extra: Partial<Check> = {}) =>
  ({ name: 'health', type: 'http', dryRun: false, ...schedule, ...extra }) as Check;

const pass: Measurement = { outcome: 'pass', reason: 'status 200' };
const fail: Measurement = { outcome: 'fail', reason: 'status 503, expected 2xx' };
const error: Measurement = { outcome: 'error', reason: 'connect ECONNREFUSED 127.0.0.1:8080' };

/** A measure that returns the given outcomes in order, recording the clock at each call. */
const scripted = (outcomes: Measurement[], clock: () => number) => {
  const at: number[] = [];
  const measure: Measure = async () => {
    at.push(clock());
    const next = outcomes[at.length - 1];
    if (!next) throw new Error('measured more often than scripted');
    return next;
  };
  return { measure, at };
};

const tallyOf = (...ms: Measurement[]) => ms.reduce(recordMeasurement, EMPTY_TALLY);

describe('nextStep', () => {
  it('waits initialDelay before the first measurement and interval after', () => {
    expect(nextStep({ ...schedule, initialDelay: 3_000 }, EMPTY_TALLY, 60_000)).toEqual({
      kind: 'measure',
      waitMs: 3_000,
    });
    expect(nextStep(schedule, tallyOf(pass), 60_000)).toEqual({ kind: 'measure', waitMs: 10_000 });
  });

  it('passes after count measurements within the failure limit', () => {
    expect(nextStep(schedule, tallyOf(pass, fail, pass, pass, pass), 60_000)).toMatchObject({
      kind: 'done',
      verdict: 'pass',
      reason: '4 of 5 measurements passed',
    });
  });

  it('passes early once the remaining measurements cannot fail the check', () => {
    expect(nextStep({ ...schedule, count: 4, failureLimit: 2 }, tallyOf(pass, pass), 60_000)).toMatchObject({
      kind: 'done',
      verdict: 'pass',
      reason: '2 of 2 measurements passed (decided after 2 of 4)',
    });
  });

  it('fails as soon as failures pass the limit', () => {
    expect(nextStep(schedule, tallyOf(fail, pass, fail), 60_000)).toMatchObject({
      kind: 'done',
      verdict: 'fail',
      reason: '2 of 3 measurements failed (failureLimit 1); last: status 503, expected 2xx',
    });
  });

  it('counts errors apart: retried up to the consecutive limit, not against failures', () => {
    expect(nextStep(schedule, tallyOf(error, error), 60_000)).toEqual({ kind: 'measure', waitMs: 10_000 });
    expect(nextStep(schedule, tallyOf(error, error, pass, error, error), 60_000)).toEqual({
      kind: 'measure',
      waitMs: 10_000,
    });
    expect(nextStep(schedule, tallyOf(error, error, error), 60_000)).toMatchObject({
      kind: 'done',
      verdict: 'error',
      reason: '3 errors in a row (consecutiveErrorLimit 2); last: connect ECONNREFUSED 127.0.0.1:8080',
    });
  });

  it('stops instead of starting a wait that would pass the deadline', () => {
    expect(nextStep(schedule, tallyOf(pass), 9_999)).toMatchObject({ kind: 'done', verdict: 'deadline' });
    expect((nextStep(schedule, tallyOf(pass), 9_999) as { reason: string }).reason).toMatch(
      /next wait of 10000 ms does not fit in the 9999 ms left/,
    );
  });
});

describe('runCheck', () => {
  it('measures on the interval until the verdict is decided', async () => {
    const time = fakeTime();
    const start = time.clock();
    const { measure, at } = scripted([pass, fail, pass, pass, pass], time.clock);
    const seen: number[] = [];
    const result = await runCheck(check(), measure, {
      sleep: time.sleep,
      deadline: time.deadlineIn(120_000),
      signal: new AbortController().signal,
      onMeasurement: (_, attempt) => seen.push(attempt),
    });
    expect(result).toMatchObject({ verdict: 'pass', attempts: 5, passes: 4, failures: 1, errors: 0 });
    expect(at.map((t) => t - start)).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops at the first failure over the limit', async () => {
    const time = fakeTime();
    const { measure, at } = scripted([fail, fail], time.clock);
    const result = await runCheck(check(), measure, {
      sleep: time.sleep,
      deadline: time.deadlineIn(120_000),
      signal: new AbortController().signal,
      onMeasurement: () => {},
    });
    expect(result).toMatchObject({ verdict: 'fail', attempts: 2 });
    expect(at).toHaveLength(2);
  });

  it('turns a measure that throws into an error measurement and retries it', async () => {
    const time = fakeTime();
    let calls = 0;
    const measure: Measure = async () => {
      calls += 1;
      if (calls <= 2) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' });
      return pass;
    };
    const logged: Measurement[] = [];
    const result = await runCheck(check({ count: 1, failureLimit: 0 }), measure, {
      sleep: time.sleep,
      deadline: time.deadlineIn(120_000),
      signal: new AbortController().signal,
      onMeasurement: (m) => logged.push(m),
    });
    expect(result).toMatchObject({ verdict: 'pass', attempts: 3, errors: 2, passes: 1 });
    expect(logged[0]).toEqual({ outcome: 'error', reason: 'Error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:8080' });
  });

  it('ends with a deadline verdict when the schedule does not fit the time left', async () => {
    const time = fakeTime();
    const { measure, at } = scripted([pass, pass, pass, pass, pass], time.clock);
    const result = await runCheck(check(), measure, {
      sleep: time.sleep,
      deadline: time.deadlineIn(25_000),
      signal: new AbortController().signal,
      onMeasurement: () => {},
    });
    expect(result).toMatchObject({ verdict: 'deadline', attempts: 3 });
    expect(at).toHaveLength(3);
  });

  it('stops when the hook aborts it, with the abort reason as verdict', async () => {
    const time = fakeTime();
    const controller = new AbortController();
    const measure: Measure = async () => {
      controller.abort(new CheckStoppedError('deadline', 'stopped at the hook deadline'));
      throw new Error('aborted');
    };
    const result = await runCheck(check(), measure, {
      sleep: time.sleep,
      deadline: time.deadlineIn(60_000),
      signal: controller.signal,
      onMeasurement: () => {},
    });
    expect(result.verdict).toBe('deadline');
    expect(result.reason).toMatch(/^stopped at the hook deadline after 0 measurements/);
  });
});

const result = (name: string, verdict: CheckResult['verdict'], dryRun = false): CheckResult => ({
  name,
  type: 'http',
  dryRun,
  verdict,
  reason: `${name} reason`,
  attempts: 1,
  passes: verdict === 'pass' ? 1 : 0,
  failures: verdict === 'fail' ? 1 : 0,
  errors: 0,
});

describe('decideHook', () => {
  it('succeeds when every enforced check passes', () => {
    expect(decideHook([result('a', 'pass'), result('b', 'pass')], false)).toEqual({
      status: 'Succeeded',
      reason: '2 of 2 enforced checks passed',
    });
  });

  it('fails on any enforced check that did not pass, naming it', () => {
    expect(decideHook([result('a', 'pass'), result('b', 'error'), result('c', 'cancelled')], false)).toEqual({
      status: 'Failed',
      reason: 'check "b" error: b reason',
    });
  });

  it('never fails on a dry-run check, but says it would have', () => {
    expect(decideHook([result('a', 'pass'), result('p99', 'fail', true)], false)).toEqual({
      status: 'Succeeded',
      reason: '1 of 1 enforced checks passed; dry run, not enforced: check "p99" failed: p99 reason',
    });
  });

  it('succeeds in observe-only mode and says what would have failed', () => {
    expect(decideHook([result('a', 'fail')], true)).toEqual({
      status: 'Succeeded',
      reason: 'observe only, would have failed: check "a" failed: a reason',
    });
  });

  it('succeeds a hook without checks', () => {
    expect(decideHook([], false)).toEqual({ status: 'Succeeded', reason: 'no checks configured for this hook' });
  });
});

describe('evaluateChecks', () => {
  it('cancels the other checks once an enforced check fails', async () => {
    const time = fakeTime();
    const { log, lines } = captureLog();
    const slow: Measure = (_attempt, signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const results = await evaluateChecks(
      [
        { check: check({ name: 'fails', count: 1, failureLimit: 0 }), measure: async () => fail },
        { check: check({ name: 'slow', count: 1, failureLimit: 0, timeout: 60_000 }), measure: slow },
      ],
      {
        sleep: time.sleep,
        deadline: time.deadlineIn(120_000),
        signal: new AbortController().signal,
        observeOnly: false,
        log,
      },
    );
    expect(results.map((r) => [r.name, r.verdict])).toEqual([
      ['fails', 'fail'],
      ['slow', 'cancelled'],
    ]);
    expect(lines.filter((l) => l.message === 'hook measurement').map((l) => [l.check, l.outcome])).toEqual([
      ['fails', 'fail'],
    ]);
  });

  it('lets a failing dry-run check finish without cancelling anything', async () => {
    const time = fakeTime();
    const { log, lines } = captureLog();
    const results = await evaluateChecks(
      [
        { check: check({ name: 'dry', dryRun: true, count: 1, failureLimit: 0 }), measure: async () => fail },
        { check: check({ name: 'real', count: 2, failureLimit: 0 }), measure: async () => pass },
      ],
      {
        sleep: time.sleep,
        deadline: time.deadlineIn(120_000),
        signal: new AbortController().signal,
        observeOnly: false,
        log,
      },
    );
    expect(results.map((r) => r.verdict)).toEqual(['fail', 'pass']);
    expect(lines.find((l) => l.check === 'dry')).toMatchObject({
      message: 'hook measurement',
      dryRun: true,
      outcome: 'fail',
      attempt: 1,
    });
  });

  it('does not run anything when an enforced check could not be resolved', async () => {
    const time = fakeTime();
    const { log } = captureLog();
    let measured = false;
    const results = await evaluateChecks(
      [
        {
          check: check({ name: 'probe' }),
          unresolved: 'the test listener could not be resolved: no test traffic route',
        },
        { check: check({ name: 'other' }), measure: async () => ((measured = true), pass) },
      ],
      {
        sleep: time.sleep,
        deadline: time.deadlineIn(120_000),
        signal: new AbortController().signal,
        observeOnly: false,
        log,
      },
    );
    expect(results.map((r) => r.verdict)).toEqual(['unresolved', 'cancelled']);
    expect(measured).toBe(false);
  });
});
