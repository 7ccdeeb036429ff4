import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MetricDataRequest } from '../../lib/aws/cloudwatch.js';
import { createHttpFetch } from '../../lib/hooks/http-probe.js';
import { createMetrics } from '../../lib/metrics.js';
import { type HookDeps, runHook } from '../../lib/hooks/run-hook.js';
import { type HooksSettings, HooksConfigError, parseHooksSettings } from '../../lib/hooks/settings.js';
import { deadlineAt, realClock, realSleep } from '../../lib/time.js';
import { startTestListener, type TestListener } from '../../local/test-listener.js';
import {
  awsError,
  captureLog,
  fakeTime,
  inMemoryHookPorts,
  type InMemoryHookPorts,
  ORDERS,
  ordersWorld,
} from './support.js';

const { GREEN_TG, EVENT } = ORDERS;
let ports: InMemoryHookPorts;

let listener: TestListener;
let hanging: Server;
let hangingPort: number;

beforeAll(async () => {
  listener = await startTestListener();
  hanging = createServer(() => {});
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  hangingPort = (hanging.address() as AddressInfo).port;
});
afterAll(async () => {
  await listener.close();
  hanging.closeAllConnections();
  await new Promise((resolve) => hanging.close(resolve));
});

/** The orders deployment as CodeDeploy and ELBv2 describe it, with the test listener on `testPort`. */
const describeOrders = (testPort: number, group: { testRoute?: boolean } = {}) => {
  ports = inMemoryHookPorts(ordersWorld(testPort));
  if (group.testRoute === false) ports.world.groups.get('orders/orders-ecs')!.testListenerArn = undefined;
};

const settings = (raw: unknown): HooksSettings => {
  const parsed = parseHooksSettings(raw);
  if (parsed instanceof Error) throw parsed;
  return parsed;
};

const healthCheck = {
  name: 'green-health',
  type: 'http',
  target: 'test',
  path: '/health',
  expect: { json: [{ path: '$.status', equals: 'ok' }] },
};
const probeSettings = (extra: Record<string, unknown> = {}) =>
  settings({
    AfterAllowTestTraffic: {
      checks: [
        { ...healthCheck, count: 2, interval: '1s' },
        { name: 'green-targets', type: 'targetHealth' },
      ],
    },
    ...extra,
  });

const deps = (overrides: Partial<HookDeps> = {}) => {
  const time = fakeTime();
  const { log, lines } = captureLog();
  const value: HookDeps = {
    codedeploy: ports.codedeploy,
    elbv2: ports.elbv2,
    cloudwatch: ports.cloudwatch,
    lambda: ports.lambda,
    fetch: createHttpFetch(),
    clock: time.clock,
    sleep: time.sleep,
    deadline: time.deadlineIn(60_000),
    log,
    random: () => 0.5,
    ...overrides,
  };
  return { deps: value, lines, time };
};

/** Every PutLifecycleEventHookExecutionStatus call's input. */
const reports = () => ports.callsOf('PutLifecycleEventHookExecutionStatus').map((c) => c.args[0] as { status: string });
const verdictLine = (lines: Array<Record<string, any>>) => {
  const verdicts = lines.filter((l) => l.message === 'hook verdict');
  expect(verdicts).toHaveLength(1);
  return verdicts[0]!;
};

beforeEach(() => {
  // Tests that describe no deployment still report: an empty account answers the report alone.
  ports = inMemoryHookPorts({ ...ordersWorld(), deployments: new Map(), groups: new Map() });
  listener.setMode('pass');
});

