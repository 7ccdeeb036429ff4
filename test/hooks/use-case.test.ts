import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudWatchPortOver } from '../../lib/aws/cloudwatch.js';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { lambdaPortOver } from '../../lib/aws/lambda.js';
import { clientConfig } from '../../lib/aws/config.js';
import { elbv2PortOver } from '../../lib/aws/elbv2.js';
import { createHttpFetch } from '../../lib/hooks/http-probe.js';
import { runHook } from '../../lib/hooks/run-hook.js';
import { type HooksSettings, parseHooksSettings } from '../../lib/hooks/settings.js';
import { type AwsStandIn, startAwsStandIn } from '../../local/standins/aws.js';
import {
  CLOUDWATCH_TARGET_PREFIX,
  type CloudWatchModel,
  cloudWatchOperations,
} from '../../local/standins/cloudwatch.js';
import { CODEDEPLOY_TARGET_PREFIX, codeDeployOperations } from '../../local/standins/codedeploy.js';
import { ELBV2_VERSION, elbv2Service, type Elbv2Model } from '../../local/standins/elbv2.js';
import type { Scenario } from '../../local/standins/state.js';
import { startTestListener, type TestListener } from '../../local/test-listener.js';
import {
  ORDERS_HOOK_EXECUTIONS,
  ORDERS_LOAD_BALANCER,
  ordersHookAccount,
  ordersLoadBalancer,
} from '../support/accounts.js';
import { loadEvent } from '../support/fixtures.js';
import { captureLog, fakeTime } from './support.js';

/**
 * The AfterAllowTestTraffic hook of the orders deployment (d-EC5H00K01), end to end: the real
 * ports, with the service's client settings, against the CodeDeploy, ELBv2 and CloudWatch stand-ins
 * (each protocol on the wire, metric math included) serving the tests' orders account, and a local
 * server standing in for the green task set behind the test listener.
 */

const MINUTE = 60_000;
const dimensions = {
  TargetGroup: ORDERS_LOAD_BALANCER.greenTargetGroupArn.split(':').at(-1)!,
  LoadBalancer: ORDERS_LOAD_BALANCER.loadBalancerArn.split(':loadbalancer/')[1]!,
};

const SETTINGS = {
  AfterAllowTestTraffic: {
    checks: [
      {
        name: 'green-health',
        type: 'http',
        target: 'test',
        path: '/health',
        expect: {
          status: 200,
          json: [
            { path: '$.status', equals: 'ok' },
            { path: '$.checks.database', equals: 'ok' },
          ],
          maxLatency: '2s',
        },
        count: 3,
        interval: '2s',
        timeout: '3s',
      },
      { name: 'green-targets', type: 'targetHealth', targetGroup: 'green', minHealthyPercent: 100 },
      { name: 'no-alarms', type: 'alarms', alarms: ['orders-5xx'] },
      {
        name: 'green-5xx-rate',
        type: 'cloudwatch',
        window: '5m',
        queries: [
          {
            id: 'errors',
            metric: {
              namespace: 'AWS/ApplicationELB',
              name: 'HTTPCode_Target_5XX_Count',
              stat: 'Sum',
              dimensions: { TargetGroup: '${greenTargetGroup}', LoadBalancer: '${loadBalancer}' },
            },
          },
          {
            id: 'requests',
            metric: {
              namespace: 'AWS/ApplicationELB',
              name: 'RequestCount',
              stat: 'Sum',
              dimensions: { TargetGroup: '${greenTargetGroup}', LoadBalancer: '${loadBalancer}' },
            },
          },
          { id: 'rate', expression: '100 * errors / requests' },
        ],
        reduce: 'max',
        passWhen: '<=',
        threshold: 1,
        noData: 'fail',
      },
    ],
  },
};

let listener: TestListener;
let standIn: AwsStandIn;
let scenario: Scenario;
let elb: Elbv2Model;
let metrics: CloudWatchModel;
let now: number;

