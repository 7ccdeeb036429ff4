import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  checkWorstCaseMs,
  DISCOVERY_CALL_TIMEOUT_MS,
  functionTimeoutSeconds,
  hookTimeoutSeconds,
  INIT_ALLOWANCE_MS,
  REPORT_RESERVE_MS,
  worstCaseMs,
} from '../../lib/hooks/budget.js';
import { HooksConfigError, type HooksSettings, parseHooksSettings } from '../../lib/hooks/settings.js';

const README = join(import.meta.dirname, '..', '..', 'README.md');

/** The settings example of the README section, so the documentation cannot drift from the schema. */
const readmeExample = () => {
  const text = readFileSync(README, 'utf8');
  const block = /```yaml\n(hooks:[\s\S]*?)```/.exec(text)?.[1];
  if (!block) throw new Error('README.md has no hooks settings example');
  return (parseYaml(block) as { hooks: unknown }).hooks;
};

const parse = (raw: unknown): HooksSettings => {
  const result = parseHooksSettings(raw);
  if (result instanceof Error) throw result;
  return result;
};

const problems = (raw: unknown): string => {
  const result = parseHooksSettings(raw);
  expect(result).toBeInstanceOf(HooksConfigError);
  return (result as HooksConfigError).message;
};

const httpCheck = (extra: Record<string, unknown> = {}) => ({
  name: 'health',
  type: 'http',
  path: '/health',
  ...extra,
});

