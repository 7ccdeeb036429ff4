import { clipEnd } from '../text.js';
import { parseJsonPath, valueAt } from './json-path.js';
import type {
  CloudWatchCheck,
  Comparison,
  HttpExpectations,
  InvokeExpectations,
  JsonExpectation,
  Reduction,
} from './settings.js';

/**
 * Pure verdicts on one measurement. A transport problem (no answer, refused, throttled) is an
 * `error` and is retried; an answer that breaks an expectation is a `fail` and counts against the
 * failure limit.
 */

/** One measurement's outcome: errors are retried, failures counted against the limit. */
export type Outcome = 'pass' | 'fail' | 'error';

/** One measurement of one check, as logged. */
export interface Measurement {
  outcome: Outcome;
  /** Why, in words: what was expected and what came back. */
  reason: string;
  status?: number;
  latencyMs?: number;
  value?: number;
}

/** An HTTP answer as the probe received it (header names in lower case). */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body was cut at the probe's size limit. */
  truncated?: boolean;
}

const MAX_REASON = 600;
const clip = (text: string, max = 120) => clipEnd(text, max + 1);
const show = (value: unknown) => clip(JSON.stringify(value) ?? 'undefined', 80);

/** Whether a status matches `200`, `2xx` or a list of them. */
export const statusMatches = (status: number, expected: ReadonlyArray<number | string>): boolean =>
  expected.some((e) => (typeof e === 'number' ? e === status : Math.floor(status / 100) === Number(e[0])));

const isDeepEqual = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => isDeepEqual((a as never)[k], (b as never)[k]));
};

/** Problems with one JSON expectation, or none. */
export const jsonProblems = (document: unknown, expectation: JsonExpectation): string[] => {
  const found = valueAt(document, parseJsonPath(expectation.path));
  const { path } = expectation;
  if (expectation.exists === false)
    return found.found ? [`${path} exists (${show(found.value)}), expected it absent`] : [];
  if (!found.found) return [`${path} is missing`];
  const value = found.value;
  const problems: string[] = [];
  if ('equals' in expectation && !isDeepEqual(value, expectation.equals))
    problems.push(`${path} is ${show(value)}, expected ${show(expectation.equals)}`);
  if ('notEquals' in expectation && isDeepEqual(value, expectation.notEquals))
    problems.push(`${path} is ${show(value)}, expected anything else`);
  if (expectation.matches !== undefined && (typeof value !== 'string' || !expectation.matches.test(value))) {
    problems.push(`${path} is ${show(value)}, expected to match /${expectation.matches.source}/`);
  }
  if (expectation.atLeast !== undefined && !(typeof value === 'number' && value >= expectation.atLeast))
    problems.push(`${path} is ${show(value)}, expected >= ${expectation.atLeast}`);
  if (expectation.atMost !== undefined && !(typeof value === 'number' && value <= expectation.atMost))
    problems.push(`${path} is ${show(value)}, expected <= ${expectation.atMost}`);
  return problems;
};

/** Judges an HTTP answer against the check's expectations. */
export const judgeHttp = (answer: HttpAnswer, expect: HttpExpectations, latencyMs: number): Measurement => {
  const problems: string[] = [];
  if (!statusMatches(answer.status, expect.status))
    problems.push(`status ${answer.status}, expected ${expect.status.join(' or ')}`);
  if (expect.maxLatency !== undefined && latencyMs > expect.maxLatency)
    problems.push(`answered in ${latencyMs} ms, budget ${expect.maxLatency} ms`);
  for (const [name, wanted] of Object.entries(expect.headers ?? {})) {
    const actual = answer.headers[name.toLowerCase()];
    if (typeof wanted === 'string') {
      if (actual !== wanted) problems.push(`header ${name} is ${show(actual)}, expected ${show(wanted)}`);
    } else if ('absent' in wanted) {
      if (actual !== undefined) problems.push(`header ${name} is present (${show(actual)}), expected absent`);
    } else if (actual === undefined || !wanted.matches.test(actual)) {
      problems.push(`header ${name} is ${show(actual)}, expected to match /${wanted.matches.source}/`);
    }
  }
  for (const text of expect.bodyContains ?? [])
    if (!answer.body.includes(text)) problems.push(`body does not contain ${show(text)}`);
  for (const text of expect.bodyNotContains ?? [])
    if (answer.body.includes(text)) problems.push(`body contains ${show(text)}`);
  if (expect.bodyMatches !== undefined && !expect.bodyMatches.test(answer.body))
    problems.push(`body does not match /${expect.bodyMatches.source}/`);
  if (expect.json) {
    let document: unknown;
    let parsed = true;
    try {
      document = JSON.parse(answer.body);
    } catch {
      parsed = false;
      problems.push(
        `body is not JSON${answer.truncated ? ' (cut at the size limit)' : ''}: ${show(clip(answer.body, 60))}`,
      );
    }
    if (parsed) for (const expectation of expect.json) problems.push(...jsonProblems(document, expectation));
  }
  const base = { status: answer.status, latencyMs };
  if (problems.length === 0) return { ...base, outcome: 'pass', reason: `status ${answer.status} in ${latencyMs} ms` };
  return { ...base, outcome: 'fail', reason: clip(problems.join('; '), MAX_REASON) };
};

/** A series of datapoints of one GetMetricData query. */
export interface MetricSeries {
  timestamps: number[];
  values: number[];
}

/** Reduces a series to one number; undefined when there are no datapoints. */
export const reduceSeries = (series: MetricSeries, reduction: Reduction): number | undefined => {
  const { values, timestamps } = series;
  if (values.length === 0) return undefined;
  switch (reduction) {
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'last': {
      let latest = 0;
      for (let i = 1; i < values.length; i += 1) if ((timestamps[i] ?? 0) > (timestamps[latest] ?? 0)) latest = i;
      return values[latest];
    }
  }
};

