import { errorText } from '../aws/errors.js';
import type { Logger } from '../log.js';
import type { Deadline, Sleep } from '../time.js';
import type { Measurement } from './judge.js';
import type { Check } from './settings.js';

/**
 * How a check turns measurements into a verdict (after Argo Rollouts' analysis runs): take `count`
 * conclusive measurements `interval` apart; more than `failureLimit` failures fail the check, more
 * than `consecutiveErrorLimit` errors in a row fail it too; stop as soon as the verdict cannot
 * change; never start a wait that would pass the deadline.
 */

/** `deadline`: stopped by the hook's deadline; `cancelled`: another check already failed the hook. */
export type CheckVerdict = 'pass' | 'fail' | 'error' | 'deadline' | 'cancelled' | 'unresolved';

/** The fields of a check that decide when and how often it measures. */
export type Schedule = Pick<
  Check,
  'count' | 'interval' | 'initialDelay' | 'timeout' | 'failureLimit' | 'consecutiveErrorLimit'
>;

/** What the measurements of one check add up to so far. */
export interface Tally {
  attempts: number;
  passes: number;
  failures: number;
  errors: number;
  consecutiveErrors: number;
  lastFailure?: string;
  lastError?: string;
}

/** The tally before the first measurement. */
export const EMPTY_TALLY: Tally = { attempts: 0, passes: 0, failures: 0, errors: 0, consecutiveErrors: 0 };

/** The tally after one more measurement. */
export const recordMeasurement = (tally: Tally, m: Measurement): Tally => {
  const attempts = tally.attempts + 1;
  switch (m.outcome) {
    case 'pass':
      return { ...tally, attempts, passes: tally.passes + 1, consecutiveErrors: 0 };
    case 'fail':
      return { ...tally, attempts, failures: tally.failures + 1, consecutiveErrors: 0, lastFailure: m.reason };
    case 'error':
      return {
        ...tally,
        attempts,
        errors: tally.errors + 1,
        consecutiveErrors: tally.consecutiveErrors + 1,
        lastError: m.reason,
      };
  }
};

/** Measure again after `waitMs`, or stop with a verdict. */
export type Step = { kind: 'measure'; waitMs: number } | { kind: 'done'; verdict: CheckVerdict; reason: string };

/** What to do next, given the schedule, the tally and the time left (pure). */
export const nextStep = (schedule: Schedule, tally: Tally, remainingMs: number): Step => {
  const measured = tally.passes + tally.failures;
  if (tally.consecutiveErrors > schedule.consecutiveErrorLimit) {
    return {
      kind: 'done',
      verdict: 'error',
      reason: `${tally.consecutiveErrors} errors in a row (consecutiveErrorLimit ${schedule.consecutiveErrorLimit}); last: ${tally.lastError}`,
    };
  }
  if (tally.failures > schedule.failureLimit) {
    return {
      kind: 'done',
      verdict: 'fail',
      reason: `${tally.failures} of ${measured} measurements failed (failureLimit ${schedule.failureLimit}); last: ${tally.lastFailure}`,
    };
  }
  const left = schedule.count - measured;
  if (tally.failures + left <= schedule.failureLimit) {
    const early = left > 0 ? ` (decided after ${measured} of ${schedule.count})` : '';
    return { kind: 'done', verdict: 'pass', reason: `${tally.passes} of ${measured} measurements passed${early}` };
  }
  const waitMs = tally.attempts === 0 ? schedule.initialDelay : schedule.interval;
  if (waitMs >= remainingMs) {
    return {
      kind: 'done',
      verdict: 'deadline',
      reason:
        `stopped before the deadline after ${tally.attempts} measurements (${tally.passes} passed, ${tally.failures} failed, ` +
        `${tally.errors} errors): the next wait of ${waitMs} ms does not fit in the ${Math.max(0, Math.round(remainingMs))} ms left`,
    };
  }
  return { kind: 'measure', waitMs };
};

