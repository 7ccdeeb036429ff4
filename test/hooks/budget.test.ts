import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DISCOVERY_CALL_TIMEOUT_MS,
  discoveryChainLength,
  functionTimeoutSeconds,
  INIT_ALLOWANCE_MS,
} from '../../lib/hooks/budget.js';
import { createEnvironment } from '../../lib/hooks/discovery.js';
import { createHttpFetch } from '../../lib/hooks/http-probe.js';
import { prepareCheck } from '../../lib/hooks/measures.js';
import { runHook } from '../../lib/hooks/run-hook.js';
import { type HooksSettings, parseHooksSettings } from '../../lib/hooks/settings.js';
import { startTestListener, type TestListener } from '../../local/test-listener.js';
import {
  captureLog,
  DISCOVERY_OPERATIONS,
  inMemoryHookPorts,
  type InMemoryHookPorts,
  ORDERS,
  ordersWorld,
  PRICING,
  pricingWorld,
  virtualTime,
} from './support.js';

const { LB, GREEN_TG, BLUE_TG, EVENT } = ORDERS;

let listener: TestListener;
beforeAll(async () => {
  listener = await startTestListener();
});
afterAll(() => listener.close());

type Time = ReturnType<typeof virtualTime>;

/**
 * The orders deployment as CodeDeploy and ELBv2 describe it, every discovery call answering only
 * after `answerMs` on the given clock; the test listener is the local server.
 */
const describeOrdersSlowly = (time: Time, answerMs: number): InMemoryHookPorts => {
  const ports = inMemoryHookPorts(ordersWorld(listener.port), { discoveryDelayMs: answerMs, sleep: time.sleep });
  ports.world.alarms = ['orders-5xx', 'orders-p99-latency'].map((name) => ({ name, state: 'OK' }));
  ports.world.metricData = (request) =>
    request.queries.map((q) => ({
      id: q.Id ?? '',
      timestamps: [time.clock()],
      values: [0],
      statusCode: 'Complete',
      messages: [],
    }));
  return ports;
};

/** Discovery calls, by operation and input: each must be made at most once per invocation. */
const discoveryCalls = (ports: InMemoryHookPorts) =>
  ports.calls
    .filter((c) => DISCOVERY_OPERATIONS.has(c.operation))
    .map((c) => `${c.operation} ${JSON.stringify(c.args)}`);

const parse = (raw: unknown): HooksSettings => {
  const parsed = parseHooksSettings(raw);
  if (parsed instanceof Error) throw parsed;
  return parsed;
};

/** Parsed settings with these checks in AfterAllowTraffic (where every kind of probe is allowed). */
const withChecks = (checks: unknown[], discovery: unknown = {}) => parse({ discovery, AfterAllowTraffic: { checks } });

const http = (extra: Record<string, unknown>) => ({ name: 'probe', type: 'http', path: '/health', ...extra });
const onVariable = (name: string) => http({ url: 'http://127.0.0.1/health', headers: { 'x-value': `\${${name}}` } });
const metric = (dimensions: Record<string, string>) => ({
  name: 'metric',
  type: 'cloudwatch',
  queries: [{ id: 'm', metric: { namespace: 'AWS/ApplicationELB', name: 'RequestCount', dimensions } }],
  reduce: 'max',
  passWhen: '>=',
  threshold: 0,
  noData: 'pass',
});
const ARN_OVERRIDES = { greenTargetGroup: GREEN_TG, blueTargetGroup: BLUE_TG, loadBalancer: LB };