describe('runHook reports exactly once', () => {
  it('reports Succeeded when every check passes', async () => {
    describeOrders(listener.port);
    const { deps: d, lines } = deps();
    const verdict = await runHook({ hookId: 'after-test-traffic', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict).toMatchObject({
      hook: 'AfterAllowTestTraffic',
      status: 'Succeeded',
      report: { outcome: 'reported', attempts: 1 },
    });
    expect(reports()).toEqual([
      {
        deploymentId: 'd-EC5H00K01',
        lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId,
        status: 'Succeeded',
      },
    ]);
    expect(listener.requests.filter((r) => r.path === '/health').length).toBeGreaterThanOrEqual(2);
    const measurements = lines.filter((l) => l.message === 'hook measurement' && l.check === 'green-health');
    expect(measurements[0]).toMatchObject({
      hook: 'AfterAllowTestTraffic',
      deploymentId: 'd-EC5H00K01',
      check: 'green-health',
      attempt: 1,
      outcome: 'pass',
      status: 200,
    });
    expect(verdictLine(lines)).toMatchObject({
      level: 'info',
      status: 'Succeeded',
      report: 'reported',
      checks: [
        { name: 'green-health', verdict: 'pass' },
        { name: 'green-targets', verdict: 'pass' },
      ],
    });
  });

  it('counts each verdict by hook and result, once it is reported', async () => {
    describeOrders(listener.port);
    const { deps: d } = deps();
    const metrics = createMetrics();
    let reportedBeforeCounting: boolean | undefined;
    const counting = {
      add: (...args: Parameters<typeof metrics.add>) => {
        reportedBeforeCounting = reports().length === 1;
        metrics.add(...args);
      },
    };
    await runHook({
      hookId: 'after-test-traffic',
      event: EVENT,
      settings: probeSettings(),
      deps: { ...d, metrics: counting },
    });
    expect(metrics.pending()).toEqual([
      { name: 'HookVerdicts', dimensions: { hook: 'AfterAllowTestTraffic', result: 'Succeeded' }, value: 1 },
    ]);
    expect(reportedBeforeCounting).toBe(true);
  });

  it('reports Failed when the green task set answers badly, saying why', async () => {
    describeOrders(listener.port);
    listener.setMode('fail');
    const { deps: d, lines } = deps();
    const verdict = await runHook({ hookId: 'after-test-traffic', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toMatch(
      /^check "green-health" failed: 1 of 1 measurements failed .*status 503, expected 2xx; \$\.status is "degraded", expected "ok"/,
    );
    expect(reports().map((r) => r.status)).toEqual(['Failed']);
    expect(verdictLine(lines)).toMatchObject({ status: 'Failed', reason: verdict.reason });
  });

  it(
    'reports Failed in time when the answer defeats a backtracking body pattern',
    // Guards the suite against a regression, which would block the event loop for minutes.
    { timeout: 5_000 },
    async () => {
      describeOrders(listener.port);
      const server = createServer((_req, res) => res.end(`${'a'.repeat(30)}!`));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const check = { name: 'token', type: 'http', url: `http://127.0.0.1:${port}/token`, consecutiveErrorLimit: 0 };
        const { deps: d, lines } = deps();
        const verdict = await runHook({
          hookId: 'after-test-traffic',
          event: EVENT,
          settings: settings({ AfterAllowTestTraffic: { checks: [{ ...check, expect: { bodyMatches: '^(a+)+$' } }] } }),
          deps: d,
        });
        expect(verdict.status).toBe('Failed');
        expect(verdict.reason).toMatch(/check "token" failed: .*last: body does not match \/\^\(a\+\)\+\$\//);
        expect(reports().map((r) => r.status)).toEqual(['Failed']);
        expect(verdictLine(lines).report).toBe('reported');
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );

  it('reports Failed when a check throws', async () => {
    describeOrders(listener.port);
    ports.fail(
      'DescribeAlarms',
      awsError('AccessDenied', 'User is not authorized to perform: cloudwatch:DescribeAlarms'),
    );
    const { deps: d } = deps();
    const verdict = await runHook({
      hookId: 'after-traffic',
      event: EVENT,
      settings: settings({
        AfterAllowTraffic: {
          checks: [{ name: 'alarms', type: 'alarms', fromDeploymentGroup: true, consecutiveErrorLimit: 0 }],
        },
      }),
      deps: d,
    });
    expect(verdict).toMatchObject({
      status: 'Failed',
      reason: expect.stringMatching(/check "alarms" error: .*AccessDenied: User is not authorized/),
    });
    expect(reports().map((r) => r.status)).toEqual(['Failed']);
  });

  it('reports Failed when the probe itself blows up', async () => {
    describeOrders(listener.port);
    const { deps: d } = deps({
      fetch: () => {
        throw new TypeError('Cannot read properties of undefined');
      },
    });
    const verdict = await runHook({
      hookId: 'after-test-traffic',
      event: EVENT,
      settings: settings({ AfterAllowTestTraffic: { checks: [{ ...healthCheck, consecutiveErrorLimit: 0 }] } }),
      deps: d,
    });
    expect(verdict).toMatchObject({
      status: 'Failed',
      reason: expect.stringContaining('TypeError: Cannot read properties of undefined'),
    });
    expect(reports()).toHaveLength(1);
  });

  it('reports Failed at the deadline, aborting a probe that is still waiting', async () => {
    describeOrders(hangingPort);
    const end = Date.now() + 1_300;
    let asked = 0;
    // Time looked sufficient when the hook started, then ran out faster than planned (a slow start).
    const deadline = { remainingMs: () => (asked++ === 0 ? 600_000 : end - Date.now()) };
    const { deps: d, lines } = deps({ clock: realClock, sleep: realSleep, deadline, reportReserveMs: 1_000 });
    const verdict = await runHook({
      hookId: 'after-test-traffic',
      event: EVENT,
      settings: settings({ AfterAllowTestTraffic: { checks: [{ ...healthCheck, timeout: '60s' }] } }),
      deps: d,
    });
    expect(verdict.status).toBe('Failed');
    expect(verdict.checks[0]).toMatchObject({ verdict: 'deadline' });
    expect(verdict.reason).toMatch(/check "green-health" deadline: stopped/);
    expect(reports().map((r) => r.status)).toEqual(['Failed']);
    expect(verdictLine(lines).report).toBe('reported');
  });

  it('reports Failed at once when the invocation has less time than the checks may need', async () => {
    describeOrders(hangingPort);
    const { deps: d } = deps({ deadline: deadlineAt(Date.now() + 20_000, Date.now) });
    const verdict = await runHook({ hookId: 'after-test-traffic', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toMatch(
      /HookBudgetError: the checks' worst case needs \d+ s but the invocation has (19|20) s/,
    );
    expect(verdict.checks).toEqual([]);
    expect(reports().map((r) => r.status)).toEqual(['Failed']);
  });

  it('reports Failed for a configuration found invalid at cold start', async () => {
    const invalid = parseHooksSettings({ AfterAllowTestTraffic: { checks: [{ name: 'x', type: 'http', count: 0 }] } });
    expect(invalid).toBeInstanceOf(HooksConfigError);
    const { deps: d, lines } = deps();
    const verdict = await runHook({
      hookId: 'after-test-traffic',
      event: EVENT,
      settings: invalid as HooksConfigError,
      deps: d,
    });
    expect(verdict).toMatchObject({
      status: 'Failed',
      reason: expect.stringMatching(
        /^HooksConfigError: invalid hooks settings:\nhooks\.AfterAllowTestTraffic\.checks\[0\]\.count/,
      ),
    });
    expect(reports().map((r) => r.status)).toEqual(['Failed']);
    expect(lines.find((l) => l.message === 'hook could not evaluate its checks')).toMatchObject({ level: 'error' });
  });

  it('reports Failed when the test listener cannot be resolved', async () => {
    describeOrders(listener.port, { testRoute: false });
    const before = listener.requests.length;
    const { deps: d } = deps();
    const verdict = await runHook({ hookId: 'after-test-traffic', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toContain(
      'check "green-health" unresolved: the test listener could not be resolved: deployment group orders/orders-ecs has no test traffic route',
    );
    expect(listener.requests).toHaveLength(before);
    expect(reports().map((r) => r.status)).toEqual(['Failed']);
  });

  it('counts LifecycleEventAlreadyCompletedException as reported', async () => {
    describeOrders(listener.port);
    ports.world.completed.add(EVENT.LifecycleEventHookExecutionId);
    const { deps: d, lines } = deps();
    const verdict = await runHook({ hookId: 'after-test-traffic', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict.report).toEqual({ outcome: 'already-completed', attempts: 1 });
    expect(reports()).toHaveLength(1);
    expect(verdictLine(lines)).toMatchObject({ level: 'info', report: 'already-completed' });
  });

  it('retries a throttled report until it is accepted', async () => {
    describeOrders(listener.port);
    ports.fail('PutLifecycleEventHookExecutionStatus', awsError('ThrottlingException', 'Rate exceeded'), 1);
    const { deps: d, lines, time } = deps();
    const verdict = await runHook({ hookId: 'after-test-traffic', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict.report).toEqual({ outcome: 'reported', attempts: 2 });
    expect(reports().map((r) => r.status)).toEqual(['Succeeded', 'Succeeded']);
    expect(lines.filter((l) => l.message === 'hook status report retried')).toHaveLength(1);
    expect(time.sleeps.at(-1)).toBe(50);
  });

  it('gives up on a report still throttled after six attempts in all', async () => {
    describeOrders(listener.port);
    ports.fail('PutLifecycleEventHookExecutionStatus', awsError('ThrottlingException', 'Rate exceeded'));
    const { deps: d, lines } = deps();
    const verdict = await runHook({ hookId: 'after-test-traffic', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict.report).toMatchObject({ outcome: 'failed', attempts: 6 });
    expect(reports()).toHaveLength(6);
    expect(lines.filter((l) => l.message === 'hook status report retried')).toHaveLength(5);
    expect(verdictLine(lines)).toMatchObject({ level: 'error', report: 'failed', reportAttempts: 6 });
  });

  it('gives up on a report that keeps failing, and says so at error level', async () => {
    describeOrders(listener.port);
    ports.fail('PutLifecycleEventHookExecutionStatus', awsError('AccessDeniedException', 'not authorized'));
    const { deps: d, lines } = deps();
    const verdict = await runHook({ hookId: 'after-test-traffic', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict.report.outcome).toBe('failed');
    expect(reports()).toHaveLength(1);
    expect(verdictLine(lines)).toMatchObject({
      level: 'error',
      report: 'failed',
      reportError: { name: 'AccessDeniedException' },
    });
  });

  it('cannot report for an event without execution ids, and says so', async () => {
    const { deps: d, lines } = deps();
    const verdict = await runHook({
      hookId: 'after-test-traffic',
      event: { detail: {} },
      settings: probeSettings(),
      deps: d,
    });
    expect(verdict).toMatchObject({ status: 'Failed', report: { outcome: 'not-attempted' } });
    expect(verdict.reason).toMatch(
      /^InvalidHookEventError: expected \{ DeploymentId, LifecycleEventHookExecutionId \}/,
    );
    expect(reports()).toHaveLength(0);
    expect(verdictLine(lines).level).toBe('error');
  });

  it('reports Failed for a function configured with an unknown hook id', async () => {
    const { deps: d } = deps();
    const verdict = await runHook({
      hookId: 'afterAllowTestTraffic',
      event: EVENT,
      settings: probeSettings(),
      deps: d,
    });
    expect(verdict.reason).toMatch(
      /UnknownHookError: unknown hook id "afterAllowTestTraffic"; expected one of before-install, /,
    );
    expect(reports().map((r) => r.status)).toEqual(['Failed']);
  });

  it('reports Failed for a group without checks, naming the group and the key to add', async () => {
    describeOrders(listener.port);
    const { deps: d } = deps();
    const verdict = await runHook({ hookId: 'before-install', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict).toMatchObject({ status: 'Failed', deploymentGroup: 'orders/orders-ecs', checks: [] });
    expect(verdict.reason).toContain('no BeforeInstall checks for deployment group orders/orders-ecs');
    expect(verdict.reason).toContain('hooks.groups["orders/orders-ecs"].BeforeInstall.checks');
    expect(verdict.reason).toContain('hooks.groups["orders/orders-ecs"].allowUnchecked: true');
    expect(ports.calls.map((c) => c.operation)).toEqual(['GetDeployment', 'PutLifecycleEventHookExecutionStatus']);
    expect(reports().map((r) => r.status)).toEqual(['Failed']);
  });

  it('reports Succeeded for a group without checks that the settings let pass unchecked', async () => {
    describeOrders(listener.port);
    const { deps: d } = deps();
    const verdict = await runHook({
      hookId: 'before-install',
      event: EVENT,
      settings: probeSettings({ groups: { 'orders/*': { allowUnchecked: true } } }),
      deps: d,
    });
    expect(verdict).toMatchObject({ status: 'Succeeded', checks: [] });
    expect(verdict.reason).toMatch(/no BeforeInstall checks for orders\/orders-ecs, which may pass unchecked/);
    expect(reports().map((r) => r.status)).toEqual(['Succeeded']);
  });

  it('reports Failed when the deployment cannot be read, as its group chooses the checks', async () => {
    describeOrders(listener.port);
    ports.fail(
      'GetDeployment',
      awsError('AccessDeniedException', 'not authorized to perform codedeploy:GetDeployment'),
    );
    const { deps: d } = deps();
    const verdict = await runHook({ hookId: 'after-test-traffic', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toMatch(
      /the deployment group could not be found: GetDeployment failed: AccessDeniedException/,
    );
    expect(reports().map((r) => r.status)).toEqual(['Failed']);
  });

  it('reports Succeeded in observe-only mode, logging what would have failed', async () => {
    describeOrders(listener.port);
    listener.setMode('fail');
    const { deps: d, lines } = deps();
    const verdict = await runHook({
      hookId: 'after-test-traffic',
      event: EVENT,
      settings: probeSettings({ observeOnly: true }),
      deps: d,
    });
    expect(verdict).toMatchObject({
      status: 'Succeeded',
      observeOnly: true,
      reason: expect.stringMatching(/^observe only, would have failed: check "green-health" failed/),
    });
    expect(reports().map((r) => r.status)).toEqual(['Succeeded']);
    expect(verdict.checks.map((c) => c.verdict)).toEqual(['fail', 'pass']);
    expect(verdictLine(lines).observeOnly).toBe(true);
  });
});

describe('discovery', () => {
  const cloudFormationTarget = () =>
    ports.world.taskSets.set('prod:orders', { targetType: 'CloudFormationTarget', taskSetCount: 0 });

  it('fails closed on a CloudFormation-driven deployment without task sets', async () => {
    describeOrders(listener.port);
    cloudFormationTarget();
    const { deps: d } = deps();
    const verdict = await runHook({ hookId: 'after-test-traffic', event: EVENT, settings: probeSettings(), deps: d });
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toContain(
      'exposes no task sets, as with CloudFormation-driven deployments; set hooks.discovery.greenTargetGroup',
    );
  });

  it('uses the green target group named in the settings instead', async () => {
    describeOrders(listener.port);
    cloudFormationTarget();
    const { deps: d } = deps();
    const verdict = await runHook({
      hookId: 'after-test-traffic',
      event: EVENT,
      settings: probeSettings({ discovery: { greenTargetGroup: GREEN_TG } }),
      deps: d,
    });
    expect(verdict.status).toBe('Succeeded');
    expect(ports.callsOf('DescribeTargetHealth')[0]?.args).toEqual([GREEN_TG]);
    expect(ports.callsOf('GetDeploymentTarget')).toHaveLength(0);
  });

  it('probes an overridden listener URL with its Host header, without asking ELBv2', async () => {
    describeOrders(listener.port);
    const { deps: d } = deps();
    const verdict = await runHook({
      hookId: 'after-test-traffic',
      event: EVENT,
      settings: settings({
        discovery: { testListener: { url: `${listener.url}/`, host: 'orders.internal.example.com' } },
        AfterAllowTestTraffic: { checks: [healthCheck] },
      }),
      deps: d,
    });
    expect(verdict.status).toBe('Succeeded');
    expect(listener.requests.at(-1)).toMatchObject({ path: '/health', host: 'orders.internal.example.com' });
    // The deployment alone, which names the group whose checks run.
    expect(ports.calls.map((c) => c.operation)).toEqual(['GetDeployment', 'PutLifecycleEventHookExecutionStatus']);
  });

  it('fills CloudWatch dimensions with the green target group and load balancer', async () => {
    describeOrders(listener.port);
    ports.world.metricData = () => [
      { id: 'rate', timestamps: [Date.now()], values: [0.2], statusCode: 'Complete', messages: [] },
    ];
    const { deps: d } = deps();
    const metric = (name: string) => ({
      namespace: 'AWS/ApplicationELB',
      name,
      stat: 'Sum',
      dimensions: { TargetGroup: '${greenTargetGroup}', LoadBalancer: '${loadBalancer}' },
    });
    const verdict = await runHook({
      hookId: 'after-traffic',
      event: EVENT,
      settings: settings({
        AfterAllowTraffic: {
          checks: [
            {
              name: 'green-5xx-rate',
              type: 'cloudwatch',
              window: '10m',
              queries: [
                { id: 'errors', metric: metric('HTTPCode_Target_5XX_Count') },
                { id: 'requests', metric: metric('RequestCount') },
                { id: 'rate', expression: '100 * errors / requests' },
              ],
              reduce: 'max',
              passWhen: '<=',
              threshold: 1,
              noData: 'fail',
            },
          ],
        },
      }),
      deps: d,
    });
    expect(verdict).toMatchObject({
      status: 'Succeeded',
      checks: [{ verdict: 'pass', reason: '1 of 1 measurements passed' }],
    });
    const request = ports.callsOf('GetMetricData')[0]!.args[0] as MetricDataRequest;
    expect(request.queries[0]).toMatchObject({
      Id: 'errors',
      ReturnData: false,
      MetricStat: {
        Metric: {
          Dimensions: [
            { Name: 'TargetGroup', Value: 'targetgroup/orders-green/5e7f9a1b3c5d7e9f' },
            { Name: 'LoadBalancer', Value: 'app/orders-prod/7d3e9a1b2c4f5e60' },
          ],
        },
        Period: 60,
        Stat: 'Sum',
      },
    });
    expect(request.queries[2]).toMatchObject({
      Id: 'rate',
      Expression: '100 * errors / requests',
      ReturnData: true,
    });
    expect(request.end.getTime() - request.start.getTime()).toBe(600_000);
  });
});