/** Why a check stopped early: the hook's deadline, or another check that already failed the hook. */
export class CheckStoppedError extends Error {
  override name = 'CheckStoppedError';
  constructor(
    readonly verdict: 'deadline' | 'cancelled',
    message: string,
  ) {
    super(message);
  }
}

/** The verdict of one check with its counts, as logged and reported. */
export interface CheckResult {
  name: string;
  type: Check['type'];
  dryRun: boolean;
  verdict: CheckVerdict;
  reason: string;
  attempts: number;
  passes: number;
  failures: number;
  errors: number;
}

/** Takes one measurement; must honour the signal (hook deadline, cancellation, per-attempt timeout). */
export type Measure = (attempt: number, signal: AbortSignal) => Promise<Measurement>;

/** What runCheck needs besides the check: time, cancellation and where measurements go. */
export interface RunCheckContext {
  sleep: Sleep;
  deadline: Deadline;
  /** Aborted with a CheckStoppedError at the hook's deadline or on cancellation. */
  signal: AbortSignal;
  onMeasurement(measurement: Measurement, attempt: number): void;
}

const stopped = (signal: AbortSignal): CheckStoppedError | undefined =>
  signal.aborted
    ? signal.reason instanceof CheckStoppedError
      ? signal.reason
      : new CheckStoppedError('cancelled', String(signal.reason))
    : undefined;