/** Check shapes and the longest run of discovery calls, one waiting for the other, that each needs. */
const SHAPES: Array<{ shape: string; checks: unknown[]; discovery?: unknown; chain: number }> = [
  { shape: 'no checks', checks: [], chain: 0 },
  {
    shape: 'named alarms (deployment)',
    checks: [{ name: 'alarms', type: 'alarms', alarms: ['orders-5xx'] }],
    chain: 1,
  },
  {
    shape: "the deployment group's alarms (deployment, group)",
    checks: [{ name: 'alarms', type: 'alarms', fromDeploymentGroup: true }],
    chain: 2,
  },
  { shape: 'http to a fixed url', checks: [http({ url: 'http://127.0.0.1/health' })], chain: 1 },
  {
    shape: 'http to the test listener (deployment, group, listener, load balancer)',
    checks: [http({ target: 'test' })],
    chain: 4,
  },
  { shape: 'http to the production listener', checks: [http({ target: 'production' })], chain: 4 },
  {
    shape: 'http to an overridden listener url',
    checks: [http({ target: 'test' })],
    discovery: { testListener: { url: 'http://127.0.0.1:1' } },
    chain: 1,
  },
  {
    shape: 'http to a listener whose Host alone is overridden',
    checks: [http({ target: 'test' })],
    discovery: { testListener: { host: 'orders.internal.example.com' } },
    chain: 4,
  },
  { shape: '${deploymentId}', checks: [onVariable('deploymentId')], chain: 1 },
  { shape: '${applicationName}', checks: [onVariable('applicationName')], chain: 1 },
  { shape: '${deploymentGroupName}', checks: [onVariable('deploymentGroupName')], chain: 1 },
  {
    shape: '${greenTargetGroup} (deployment, group, target, target group)',
    checks: [onVariable('greenTargetGroup')],
    chain: 4,
  },
  { shape: '${blueTargetGroup}', checks: [onVariable('blueTargetGroup')], chain: 4 },
  { shape: '${greenTargetGroupName}', checks: [onVariable('greenTargetGroupName')], chain: 4 },
  { shape: '${blueTargetGroupName}', checks: [onVariable('blueTargetGroupName')], chain: 4 },
  {
    shape: '${loadBalancer} (deployment, group, production listener)',
    checks: [onVariable('loadBalancer')],
    chain: 3,
  },
  {
    shape: 'target group variables from overridden names',
    checks: [http({ url: 'http://127.0.0.1/${greenTargetGroup}', headers: { b: '${blueTargetGroupName}' } })],
    discovery: { greenTargetGroup: 'orders-green', blueTargetGroup: 'orders-blue' },
    chain: 2,
  },
  {
    shape: 'every variable from overridden ARNs',
    checks: [
      http({
        url: 'http://127.0.0.1/${greenTargetGroup}/${blueTargetGroupName}',
        headers: { lb: '${loadBalancer}', id: '${deploymentId}' },
      }),
    ],
    discovery: ARN_OVERRIDES,
    chain: 1,
  },
  {
    shape: '${greenTargetGroup} and ${loadBalancer} in metric dimensions',
    checks: [metric({ TargetGroup: '${greenTargetGroup}', LoadBalancer: '${loadBalancer}' })],
    chain: 4,
  },
  { shape: 'metric without variables', checks: [metric({ TargetGroup: 'targetgroup/x/1' })], chain: 1 },
  { shape: 'green target health', checks: [{ name: 'targets', type: 'targetHealth' }], chain: 4 },
  {
    shape: 'target health of a named group',
    checks: [{ name: 'targets', type: 'targetHealth', targetGroup: 'orders-green' }],
    chain: 2,
  },
  {
    shape: 'target health of a group by ARN',
    checks: [{ name: 'targets', type: 'targetHealth', targetGroup: GREEN_TG }],
    chain: 1,
  },
  {
    shape: 'seven calls: ${greenTargetGroup}, ${loadBalancer} and the test listener, looked up side by side',
    checks: [http({ target: 'test', headers: { tg: '${greenTargetGroup}', lb: '${loadBalancer}' } })],
    chain: 4,
  },
  {
    shape: 'several checks: the longest chain of any',
    checks: [
      { name: 'alarms', type: 'alarms', fromDeploymentGroup: true },
      http({ url: 'http://127.0.0.1/${applicationName}' }),
      { ...onVariable('loadBalancer'), name: 'lb' },
    ],
    chain: 3,
  },
];