const localConfig = () => ({
  ...clientConfig({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  endpoint: standIn.url,
});

beforeAll(async () => {
  listener = await startTestListener();
  now = Date.now();
  scenario = ordersHookAccount();
  elb = ordersLoadBalancer({ testPort: listener.port });
  metrics = { metrics: [], alarms: [] };
  standIn = await startAwsStandIn({
    json: {
      [CODEDEPLOY_TARGET_PREFIX]: codeDeployOperations(scenario),
      [CLOUDWATCH_TARGET_PREFIX]: cloudWatchOperations(metrics),
    },
    query: { [ELBV2_VERSION]: elbv2Service(elb) },
  });
});
afterAll(async () => {
  await standIn.close();
  await listener.close();
});

beforeEach(() => {
  // A fresh account for every test, shared by reference with the running stand-ins.
  Object.assign(scenario, ordersHookAccount());
  Object.assign(elb, ordersLoadBalancer({ testPort: listener.port }));
  const point = (minutesAgo: number, value: number) => ({ at: now - minutesAgo * MINUTE, value });
  metrics.metrics = [
    {
      namespace: 'AWS/ApplicationELB',
      name: 'RequestCount',
      dimensions,
      points: [point(3, 400), point(2, 420), point(1, 380)],
    },
    {
      namespace: 'AWS/ApplicationELB',
      name: 'HTTPCode_Target_5XX_Count',
      dimensions,
      points: [point(3, 0), point(2, 1), point(1, 0)],
    },
  ];
  metrics.alarms = [{ name: 'orders-5xx', state: 'OK' }];
  listener.setMode('pass');
});
afterEach(() => {
  standIn.calls.length = 0;
});

const run = async (settings: HooksSettings) => {
  const time = fakeTime(now);
  const { log, lines } = captureLog();
  const verdict = await runHook({
    hookId: 'after-test-traffic',
    event: loadEvent('hooks/after-allow-test-traffic.json'),
    settings,
    deps: {
      codedeploy: codeDeployPortOver(new CodeDeployClient(localConfig())),
      elbv2: elbv2PortOver(new ElasticLoadBalancingV2Client(localConfig())),
      cloudwatch: cloudWatchPortOver(new CloudWatchClient(localConfig())),
      lambda: lambdaPortOver(new LambdaClient(localConfig())),
      fetch: createHttpFetch(),
      clock: time.clock,
      sleep: time.sleep,
      deadline: time.deadlineIn(60_000),
      log,
    },
  });
  return { verdict, lines };
};

const settings = () => parseHooksSettings(SETTINGS) as HooksSettings;

describe('the AfterAllowTestTraffic hook of d-EC5H00K01 through the stand-ins', () => {
  it('reports Succeeded when green is healthy', async () => {
    const { verdict, lines } = await run(settings());
    expect(verdict.checks.map((c) => [c.name, c.verdict])).toEqual([
      ['green-health', 'pass'],
      ['green-targets', 'pass'],
      ['no-alarms', 'pass'],
      ['green-5xx-rate', 'pass'],
    ]);
    expect(verdict.status).toBe('Succeeded');
    expect(scenario.hookReports).toEqual([
      {
        deploymentId: 'd-EC5H00K01',
        lifecycleEventHookExecutionId: ORDERS_HOOK_EXECUTIONS.AfterAllowTestTraffic,
        status: 'Succeeded',
      },
    ]);
    expect(listener.requests.filter((r) => r.path === '/health').length).toBeGreaterThanOrEqual(3);
    expect(verdict.checks.find((c) => c.name === 'green-5xx-rate')?.reason).toBe('1 of 1 measurements passed');
    expect(lines.find((l) => l.check === 'green-5xx-rate')?.value).toBeCloseTo(100 / 420);
    expect(new Set(standIn.calls.map((c) => c.operation))).toEqual(
      new Set([
        'GetDeployment',
        'GetDeploymentGroup',
        'GetDeploymentTarget',
        'DescribeListeners',
        'DescribeLoadBalancers',
        'DescribeTargetGroups',
        'DescribeTargetHealth',
        'DescribeAlarms',
        'GetMetricData',
        'PutLifecycleEventHookExecutionStatus',
      ]),
    );
  });

  it('reports Failed when the green task set is unhealthy, and a second invocation finds it already reported', async () => {
    listener.setMode('fail');
    const { verdict } = await run(settings());
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toMatch(
      /check "green-health" failed: 1 of 1 measurements failed \(failureLimit 0\); last: status 503, expected 200/,
    );
    expect(scenario.hookReports).toEqual([
      {
        deploymentId: 'd-EC5H00K01',
        lifecycleEventHookExecutionId: ORDERS_HOOK_EXECUTIONS.AfterAllowTestTraffic,
        status: 'Failed',
      },
    ]);

    elb.targetGroups.find((t) => t.name === 'orders-green')!.targets[1]!.state = 'unhealthy';
    metrics.alarms[0]!.state = 'ALARM';
    const again = await run(settings());
    expect(again.verdict.reason).toMatch(/10\.0\.2\.12:8080 unhealthy|orders-5xx is in ALARM/);
    expect(again.verdict.report.outcome).toBe('already-completed');
    expect(scenario.hookReports).toHaveLength(1);
  });

  it('reports Failed when the error rate of the green target group is over the threshold', async () => {
    metrics.metrics[1]!.points[2]!.value = 40;
    const { verdict } = await run(settings());
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toMatch(/check "green-5xx-rate" failed: .*max 10\.526 over 3 datapoints, expected <= 1/);
    expect(scenario.hookReports.map((r) => r.status)).toEqual(['Failed']);
  });
});
