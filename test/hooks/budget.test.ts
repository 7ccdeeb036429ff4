import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
import { captureLog, virtualTime, mockedHookClients, ORDERS } from './support.js';

const { codedeploy, elbv2, cloudwatch, cd, elb, cw } = mockedHookClients();
const { LB, PROD, TEST, GREEN_TG, BLUE_TG, EVENT } = ORDERS;

let listener: TestListener;
beforeAll(async () => {
  listener = await startTestListener();
});
afterAll(() => listener.close());

beforeEach(() => {
  cd.reset();
  elb.reset();
  cw.reset();
});

type Time = ReturnType<typeof virtualTime>;

/**
 * The orders deployment as CodeDeploy and ELBv2 describe it, every discovery call answering only
 * after `answerMs` on the given clock; the test listener is the local server.
 */
const describeOrdersSlowly = (time: Time, answerMs: number) => {
  const slowly =
    <I, O>(answer: (input: I) => O) =>
    async (input: I): Promise<O> => {
      await time.sleep(answerMs);
      return answer(input);
    };
  cd.on(GetDeploymentCommand).callsFake(
    slowly(() => ({ deploymentInfo: { applicationName: 'orders', deploymentGroupName: 'orders-ecs' } })),
  );
  cd.on(GetDeploymentGroupCommand).callsFake(
    slowly(() => ({
      deploymentGroupInfo: {
        ecsServices: [{ clusterName: 'prod', serviceName: 'orders' }],
        alarmConfiguration: { enabled: true, alarms: [{ name: 'orders-5xx' }] },
        loadBalancerInfo: {
          targetGroupPairInfoList: [
            {
              targetGroups: [{ name: 'orders-blue' }, { name: 'orders-green' }],
              prodTrafficRoute: { listenerArns: [PROD] },
              testTrafficRoute: { listenerArns: [TEST] },
            },
          ],
        },
      },
    })),
  );
  cd.on(GetDeploymentTargetCommand).callsFake(
    slowly(() => ({
      deploymentTarget: {
        deploymentTargetType: 'ECSTarget',
        ecsTarget: {
          taskSetsInfo: [
            { taskSetLabel: 'Blue', targetGroup: { name: 'orders-blue' } },
            { taskSetLabel: 'Green', targetGroup: { name: 'orders-green' } },
          ],
        },
      },
    })),
  );
  elb.on(DescribeListenersCommand).callsFake(
    slowly((input: { ListenerArns?: string[] }) => {
      const arn = input.ListenerArns?.[0];
      const port = arn === TEST ? listener.port : 80;
      return { Listeners: [{ ListenerArn: arn, LoadBalancerArn: LB, Port: port, Protocol: 'HTTP' }] };
    }),
  );
  elb.on(DescribeLoadBalancersCommand).callsFake(slowly(() => ({ LoadBalancers: [{ DNSName: '127.0.0.1' }] })));
  elb.on(DescribeTargetGroupsCommand).callsFake(
    slowly((input: { Names?: string[] }) => {
      const name = input.Names?.[0];
      return {
        TargetGroups: [
          { TargetGroupArn: name === 'orders-blue' ? BLUE_TG : GREEN_TG.replace(/orders-green/, name ?? '') },
        ],
      };
    }),
  );
  elb.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: [{ Target: { Id: '10.0.2.11', Port: 8080 }, TargetHealth: { State: 'healthy' } }],
  });
  cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries?: Array<{ Id?: string }> }) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
      Id: q.Id,
      Timestamps: [new Date(time.clock())],
      Values: [0],
      StatusCode: 'Complete',
    })),
  }));
  cw.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: ['orders-5xx', 'orders-p99-latency'].map((AlarmName) => ({ AlarmName, StateValue: 'OK' })),
  });
  cd.on(PutLifecycleEventHookExecutionStatusCommand).resolves({
    lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId,
  });
};

/** Discovery calls, by operation and input: each must be made at most once per invocation. */
const discoveryCalls = () =>
  [...cd.calls(), ...elb.calls()]
    .map((c) => c.args[0] as { constructor: { name: string }; input: unknown })
    .filter((command) => !/PutLifecycleEventHookExecutionStatus|DescribeTargetHealth/.test(command.constructor.name))
    .map((command) => `${command.constructor.name} ${JSON.stringify(command.input)}`);

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
  { shape: 'named alarms', checks: [{ name: 'alarms', type: 'alarms', alarms: ['orders-5xx'] }], chain: 0 },
  {
    shape: "the deployment group's alarms (deployment, group)",
    checks: [{ name: 'alarms', type: 'alarms', fromDeploymentGroup: true }],
    chain: 2,
  },
  { shape: 'http to a fixed url', checks: [http({ url: 'http://127.0.0.1/health' })], chain: 0 },
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
    chain: 0,
  },
  {
    shape: 'http to a listener whose Host alone is overridden',
    checks: [http({ target: 'test' })],
    discovery: { testListener: { host: 'orders.internal.example.com' } },
    chain: 4,
  },
  { shape: '${deploymentId}', checks: [onVariable('deploymentId')], chain: 0 },
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
    chain: 1,
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
    chain: 0,
  },
  {
    shape: '${greenTargetGroup} and ${loadBalancer} in metric dimensions',
    checks: [metric({ TargetGroup: '${greenTargetGroup}', LoadBalancer: '${loadBalancer}' })],
    chain: 4,
  },
  { shape: 'metric without variables', checks: [metric({ TargetGroup: 'targetgroup/x/1' })], chain: 0 },
  { shape: 'green target health', checks: [{ name: 'targets', type: 'targetHealth' }], chain: 4 },
  {
    shape: 'target health of a named group',
    checks: [{ name: 'targets', type: 'targetHealth', targetGroup: 'orders-green' }],
    chain: 1,
  },
  {
    shape: 'target health of a group by ARN',
    checks: [{ name: 'targets', type: 'targetHealth', targetGroup: GREEN_TG }],
    chain: 0,
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
      describeOrdersSlowly(time, 1_000);
      const settings = withChecks(checks, discovery);
      const hook = settings.AfterAllowTraffic!;
      const env = createEnvironment(
        { deploymentId: EVENT.DeploymentId },
        settings.discovery,
        { codedeploy, elbv2 },
        new AbortController().signal,
      );
      const deps = { cloudwatch, elbv2, fetch: createHttpFetch(), clock: time.clock };
      const started = time.clock();
      const prepared = await time.run(Promise.all(hook.checks.map((check) => prepareCheck(check, env, deps))));
      for (const p of prepared) expect(p).toHaveProperty('measure');
      expect(time.clock() - started).toBe(discoveryChainLength(hook, settings.discovery) * 1_000);
      expect(discoveryCalls()).toEqual([...new Set(discoveryCalls())]);
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
    describeOrdersSlowly(time, answerMs);
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
          codedeploy,
          elbv2,
          cloudwatch,
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
    expect(cd.commandCalls(PutLifecycleEventHookExecutionStatusCommand)[0]?.args[0].input.status).toBe('Succeeded');
    expect(discoveryCalls()).toEqual([...new Set(discoveryCalls())]);
    if (hook === 'after-test-traffic') expect(listener.requests.at(-1)?.path).toBe('/health');
  });
});