describe('discoveryChainLength', () => {
  it.each(SHAPES)('$shape: $chain', ({ checks, discovery, chain }) => {
    const settings = withChecks(checks, discovery);
    expect(discoveryChainLength(settings.AfterAllowTraffic!, settings.discovery)).toBe(chain);
  });

  it('assumes nothing is overridden when no discovery settings are given', () => {
    const settings = withChecks([http({ target: 'test' })], { testListener: { url: 'http://127.0.0.1:1' } });
    expect(discoveryChainLength(settings.AfterAllowTraffic!)).toBe(4);
  });

  it.each(SHAPES)(
    '$shape: matches the time the real lookups take when each call answers after 1 s',
    async ({ checks, discovery }) => {
      const time = virtualTime();
      const ports = describeOrdersSlowly(time, 1_000);
      const settings = withChecks(checks, discovery);
      const hook = settings.AfterAllowTraffic!;
      const deps = {
        ...ports,
        fetch: createHttpFetch(),
        clock: time.clock,
        sleep: time.sleep,
        deadline: time.deadlineIn(60_000),
      };
      const env = createEnvironment(
        { deploymentId: EVENT.DeploymentId },
        settings.discovery,
        deps,
        new AbortController().signal,
      );
      const started = time.clock();
      // As the hook does: the deployment first, as it chooses the checks; then the checks side by side.
      const prepare = async () => {
        if (hook.checks.length > 0) await env.deployment();
        return Promise.all(hook.checks.map((check) => prepareCheck(check, env, deps)));
      };
      const prepared = await time.run(prepare());
      for (const p of prepared) expect(p).toHaveProperty('measure');
      expect(time.clock() - started).toBe(discoveryChainLength(hook, settings.discovery) * 1_000);
      expect(discoveryCalls(ports)).toEqual([...new Set(discoveryCalls(ports))]);
    },
  );
});

describe('discovery of a Lambda deployment', () => {
  const LAMBDA_SHAPES: Array<{ shape: string; checks: unknown[]; chain: number }> = [
    {
      shape: 'an invoke check (deployment, then target list, then target)',
      checks: [{ name: 'smoke', type: 'invoke', function: 'pricing-api' }],
      chain: 3,
    },
    {
      shape: '${targetVersion} in an alarm name',
      checks: [{ name: 'alarms', type: 'alarms', alarms: ['${functionName}-v${targetVersion}'] }],
      chain: 3,
    },
  ];

  it.each(LAMBDA_SHAPES)(
    '$shape: $chain calls, as long as the real lookups take when each answers after 1 s',
    async ({ checks, chain }) => {
      const time = virtualTime();
      const ports = inMemoryHookPorts(pricingWorld(), { discoveryDelayMs: 1_000, sleep: time.sleep });
      const hook = withChecks(checks).AfterAllowTraffic!;
      expect(discoveryChainLength(hook)).toBe(chain);
      const deps = {
        ...ports,
        fetch: createHttpFetch(),
        clock: time.clock,
        sleep: time.sleep,
        deadline: time.deadlineIn(60_000),
      };
      const env = createEnvironment(
        { deploymentId: PRICING.EVENT.DeploymentId },
        {},
        deps,
        new AbortController().signal,
      );
      const started = time.clock();
      const prepare = async () => {
        await env.deployment();
        return Promise.all(hook.checks.map((check) => prepareCheck(check, env, deps)));
      };
      const prepared = await time.run(prepare());
      for (const p of prepared) expect(p).toHaveProperty('measure');
      expect(time.clock() - started).toBe(chain * 1_000);
    },
  );
});