/** Whether `value <comparison> threshold` holds. */
export const compare = (value: number, comparison: Comparison, threshold: number): boolean => {
  switch (comparison) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
  }
};

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Judges the evaluated query's datapoints; no data follows the check's explicit policy. */
export const judgeMetric = (
  series: MetricSeries | undefined,
  check: Pick<CloudWatchCheck, 'reduce' | 'passWhen' | 'threshold' | 'noData' | 'window'>,
): Measurement => {
  const value = series ? reduceSeries(series, check.reduce) : undefined;
  if (value === undefined || Number.isNaN(value)) {
    const reason = `no datapoints in the last ${Math.round(check.window / 1000)} s (noData: ${check.noData})`;
    return { outcome: check.noData, reason };
  }
  const holds = compare(value, check.passWhen, check.threshold);
  const over = `${check.reduce} ${round(value)} over ${series!.values.length} datapoints`;
  return holds
    ? { outcome: 'pass', value, reason: `${over} ${check.passWhen} ${check.threshold}` }
    : { outcome: 'fail', value, reason: `${over}, expected ${check.passWhen} ${check.threshold}` };
};

/** An alarm's state as DescribeAlarms returns it. */
export interface AlarmState {
  name: string;
  state: string;
  reason?: string;
}

/** Fails when a named alarm is in ALARM, or is missing (a typo must not pass silently). */
export const judgeAlarms = (found: AlarmState[], wanted: string[]): Measurement => {
  const byName = new Map(found.map((a) => [a.name, a]));
  const missing = wanted.filter((name) => !byName.has(name));
  const firing = wanted.map((name) => byName.get(name)).filter((a): a is AlarmState => a?.state === 'ALARM');
  const problems = [
    ...firing.map((a) => `${a.name} is in ALARM${a.reason ? ` (${clip(a.reason)})` : ''}`),
    ...missing.map((name) => `alarm ${name} does not exist`),
  ];
  if (problems.length > 0)
    return { outcome: 'fail', value: firing.length, reason: clip(problems.join('; '), MAX_REASON) };
  return { outcome: 'pass', value: 0, reason: `none of ${wanted.length} alarms in ALARM` };
};

/** A registered target's health as DescribeTargetHealth returns it. */
export interface TargetHealthState {
  id: string;
  port?: number;
  state: string;
  reason?: string;
}

/** Passes when the healthy share reaches the minimum; a group without targets fails. */
export const judgeTargetHealth = (
  targets: TargetHealthState[],
  minHealthyPercent: number,
  targetGroup: string,
): Measurement => {
  if (targets.length === 0) return { outcome: 'fail', value: 0, reason: `${targetGroup} has no registered targets` };
  const healthy = targets.filter((t) => t.state === 'healthy').length;
  const percent = (healthy / targets.length) * 100;
  const summary = `${healthy} of ${targets.length} targets healthy in ${targetGroup} (${round(percent)}%)`;
  if (percent >= minHealthyPercent) return { outcome: 'pass', value: percent, reason: summary };
  const others = targets
    .filter((t) => t.state !== 'healthy')
    .slice(0, 5)
    .map((t) => `${t.id}${t.port ? `:${t.port}` : ''} ${t.state}${t.reason ? ` (${t.reason})` : ''}`);
  return {
    outcome: 'fail',
    value: percent,
    reason: clip(`${summary}, need ${minHealthyPercent}%; ${others.join(', ')}`, MAX_REASON),
  };
};

/** An invocation's answer as the Lambda port gives it. */
export interface InvokeResult {
  functionError?: string;
  executedVersion?: string;
  payload: string;
}

/** The error a failed function returns as its payload (`errorType`, `errorMessage`), in one line. */
const functionErrorText = (payload: string): string => {
  try {
    const error = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof error.errorMessage === 'string')
      return `${typeof error.errorType === 'string' ? `${error.errorType}: ` : ''}${error.errorMessage}`;
  } catch {
    // Not the runtime's error object: its text is shown as it is.
  }
  return payload;
};

/**
 * Judges one invocation of a deployment's target version: no function error, the target version
 * ran, the duration within its limit, and the expected values in the response.
 */
export const judgeInvoke = (
  answer: InvokeResult,
  expect: InvokeExpectations,
  targetVersion: string,
  durationMs: number,
): Measurement => {
  if (answer.functionError) {
    return {
      outcome: 'fail',
      latencyMs: durationMs,
      reason: clip(
        `version ${answer.executedVersion ?? targetVersion} failed (${answer.functionError}): ${clip(functionErrorText(answer.payload), 300)}`,
        MAX_REASON,
      ),
    };
  }
  const problems: string[] = [];
  if (answer.executedVersion !== undefined && answer.executedVersion !== targetVersion)
    problems.push(`version ${answer.executedVersion} ran, expected the target version ${targetVersion}`);
  if (expect.maxDuration !== undefined && durationMs > expect.maxDuration)
    problems.push(`answered in ${durationMs} ms, budget ${expect.maxDuration} ms`);
  if (expect.json) {
    let document: unknown;
    let parsed = true;
    try {
      document = JSON.parse(answer.payload);
    } catch {
      parsed = false;
      problems.push(`the response is not JSON: ${show(clip(answer.payload, 60))}`);
    }
    if (parsed) for (const expectation of expect.json) problems.push(...jsonProblems(document, expectation));
  }
  if (problems.length === 0)
    return { outcome: 'pass', latencyMs: durationMs, reason: `version ${targetVersion} answered in ${durationMs} ms` };
  return { outcome: 'fail', latencyMs: durationMs, reason: clip(problems.join('; '), MAX_REASON) };
};