describe('hooks settings', () => {
  it('accepts the README example and fills in defaults', () => {
    const settings = parse(readmeExample());
    const [health, targets] = settings.AfterAllowTestTraffic!.checks;
    expect(health).toMatchObject({
      type: 'http',
      count: 5,
      interval: 3_000,
      initialDelay: 5_000,
      timeout: 2_000,
      method: 'GET',
    });
    expect(health?.type === 'http' && health.expect).toMatchObject({ status: [200], maxLatency: 800 });
    expect(targets).toMatchObject({
      type: 'targetHealth',
      targetGroup: 'green',
      count: 1,
      interval: 5_000,
      failureLimit: 0,
      consecutiveErrorLimit: 2,
      dryRun: false,
    });
    expect(settings.AfterAllowTraffic!.checks.map((c) => c.name)).toEqual([
      'green-5xx-rate',
      'no-alarms',
      'p99-latency',
    ]);
    expect(settings.discovery.testListener?.host).toBe('orders.internal.example.com');
  });

  it('treats an absent or empty section as no checks anywhere', () => {
    expect(parse(undefined)).toMatchObject({ observeOnly: false, discovery: {} });
    expect(parse({}).AfterAllowTestTraffic).toBeUndefined();
  });

  it('names each problem by its path', () => {
    const message = problems({
      AfterAllowTestTraffic: {
        checks: [
          httpCheck({ interval: 'soon', expect: { status: 'ok', bodyMatches: '(' } }),
          {
            name: 'cw',
            type: 'cloudwatch',
            queries: [{ id: 'm1', expression: 'm2 * 2' }],
            reduce: 'max',
            passWhen: '<',
            threshold: 1,
          },
        ],
      },
    });
    expect(message).toContain('hooks.AfterAllowTestTraffic.checks[0].interval: "soon" is not a duration');
    expect(message).toContain('hooks.AfterAllowTestTraffic.checks[0].expect.status');
    expect(message).toContain('hooks.AfterAllowTestTraffic.checks[0].expect.bodyMatches: invalid regular expression');
    expect(message).toContain('hooks.AfterAllowTestTraffic.checks[1].noData');
  });

  it('rejects unknown keys, so a misspelt hook or option is not silently ignored', () => {
    expect(problems({ AfterTestTraffic: { checks: [] } })).toMatch(/AfterTestTraffic/);
    expect(problems({ AfterAllowTestTraffic: { checks: [httpCheck({ retries: 3 })] } })).toMatch(/retries/);
  });

  it('rejects JSON paths outside the safe subset and unknown variables', () => {
    const message = problems({
      AfterAllowTestTraffic: {
        checks: [
          httpCheck({
            headers: { 'x-id': '${deploymentID}' },
            expect: { json: [{ path: '$..items[?(@.ok)]', equals: true }] },
          }),
        ],
      },
    });
    expect(message).toMatch(/checks\[0\]\.headers\.x-id: unknown variable \$\{deploymentID\}/);
    expect(message).toMatch(/checks\[0\]\.expect\.json\[0\]\.path: .*unsupported syntax|expected a property name/);
  });

  it('rejects patterns that need a backtracking engine, naming the path and the reason', () => {
    const message = problems({
      AfterAllowTestTraffic: {
        checks: [
          httpCheck({
            expect: {
              bodyMatches: '^(?=.*"ready")',
              headers: { 'X-Version': { matches: '(?<!canary-)58' } },
              json: [{ path: '$.id', matches: '^(\\w+)-\\1$' }],
            },
          }),
        ],
      },
    });
    expect(message).toMatch(
      /hooks\.AfterAllowTestTraffic\.checks\[0\]\.expect\.bodyMatches: .*unsupported Perl syntax: `\(\?=`/,
    );
    expect(message).toMatch(/hooks\.AfterAllowTestTraffic\.checks\[0\]\.expect\.headers\.X-Version\.matches: .*\(\?<!/);
    expect(message).toMatch(
      /hooks\.AfterAllowTestTraffic\.checks\[0\]\.expect\.json\[0\]\.matches: .*invalid escape sequence: `\\1`/,
    );
  });

  it('rejects a failureLimit that makes the check impossible to fail', () => {
    expect(problems({ AfterAllowTestTraffic: { checks: [httpCheck({ count: 3, failureLimit: 3 })] } })).toMatch(
      /failureLimit \(3\) must be below count \(3\)/,
    );
  });

  it('rejects a probe of the test listener while it still serves blue', () => {
    expect(problems({ AfterInstall: { checks: [httpCheck()] } })).toMatch(
      /hooks\.AfterInstall\.checks\[0\]\.target: in AfterInstall the test listener still serves blue/,
    );
    expect(problems({ BeforeInstall: { checks: [{ name: 't', type: 'targetHealth' }] } })).toMatch(
      /green task set does not exist yet/,
    );
    expect(
      parse({ AfterInstall: { checks: [httpCheck({ url: 'https://orders.example.com/health' })] } }).AfterInstall
        ?.checks,
    ).toHaveLength(1);
  });

  it('rejects a cloudwatch check without an explicit no-data policy', () => {
    const check = {
      name: 'cw',
      type: 'cloudwatch',
      queries: [{ id: 'm', metric: { namespace: 'N', name: 'M' } }],
      reduce: 'max',
      passWhen: '<',
      threshold: 1,
    };
    expect(problems({ AfterAllowTraffic: { checks: [check] } })).toMatch(/checks\[0\]\.noData/);
    expect(
      parse({ AfterAllowTraffic: { checks: [{ ...check, noData: 'fail' }] } }).AfterAllowTraffic?.checks[0],
    ).toMatchObject({ window: 300_000 });
  });

  it('rejects a configuration whose worst case does not fit in a Lambda timeout', () => {
    const slow = httpCheck({ count: 30, interval: '30s', timeout: '10s' });
    expect(problems({ AfterAllowTestTraffic: { checks: [slow] } })).toMatch(
      /hooks\.AfterAllowTestTraffic: the checks' worst case \(\d+ s\) needs a \d+ s timeout; Lambda allows 900 s/,
    );
    expect(problems({ AfterAllowTestTraffic: { checks: [httpCheck({ count: 3 })], timeoutSeconds: 20 } })).toMatch(
      /needs \d+ s, more than timeoutSeconds \(20 s\)/,
    );
  });
});

describe('settings that would fail on every run', () => {
  const cloudWatchCheck = (queries: unknown[]) => ({
    name: 'cw',
    type: 'cloudwatch',
    queries,
    reduce: 'max',
    passWhen: '<',
    threshold: 1,
    noData: 'fail',
  });
  const metric = (extra: Record<string, unknown> = {}) => ({
    namespace: 'AWS/ApplicationELB',
    name: 'RequestCount',
    ...extra,
  });

  it('rejects request headers an HTTP client refuses to send', () => {
    const message = problems({
      AfterAllowTestTraffic: {
        checks: [httpCheck({ headers: { 'X Bad': 'v', 'x-split': 'a\nb', 'x-mark': 'ok \u2713', 'x-name': 'Zoë' } })],
      },
    });
    expect(message).toMatch(/hooks\.AfterAllowTestTraffic\.checks\[0\]\.headers\.X Bad: .*token/);
    expect(message).toContain('hooks.AfterAllowTestTraffic.checks[0].headers.x-split: ');
    expect(message).toContain('hooks.AfterAllowTestTraffic.checks[0].headers.x-mark: ');
    expect(message).not.toContain('x-name');
  });

  it('rejects expected headers that no answer can carry', () => {
    const message = problems({
      AfterAllowTestTraffic: {
        checks: [httpCheck({ expect: { headers: { 'Content Type': { absent: true }, 'x-version': '58\r\n' } } })],
      },
    });
    expect(message).toContain('hooks.AfterAllowTestTraffic.checks[0].expect.headers.Content Type: ');
    expect(message).toContain('hooks.AfterAllowTestTraffic.checks[0].expect.headers.x-version: ');
  });

  it('rejects a timeout of 0', () => {
    expect(problems({ AfterAllowTestTraffic: { checks: [httpCheck({ timeout: 0 })] } })).toMatch(
      /hooks\.AfterAllowTestTraffic\.checks\[0\]\.timeout: /,
    );
    expect(problems({ AfterAllowTestTraffic: { checks: [httpCheck({ timeout: '0s' })] } })).toMatch(
      /checks\[0\]\.timeout: /,
    );
  });

  it('rejects body and JSON expectations on a HEAD request, whose answer has no body', () => {
    const message = problems({
      AfterAllowTestTraffic: {
        checks: [
          httpCheck({
            method: 'HEAD',
            expect: {
              bodyContains: 'ok',
              bodyNotContains: 'maintenance',
              bodyMatches: '^ok',
              json: [{ path: '$.status', equals: 'ok' }],
            },
          }),
        ],
      },
    });
    for (const key of ['bodyContains', 'bodyNotContains', 'bodyMatches', 'json'])
      expect(message).toContain(`hooks.AfterAllowTestTraffic.checks[0].expect.${key}: `);
    const head = parse({
      AfterAllowTestTraffic: {
        checks: [httpCheck({ method: 'HEAD', expect: { status: 200, headers: { 'x-version': '58' } } })],
      },
    });
    expect(head.AfterAllowTestTraffic?.checks[0]).toMatchObject({ method: 'HEAD' });
  });

  it('rejects a period CloudWatch does not serve', () => {
    const message = problems({
      AfterAllowTraffic: {
        checks: [
          cloudWatchCheck([
            { id: 'a', metric: metric({ period: 45 }) },
            { id: 'b', metric: metric({ period: 90 }) },
            { id: 'c', expression: 'a + b', period: 7 },
          ]),
        ],
      },
    });
    expect(message).toContain('hooks.AfterAllowTraffic.checks[0].queries[0].metric.period: ');
    expect(message).toContain('hooks.AfterAllowTraffic.checks[0].queries[1].metric.period: ');
    expect(message).toContain('hooks.AfterAllowTraffic.checks[0].queries[2].period: ');
    const periods = [1, 5, 10, 20, 30, 60, 120, 300, 3600];
    expect(
      parse({
        AfterAllowTraffic: {
          checks: [cloudWatchCheck(periods.map((period, i) => ({ id: `m${i}`, metric: metric({ period }) })))],
        },
      }).AfterAllowTraffic?.checks,
    ).toHaveLength(1);
  });

  it('rejects a statistic CloudWatch does not know', () => {
    const unknown = [
      'Avg',
      'average',
      'p101',
      'P99',
      'tm(10%:90%)',
      'TM(10%:90)',
      'TM(:)',
      'IQR',
      'pr90',
      'PR(10%:90%)',
    ];
    const message = problems({
      AfterAllowTraffic: {
        checks: [cloudWatchCheck(unknown.map((stat, i) => ({ id: `m${i}`, metric: metric({ stat }) })))],
      },
    });
    unknown.forEach((stat, i) =>
      expect(message).toContain(`hooks.AfterAllowTraffic.checks[0].queries[${i}].metric.stat: "${stat}"`),
    );
  });

  it('accepts every statistic form CloudWatch documents', () => {
    const known = [
      ...['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum', 'IQM'],
      ...['p99', 'p99.9', 'p0', 'p100', 'tm90', 'TM(2%:98%)', 'TM(150:1000)', 'TM(:95%)', 'TM(10%:)'],
      ...['wm98', 'WM(10%:90%)', 'PR(:300)', 'PR(100:2000)', 'tc90', 'TC(0.005:0.030)', 'ts90', 'TS(80%:)'],
    ];
    const settings = parse({
      AfterAllowTraffic: {
        checks: [cloudWatchCheck(known.slice(0, 20).map((stat, i) => ({ id: `m${i}`, metric: metric({ stat }) })))],
      },
      BeforeAllowTraffic: {
        checks: [cloudWatchCheck(known.slice(20).map((stat, i) => ({ id: `m${i}`, metric: metric({ stat }) })))],
      },
    });
    expect(settings.AfterAllowTraffic?.checks).toHaveLength(1);
    expect(settings.BeforeAllowTraffic?.checks).toHaveLength(1);
  });
});

describe('worst case and timeout', () => {
  const schedule = { count: 3, consecutiveErrorLimit: 1, initialDelay: 2_000, interval: 10_000, timeout: 4_000 };

  it('assumes every measurement times out and every error is retried', () => {
    // 3 conclusive measurements, each after up to 1 error: 6 attempts, 5 intervals between them.
    expect(checkWorstCaseMs(schedule)).toBe(2_000 + 6 * 4_000 + 5 * 10_000);
  });

  it('counts the slowest check once, as checks run side by side, plus discovery', () => {
    const targets = { name: 'green-targets', type: 'targetHealth', ...schedule };
    const hook = parse({
      AfterAllowTestTraffic: { checks: [targets, { ...targets, name: 'again', count: 1 }] },
    }).AfterAllowTestTraffic!;
    // The green target group comes from the task sets: GetDeployment, GetDeploymentGroup, GetDeploymentTarget, DescribeTargetGroups.
    expect(worstCaseMs(hook)).toBe(4 * DISCOVERY_CALL_TIMEOUT_MS + checkWorstCaseMs(schedule));
    expect(hookTimeoutSeconds(hook)).toBe(
      Math.ceil((worstCaseMs(hook) + INIT_ALLOWANCE_MS + REPORT_RESERVE_MS) / 1000),
    );
  });

  it('sets only the deployment lookup aside for a listener whose URL is given', () => {
    // 3 attempts of 5 s and 2 intervals of 5 s, plus start-up and the report: 30 s; the deployment,
    // which chooses the checks, adds 1 call, and discovering the listener 3 more.
    const hook = { checks: [httpCheck({ target: 'test' })], timeoutSeconds: 33 };
    const discovery = { testListener: { url: 'https://orders-test.example.com:8443' } };
    const settings = parse({ discovery, AfterAllowTestTraffic: hook });
    expect(hookTimeoutSeconds(settings.AfterAllowTestTraffic!, settings.discovery)).toBe(
      30 + DISCOVERY_CALL_TIMEOUT_MS / 1000,
    );
    expect(hookTimeoutSeconds(settings.AfterAllowTestTraffic!)).toBe(30 + (4 * DISCOVERY_CALL_TIMEOUT_MS) / 1000);
    expect(problems({ AfterAllowTestTraffic: hook })).toMatch(/needs 42 s, more than timeoutSeconds \(33 s\)/);
  });

  it('gives a hook without checks the minimum timeout, and honours an explicit one', () => {
    expect(worstCaseMs({ checks: [] })).toBe(0);
    expect(functionTimeoutSeconds({ checks: [] })).toBe(10);
    expect(functionTimeoutSeconds({ checks: [], timeoutSeconds: 120 })).toBe(120);
  });

  it('derives each README hook timeout within Lambda limits', () => {
    const settings = parse(readmeExample());
    expect(functionTimeoutSeconds(settings.AfterAllowTestTraffic!)).toBeLessThanOrEqual(900);
    expect(functionTimeoutSeconds(settings.AfterAllowTraffic!)).toBeGreaterThan(
      functionTimeoutSeconds(settings.AfterAllowTestTraffic!),
    );
  });
});

describe('defaults of the hooks settings', () => {
  it('gives every parse its own default objects, so a caller changing one result leaves the next alone', () => {
    const raw = {
      AfterInstall: {},
      BeforeAllowTraffic: { checks: [{ type: 'http', name: 'health', url: 'http://127.0.0.1/health' }] },
    };
    const first = parse(raw);
    const second = parse(raw);
    expect(second.groups).not.toBe(first.groups);
    expect(second.discovery).not.toBe(first.discovery);
    expect(second.AfterInstall!.checks).toEqual([]);
    expect(second.AfterInstall!.checks).not.toBe(first.AfterInstall!.checks);
    const [a, b] = [first.BeforeAllowTraffic!.checks[0]!, second.BeforeAllowTraffic!.checks[0]!];
    expect(a.type === 'http' && b.type === 'http' && b.expect).not.toBe(a.type === 'http' && a.expect);
  });
});
