import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  checkWorstCaseMs,
  DISCOVERY_ALLOWANCE_MS,
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

describe('worst case and timeout', () => {
  const schedule = { count: 3, consecutiveErrorLimit: 1, initialDelay: 2_000, interval: 10_000, timeout: 4_000 };

  it('assumes every measurement times out and every error is retried', () => {
    // 3 conclusive measurements, each after up to 1 error: 6 attempts, 5 intervals between them.
    expect(checkWorstCaseMs(schedule)).toBe(2_000 + 6 * 4_000 + 5 * 10_000);
  });

  it('counts the slowest check once, as checks run side by side, plus discovery', () => {
    const hook = { checks: [schedule, { ...schedule, count: 1 }] as never };
    expect(worstCaseMs(hook)).toBe(DISCOVERY_ALLOWANCE_MS + checkWorstCaseMs(schedule));
    expect(hookTimeoutSeconds(hook)).toBe(
      Math.ceil((worstCaseMs(hook) + INIT_ALLOWANCE_MS + REPORT_RESERVE_MS) / 1000),
    );
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