describe('a hook whose discovery answers just within its per-call timeouts', () => {
  // Tight schedules: a check that passes uses all but `timeout` of its worst case, so discovery
  // that overran its allowance would leave it too little time for its last wait.
  const tight = { count: 2, interval: '4s', initialDelay: '6s', timeout: '1s', consecutiveErrorLimit: 0 };
  const HOOKS: Array<{
    shape: string;
    hook: 'after-traffic' | 'after-test-traffic';
    checks: unknown[];
    /** Overrides naming the local server, known only once it listens. */
    discovery?: () => unknown;
  }> = [
    {
      shape: "the README's AfterAllowTraffic: ${greenTargetGroup} and ${loadBalancer} dimensions, group alarms",
      hook: 'after-traffic',
      checks: [
        {
          ...metric({ TargetGroup: '${greenTargetGroup}', LoadBalancer: '${loadBalancer}' }),
          name: 'green-5xx-rate',
          ...tight,
        },
        { name: 'no-alarms', type: 'alarms', alarms: ['orders-p99-latency'], fromDeploymentGroup: true, ...tight },
      ],
    },
    {
      shape: 'an HTTP probe of the test listener sending ${greenTargetGroup}',
      hook: 'after-test-traffic',
      checks: [http({ name: 'green-health', target: 'test', headers: { 'x-tg': '${greenTargetGroup}' }, ...tight })],
    },
    {
      shape: 'an HTTP probe of the test listener sending ${greenTargetGroup} and ${loadBalancer} (seven calls)',
      hook: 'after-test-traffic',
      checks: [
        http({
          name: 'green-health',
          target: 'test',
          headers: { 'x-tg': '${greenTargetGroup}', 'x-lb': '${loadBalancer}' },
          ...tight,
        }),
      ],
    },
    {
      shape: 'an HTTP probe of an overridden test listener URL sending ${applicationName} (one call)',
      hook: 'after-test-traffic',
      discovery: () => ({ testListener: { url: listener.url } }),
      checks: [http({ name: 'green-health', target: 'test', headers: { 'x-app': '${applicationName}' }, ...tight })],
    },
  ];

  it.each(HOOKS)('reports Succeeded within its packaged timeout: $shape', async ({ hook, checks, discovery }) => {
    const time = virtualTime();
    const answerMs = DISCOVERY_CALL_TIMEOUT_MS - 100;
    const ports = describeOrdersSlowly(time, answerMs);
    const name = hook === 'after-traffic' ? 'AfterAllowTraffic' : 'AfterAllowTestTraffic';
    const settings = parse({ discovery: discovery?.(), [name]: { checks } });
    const timeoutMs = functionTimeoutSeconds(settings[name]!, settings.discovery) * 1_000;
    // The worst start: cold start and event parsing used up all of their allowance.
    const invocationMs = timeoutMs - INIT_ALLOWANCE_MS;
    const { log } = captureLog();
    const realFetch = createHttpFetch();
    const verdict = await time.run(
      runHook({
        hookId: hook,
        event: EVENT,
        settings,
        deps: {
          codedeploy: ports.codedeploy,
          elbv2: ports.elbv2,
          cloudwatch: ports.cloudwatch,
          lambda: ports.lambda,
          fetch: (request) => time.busy(() => realFetch(request)),
          clock: time.clock,
          sleep: time.sleep,
          deadline: time.deadlineIn(invocationMs),
          log,
          random: () => 0.5,
        },
      }),
    );
    expect(verdict).toMatchObject({ status: 'Succeeded', report: { outcome: 'reported' } });
    expect(verdict.checks.map((c) => c.verdict)).toEqual(checks.map(() => 'pass'));
    expect(verdict.durationMs).toBeLessThanOrEqual(invocationMs);
    expect(ports.callsOf('PutLifecycleEventHookExecutionStatus').map((c) => c.args[0])).toMatchObject([
      { status: 'Succeeded' },
    ]);
    expect(discoveryCalls(ports)).toEqual([...new Set(discoveryCalls(ports))]);
    if (hook === 'after-test-traffic') expect(listener.requests.at(-1)?.path).toBe('/health');
  });
});