/** The error's text, naming Node's network error code too (`Error ECONNREFUSED: connect ...`). */
const measurementError = (error: unknown): string => {
  const text = errorText(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (!(error instanceof Error) || typeof code !== 'string' || code === error.name) return text;
  // errorText starts with the name.
  return `${error.name} ${code}${text.slice(error.name.length)}`;
};

/** Measures one check on its schedule until its verdict is decided, the deadline, or cancellation. */
export const runCheck = async (
  check: Pick<Check, 'name' | 'type' | 'dryRun'> & Schedule,
  measure: Measure,
  context: RunCheckContext,
): Promise<CheckResult> => {
  let tally = EMPTY_TALLY;
  const result = (verdict: CheckVerdict, reason: string): CheckResult => ({
    name: check.name,
    type: check.type,
    dryRun: check.dryRun,
    verdict,
    reason,
    attempts: tally.attempts,
    passes: tally.passes,
    failures: tally.failures,
    errors: tally.errors,
  });
  const interrupted = () => {
    const stop = stopped(context.signal)!;
    return result(
      stop.verdict,
      `${stop.message} after ${tally.attempts} measurements (${tally.passes} passed, ${tally.failures} failed, ${tally.errors} errors)`,
    );
  };
  for (;;) {
    if (context.signal.aborted) return interrupted();
    const step = nextStep(check, tally, context.deadline.remainingMs());
    if (step.kind === 'done') return result(step.verdict, step.reason);
    if (step.waitMs > 0) {
      try {
        await context.sleep(step.waitMs, context.signal);
      } catch (error) {
        if (context.signal.aborted) return interrupted();
        throw error;
      }
    }
    const attempt = tally.attempts + 1;
    const budget = Math.max(1, Math.min(check.timeout, context.deadline.remainingMs()));
    const signal = AbortSignal.any([context.signal, AbortSignal.timeout(budget)]);
    let measurement: Measurement;
    try {
      measurement = await measure(attempt, signal);
    } catch (error) {
      if (context.signal.aborted) return interrupted();
      measurement = signal.aborted
        ? { outcome: 'error', reason: `no answer within ${budget} ms` }
        : { outcome: 'error', reason: measurementError(error) };
    }
    if (context.signal.aborted && measurement.outcome === 'error') return interrupted();
    context.onMeasurement(measurement, attempt);
    tally = recordMeasurement(tally, measurement);
  }
};

/** A check ready to run, or one whose inputs could not be resolved (it fails without measuring). */
export type PreparedCheck = { check: Check; measure: Measure } | { check: Check; unresolved: string };

/** What evaluateChecks needs: time, cancellation, the observe-only switch and the logger. */
export interface EvaluateContext {
  sleep: Sleep;
  deadline: Deadline;
  signal: AbortSignal;
  /** When false, the first enforced check that fails cancels the others, so the hook reports sooner. */
  observeOnly: boolean;
  log: Logger;
}

/** Whether a check's verdict would fail the hook (dry runs never do). */
export const failsHook = (result: CheckResult): boolean => !result.dryRun && result.verdict !== 'pass';

/**
 * Runs every check side by side and returns their results in the settings' order. Logs one line
 * per measurement.
 */
export const evaluateChecks = async (prepared: PreparedCheck[], context: EvaluateContext): Promise<CheckResult[]> => {
  const cancel = new AbortController();
  const signal = AbortSignal.any([context.signal, cancel.signal]);
  const unresolvedEnforced = prepared.some((p) => 'unresolved' in p && !p.check.dryRun);
  const run = async (p: PreparedCheck): Promise<CheckResult> => {
    const { check } = p;
    const log = context.log.child({ check: check.name, checkType: check.type, dryRun: check.dryRun });
    if ('unresolved' in p) {
      log.warn('hook measurement', { attempt: 0, outcome: 'error', reason: p.unresolved });
      return {
        name: check.name,
        type: check.type,
        dryRun: check.dryRun,
        verdict: 'unresolved',
        reason: p.unresolved,
        attempts: 0,
        passes: 0,
        failures: 0,
        errors: 0,
      };
    }
    if (unresolvedEnforced && !context.observeOnly) {
      return {
        name: check.name,
        type: check.type,
        dryRun: check.dryRun,
        verdict: 'cancelled',
        reason: 'not run: another check could not be resolved',
        attempts: 0,
        passes: 0,
        failures: 0,
        errors: 0,
      };
    }
    const result = await runCheck(check, p.measure, {
      sleep: context.sleep,
      deadline: context.deadline,
      signal,
      onMeasurement: (m, attempt) =>
        (m.outcome === 'pass' ? log.info : log.warn)('hook measurement', {
          attempt,
          outcome: m.outcome,
          status: m.status,
          latencyMs: m.latencyMs,
          value: m.value,
          reason: m.reason,
        }),
    });
    if (failsHook(result) && !context.observeOnly && !cancel.signal.aborted) {
      cancel.abort(new CheckStoppedError('cancelled', `cancelled: check "${check.name}" already failed the hook`));
    }
    return result;
  };
  return Promise.all(prepared.map(run));
};

/** The status reported to CodeDeploy. */
export type HookStatus = 'Succeeded' | 'Failed';

/** The status to report and why, from the checks' results (pure). */
export const decideHook = (results: CheckResult[], observeOnly: boolean): { status: HookStatus; reason: string } => {
  const failing = results.filter(failsHook).filter((r) => r.verdict !== 'cancelled');
  const dryFailing = results.filter((r) => r.dryRun && r.verdict !== 'pass');
  const describe = (r: CheckResult) =>
    `check "${r.name}" ${r.verdict === 'pass' ? 'passed' : r.verdict === 'fail' ? 'failed' : r.verdict}: ${r.reason}`;
  const dryNote = dryFailing.length > 0 ? `; dry run, not enforced: ${dryFailing.map(describe).join('; ')}` : '';
  if (results.length === 0) return { status: 'Succeeded', reason: 'no checks configured for this hook' };
  const anyFailing = results.some(failsHook);
  if (!anyFailing) {
    const enforced = results.filter((r) => !r.dryRun).length;
    return { status: 'Succeeded', reason: `${enforced} of ${enforced} enforced checks passed${dryNote}` };
  }
  const why = (failing.length > 0 ? failing : results.filter(failsHook)).map(describe).join('; ');
  if (observeOnly) return { status: 'Succeeded', reason: `observe only, would have failed: ${why}${dryNote}` };
  return { status: 'Failed', reason: `${why}${dryNote}` };
};
