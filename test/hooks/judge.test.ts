import { describe, expect, it } from 'vitest';
import { JsonPathError, parseJsonPath, valueAt } from '../../lib/hooks/json-path.js';
import { loneSurrogatesIn } from '../support/unicode.js';
import {
  judgeAlarms,
  judgeHttp,
  judgeMetric,
  judgeTargetHealth,
  reduceSeries,
  statusMatches,
} from '../../lib/hooks/judge.js';
import { type HttpExpectations, parseHooksSettings } from '../../lib/hooks/settings.js';

const answer = (
  status: number,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** The expectations of an HTTP check as the settings file would give them. */
const expectations = (expect: Record<string, unknown>): HttpExpectations => {
  const settings = parseHooksSettings({ AfterAllowTestTraffic: { checks: [{ name: 'probe', type: 'http', expect }] } });
  if (settings instanceof Error) throw settings;
  const check = settings.AfterAllowTestTraffic!.checks[0]!;
  if (check.type !== 'http') throw new Error('not an http check');
  return check.expect;
};

describe('JSON paths', () => {
  it('reads properties, indexes and quoted keys', () => {
    const doc = { status: 'ok', items: [{ ok: true }], 'odd-key': { 'a.b': 1 } };
    expect(valueAt(doc, parseJsonPath('$.status'))).toEqual({ found: true, value: 'ok' });
    expect(valueAt(doc, parseJsonPath('$.items[0].ok'))).toEqual({ found: true, value: true });
    expect(valueAt(doc, parseJsonPath('$[\'odd-key\']["a.b"]'))).toEqual({ found: true, value: 1 });
    expect(valueAt(doc, parseJsonPath('$'))).toEqual({ found: true, value: doc });
  });

  it('reports a missing step instead of guessing', () => {
    const doc = { items: [], status: null };
    expect(valueAt(doc, parseJsonPath('$.items[0]'))).toEqual({ found: false });
    expect(valueAt(doc, parseJsonPath('$.status.code'))).toEqual({ found: false });
    expect(valueAt(doc, parseJsonPath('$.toString'))).toEqual({ found: false });
  });

  it.each(['status', '$..status', '$.items[*]', '$.items[?(@.ok)]', '$.a()', '$[-1]'])('refuses %s', (path) => {
    expect(() => parseJsonPath(path)).toThrow(JsonPathError);
  });
});

describe('judgeHttp', () => {
  const expect2xx = { status: ['2xx'] as Array<number | string> };

  it('passes a matching answer with its status and latency', () => {
    expect(judgeHttp(answer(204, ''), expect2xx, 12)).toEqual({
      outcome: 'pass',
      status: 204,
      latencyMs: 12,
      reason: 'status 204 in 12 ms',
    });
  });

  it('fails a wrong status, naming what was expected', () => {
    expect(judgeHttp(answer(503, { status: 'degraded' }), { status: [200, '3xx'] }, 5)).toMatchObject({
      outcome: 'fail',
      status: 503,
      reason: 'status 503, expected 200 or 3xx',
    });
    expect(statusMatches(302, ['3xx'])).toBe(true);
    expect(statusMatches(404, [200, '5xx'])).toBe(false);
  });

  it('fails a wrong or missing JSON value and lists every problem', () => {
    const result = judgeHttp(
      answer(200, { status: 'degraded', version: 'orders:57', latency: 900 }),
      expectations({
        json: [
          { path: '$.status', equals: 'ok' },
          { path: '$.version', matches: ':58$' },
          { path: '$.latency', atMost: 500 },
          { path: '$.checks.database', exists: true },
        ],
      }),
      5,
    );
    expect(result.outcome).toBe('fail');
    expect(result.reason).toBe(
      '$.status is "degraded", expected "ok"; $.version is "orders:57", expected to match /:58$/; $.latency is 900, expected <= 500; $.checks.database is missing',
    );
  });

  it('compares JSON values structurally and honours exists: false', () => {
    const body = { tags: ['a', 'b'], maintenance: undefined };
    expect(
      judgeHttp(
        answer(200, body),
        {
          ...expect2xx,
          json: [
            { path: '$.tags', equals: ['a', 'b'] },
            { path: '$.maintenance', exists: false },
          ],
        },
        1,
      ).outcome,
    ).toBe('pass');
    expect(judgeHttp(answer(200, { v: 1 }), { ...expect2xx, json: [{ path: '$.v', notEquals: 1 }] }, 1).reason).toBe(
      '$.v is 1, expected anything else',
    );
  });

  it('fails a body that is not JSON when JSON values are expected', () => {
    const result = judgeHttp(
      answer(200, '<html>Bad gateway</html>', { 'content-type': 'text/html' }),
      { ...expect2xx, json: [{ path: '$.status', equals: 'ok' }] },
      3,
    );
    expect(result).toMatchObject({ outcome: 'fail', reason: 'body is not JSON: "<html>Bad gateway</html>"' });
  });

  it('fails an answer slower than the latency budget', () => {
    expect(judgeHttp(answer(200, 'ok'), { ...expect2xx, maxLatency: 200 }, 201)).toMatchObject({
      outcome: 'fail',
      reason: 'answered in 201 ms, budget 200 ms',
    });
  });

  it('checks headers and body text', () => {
    const result = judgeHttp(
      answer(200, 'service in maintenance', { 'content-type': 'text/plain', 'x-version': '57' }),
      expectations({
        headers: { 'Content-Type': { matches: '^application/json' }, 'X-Version': '58', 'x-debug': { absent: true } },
        bodyContains: ['ready'],
        bodyNotContains: ['maintenance'],
        bodyMatches: '^ok',
      }),
      1,
    );
    expect(result.reason).toBe(
      'header Content-Type is "text/plain", expected to match /^application/json/; header X-Version is "57", expected "58"; ' +
        'body does not contain "ready"; body contains "maintenance"; body does not match /^ok/',
    );
  });
});

describe('patterns from the settings', () => {
  // Thirty letters then a mismatch: a backtracking engine tries about 2^30 ways to split the letters
  // between the groups before it gives up, minutes of blocked event loop during which the hook's
  // deadline timer cannot fire. The timeouts below only keep a regression from hanging the suite.
  const letters = 'a'.repeat(30);
  const exponential = '^(a+)+$';

  it('fails a body against a pattern that backtracks exponentially, instead of hanging', { timeout: 5_000 }, () => {
    const result = judgeHttp(answer(200, `${letters}!`), expectations({ bodyMatches: exponential }), 1);
    expect(result).toMatchObject({ outcome: 'fail', reason: 'body does not match /^(a+)+$/' });
  });

  it('fails a header against such a pattern, instead of hanging', { timeout: 5_000 }, () => {
    const result = judgeHttp(
      answer(200, 'ok', { 'x-token': `${letters}!` }),
      expectations({ headers: { 'X-Token': { matches: exponential } } }),
      1,
    );
    expect(result).toMatchObject({
      outcome: 'fail',
      reason: `header X-Token is "${letters}!", expected to match /^(a+)+$/`,
    });
  });

  it('fails a JSON value against such a pattern, instead of hanging', { timeout: 5_000 }, () => {
    const result = judgeHttp(
      answer(200, { token: `${letters}!` }),
      expectations({ json: [{ path: '$.token', matches: exponential }] }),
      1,
    );
    expect(result).toMatchObject({ outcome: 'fail', reason: `$.token is "${letters}!", expected to match /^(a+)+$/` });
  });

  it('passes what the patterns match', () => {
    const result = judgeHttp(
      answer(200, { token: letters }, { 'x-token': letters }),
      expectations({
        bodyMatches: '"token":"a+"',
        headers: { 'X-Token': { matches: exponential } },
        json: [{ path: '$.token', matches: exponential }],
      }),
      1,
    );
    expect(result.outcome).toBe('pass');
  });
});

describe('judgeMetric', () => {
  const series = { timestamps: [3_000, 1_000, 2_000], values: [5, 1, 9] };
  const base = {
    reduce: 'max' as const,
    passWhen: '<=' as const,
    threshold: 10,
    noData: 'fail' as const,
    window: 300_000,
  };

  it('reduces a series', () => {
    expect(reduceSeries(series, 'max')).toBe(9);
    expect(reduceSeries(series, 'min')).toBe(1);
    expect(reduceSeries(series, 'sum')).toBe(15);
    expect(reduceSeries(series, 'avg')).toBe(5);
    expect(reduceSeries(series, 'last')).toBe(5);
  });

  it('compares the reduced value with the threshold', () => {
    expect(judgeMetric(series, base)).toEqual({ outcome: 'pass', value: 9, reason: 'max 9 over 3 datapoints <= 10' });
    expect(judgeMetric(series, { ...base, threshold: 8 })).toEqual({
      outcome: 'fail',
      value: 9,
      reason: 'max 9 over 3 datapoints, expected <= 8',
    });
    expect(judgeMetric(series, { ...base, reduce: 'min', passWhen: '>', threshold: 1 }).outcome).toBe('fail');
  });

  it('follows the explicit no-data policy', () => {
    const empty = { timestamps: [], values: [] };
    expect(judgeMetric(empty, base)).toEqual({
      outcome: 'fail',
      reason: 'no datapoints in the last 300 s (noData: fail)',
    });
    expect(judgeMetric(undefined, { ...base, noData: 'pass' }).outcome).toBe('pass');
  });
});

describe('judgeAlarms', () => {
  it('fails when a named alarm is in ALARM or does not exist', () => {
    const result = judgeAlarms(
      [
        { name: 'orders-5xx', state: 'ALARM', reason: 'Threshold Crossed: 1 datapoint [12.0] was greater than 5.0' },
        { name: 'orders-p99', state: 'OK' },
      ],
      ['orders-5xx', 'orders-p99', 'orders-typo'],
    );
    expect(result).toMatchObject({
      outcome: 'fail',
      reason:
        'orders-5xx is in ALARM (Threshold Crossed: 1 datapoint [12.0] was greater than 5.0); alarm orders-typo does not exist',
    });
  });

  it('passes OK and INSUFFICIENT_DATA alarms', () => {
    expect(
      judgeAlarms(
        [
          { name: 'a', state: 'OK' },
          { name: 'b', state: 'INSUFFICIENT_DATA' },
        ],
        ['a', 'b'],
      ),
    ).toMatchObject({ outcome: 'pass' });
  });
});

describe('judgeTargetHealth', () => {
  const target = (id: string, state: string, reason?: string) => ({ id, port: 8080, state, reason });

  it('passes when the healthy share reaches the minimum', () => {
    expect(
      judgeTargetHealth([target('10.0.2.11', 'healthy'), target('10.0.2.12', 'healthy')], 100, 'orders-green'),
    ).toMatchObject({
      outcome: 'pass',
      value: 100,
      reason: '2 of 2 targets healthy in orders-green (100%)',
    });
  });

  it('fails below the minimum, naming the unhealthy targets', () => {
    const result = judgeTargetHealth(
      [
        target('10.0.2.11', 'healthy'),
        target('10.0.2.12', 'unhealthy', 'Target.FailedHealthChecks'),
        target('10.0.2.13', 'initial'),
      ],
      75,
      'orders-green',
    );
    expect(result.reason).toBe(
      '1 of 3 targets healthy in orders-green (33.333%), need 75%; 10.0.2.12:8080 unhealthy (Target.FailedHealthChecks), 10.0.2.13:8080 initial',
    );
  });

  it('fails a target group without targets whatever the minimum', () => {
    expect(judgeTargetHealth([], 0, 'orders-green')).toMatchObject({
      outcome: 'fail',
      reason: 'orders-green has no registered targets',
    });
  });
});

describe('verdict reasons', () => {
  it('cut a body of emoji between characters, never inside one', () => {
    const result = judgeHttp(answer(200, `x${'🟢'.repeat(100)}`), { status: [200], json: [{ path: '$.ok' }] }, 5);
    expect(result.outcome).toBe('fail');
    expect(loneSurrogatesIn(result.reason)).toEqual([]);
    // A half character would reach the reason as the escape JSON writes for it.
    expect(result.reason).not.toMatch(/\\ud[89a-f]/i);
    expect(result.reason).toContain('🟢…');
  });

  it('cut an alarm reason of emoji between characters, never inside one', () => {
    const result = judgeAlarms(
      [{ name: 'orders-5xx', state: 'ALARM', reason: `x${'🔥'.repeat(200)}` }],
      ['orders-5xx'],
    );
    expect(result.outcome).toBe('fail');
    expect(loneSurrogatesIn(result.reason)).toEqual([]);
    expect(result.reason).toContain('🔥…');
  });
});
