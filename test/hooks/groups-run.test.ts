import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InvokeRequest } from '../../lib/aws/lambda.js';
import { createHttpFetch } from '../../lib/hooks/http-probe.js';
import { type HookDeps, runHook } from '../../lib/hooks/run-hook.js';
import { type HooksSettings, parseHooksSettings } from '../../lib/hooks/settings.js';
import { startTestListener, type TestListener } from '../../local/test-listener.js';
import {
  awsError,
  captureLog,
  fakeTime,
  inMemoryHookPorts,
  type InMemoryHookPorts,
  ORDERS,
  PRICING,
  pricingWorld,
} from './support.js';

/**
 * One hook function, many deployment groups: the checks each group gets, ECS and Lambda, through
 * the in-memory ports.
 */

let listener: TestListener;
let ports: InMemoryHookPorts;

beforeAll(async () => {
  listener = await startTestListener();
});
afterAll(() => listener.close());

const CATALOG_EVENT = {
  DeploymentId: 'd-C4T4L0G01',
  LifecycleEventHookExecutionId: '5d6e7f80-9a1b-4c2d-8e3f-405162738495',
};

beforeEach(() => {
  ports = inMemoryHookPorts(pricingWorld(listener.port));
  // A second ECS service of the account, whose appspec names the same hook functions.
  const { world } = ports;
  world.deployments.set(CATALOG_EVENT.DeploymentId, {
    deploymentId: CATALOG_EVENT.DeploymentId,
    application: 'catalog',
    deploymentGroup: 'catalog-ecs',
    computePlatform: 'ECS',
    status: 'InProgress',
  });
  world.groups.set('catalog/catalog-ecs', {
    ...world.groups.get('orders/orders-ecs')!,
    application: 'catalog',
    deploymentGroup: 'catalog-ecs',
    alarms: ['catalog-5xx'],
    ecsService: { clusterName: 'prod', serviceName: 'catalog' },
  });
  world.alarms.push({ name: 'catalog-5xx', state: 'OK' }, { name: 'catalog-latency', state: 'OK' });
  listener.setMode('pass');
});

const settings = (raw: unknown): HooksSettings => {
  const parsed = parseHooksSettings(raw);
  if (parsed instanceof Error) throw parsed;
  return parsed;
};

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
  return { deps: value, lines };
};

const reports = () =>
  ports.callsOf('PutLifecycleEventHookExecutionStatus').map((c) => {
    const { lifecycleEventHookExecutionId, status } = c.args[0] as {
      lifecycleEventHookExecutionId: string;
      status: string;
    };
    return [lifecycleEventHookExecutionId, status];
  });
const invoked = () => ports.callsOf('Invoke').map((c) => c.args[0] as InvokeRequest);

describe('one hook function for two ECS services', () => {
  const twoServices = settings({
    groups: {
      'orders/orders-ecs': {
        BeforeAllowTraffic: {
          checks: [{ name: 'orders-ping', type: 'http', target: 'test', path: '/api/orders/ping' }],
        },
      },
      'catalog/*': {
        BeforeAllowTraffic: {
          checks: [{ name: 'catalog-alarms', type: 'alarms', alarms: ['catalog-latency'], fromDeploymentGroup: true }],
        },
      },
    },
  });

  it('runs each group’s own checks, and fails only the group whose checks fail', async () => {
    listener.setMode('fail');
    const orders = await runHook({
      hookId: 'before-traffic',
      event: ORDERS.EVENT,
      settings: twoServices,
      deps: deps().deps,
    });
    const catalog = await runHook({
      hookId: 'before-traffic',
      event: CATALOG_EVENT,
      settings: twoServices,
      deps: deps().deps,
    });
    expect(orders).toMatchObject({ status: 'Failed', deploymentGroup: 'orders/orders-ecs' });
    expect(orders.checks.map((c) => c.name)).toEqual(['orders-ping']);
    expect(orders.reason).toMatch(/check "orders-ping" failed: .*status 500/);
    expect(catalog).toMatchObject({ status: 'Succeeded', deploymentGroup: 'catalog/catalog-ecs' });
    expect(catalog.checks.map((c) => c.name)).toEqual(['catalog-alarms']);
    // catalog's alarms, its own and its group's; never the orders listener.
    expect(ports.callsOf('DescribeAlarms').map((c) => c.args[0])).toEqual([['catalog-latency', 'catalog-5xx']]);
    expect(listener.requests.filter((r) => r.path === '/api/orders/ping')).toHaveLength(1);
    expect(reports()).toEqual([
      [ORDERS.EVENT.LifecycleEventHookExecutionId, 'Failed'],
      [CATALOG_EVENT.LifecycleEventHookExecutionId, 'Succeeded'],
    ]);
  });

  it('logs which settings key chose the checks', async () => {
    const { deps: d, lines } = deps();
    await runHook({ hookId: 'before-traffic', event: CATALOG_EVENT, settings: twoServices, deps: d });
    expect(lines.find((l) => l.message === 'hook checks chosen')).toMatchObject({
      deploymentGroup: 'catalog/catalog-ecs',
      source: 'hooks.groups["catalog/*"].BeforeAllowTraffic',
      checks: ['catalog-alarms'],
    });
  });
});

describe('a Lambda deployment', () => {
  const smoke = (extra: Record<string, unknown> = {}) =>
    settings({
      groups: {
        'pricing/pricing-live': {
          platform: 'Lambda',
          BeforeAllowTraffic: {
            checks: [
              {
                name: 'smoke',
                type: 'invoke',
                function: 'pricing-api',
                payload: { path: '/quote', version: '${targetVersion}', from: '${currentVersion}' },
                expect: { json: [{ path: '$.ok', equals: true }] },
                consecutiveErrorLimit: 0,
                ...extra,
              },
            ],
          },
        },
      },
    });

  it('passes when the target version answers as expected, invoking that version and never the alias', async () => {
    const verdict = await runHook({
      hookId: 'before-traffic',
      event: PRICING.EVENT,
      settings: smoke(),
      deps: deps().deps,
    });
    expect(verdict).toMatchObject({
      status: 'Succeeded',
      deploymentGroup: 'pricing/pricing-live',
      computePlatform: 'Lambda',
    });
    expect(verdict.checks[0]).toMatchObject({ name: 'smoke', verdict: 'pass', reason: '1 of 1 measurements passed' });
    expect(invoked()).toEqual([
      {
        functionName: 'pricing-api',
        qualifier: '7',
        payload: JSON.stringify({ path: '/quote', version: '7', from: '6' }),
      },
    ]);
    expect(reports()).toEqual([[PRICING.EVENT.LifecycleEventHookExecutionId, 'Succeeded']]);
  });

  it('fails when the new version throws, saying what it threw, although the alias still answers well', async () => {
    ports.world.functions.set('pricing-api:7', async () => ({
      statusCode: 200,
      functionError: 'Unhandled',
      payload: JSON.stringify({
        errorType: 'TypeError',
        errorMessage: "Cannot read properties of undefined (reading 'currency')",
      }),
    }));
    const verdict = await runHook({
      hookId: 'before-traffic',
      event: PRICING.EVENT,
      settings: smoke(),
      deps: deps().deps,
    });
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toContain(
      `check "smoke" failed: 1 of 1 measurements failed (failureLimit 0); last: version 7 failed (Unhandled): TypeError: Cannot read properties of undefined (reading 'currency')`,
    );
    expect(invoked().map((r) => r.qualifier)).toEqual(['7']);
    expect(reports()).toEqual([[PRICING.EVENT.LifecycleEventHookExecutionId, 'Failed']]);
  });

  it('fails when the response breaks an expectation', async () => {
    ports.world.functions.set('pricing-api:7', async () => ({ statusCode: 200, payload: '{"ok":false}' }));
    const verdict = await runHook({
      hookId: 'before-traffic',
      event: PRICING.EVENT,
      settings: smoke(),
      deps: deps().deps,
    });
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toContain('$.ok is false, expected true');
  });

  it('abandons an invocation that hangs past the check’s timeout, and still reports', async () => {
    ports.world.functions.set(
      'pricing-api:7',
      (_payload, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    const verdict = await runHook({
      hookId: 'before-traffic',
      event: PRICING.EVENT,
      settings: smoke({ timeout: '200ms' }),
      deps: deps().deps,
    });
    expect(verdict).toMatchObject({ status: 'Failed', report: { outcome: 'reported' } });
    expect(verdict.reason).toContain('no answer within 200 ms');
    // Never invoked a second time: a timed-out invocation may still be running.
    expect(invoked()).toHaveLength(1);
    expect(reports()).toEqual([[PRICING.EVENT.LifecycleEventHookExecutionId, 'Failed']]);
  });

  it('fills Lambda variables into alarm names and metric dimensions', async () => {
    const seen: unknown[] = [];
    ports.world.metricData = (request) => {
      seen.push(request.queries[0]?.MetricStat?.Metric?.Dimensions);
      return [{ id: 'errors', timestamps: [1], values: [0], messages: [] }];
    };
    const verdict = await runHook({
      hookId: 'after-traffic',
      event: PRICING.EVENT,
      settings: settings({
        AfterAllowTraffic: {
          checks: [
            { name: 'alarms', type: 'alarms', alarms: ['${functionName}-errors'] },
            {
              name: 'errors',
              type: 'cloudwatch',
              queries: [
                {
                  id: 'errors',
                  metric: {
                    namespace: 'AWS/Lambda',
                    name: 'Errors',
                    stat: 'Sum',
                    dimensions: {
                      FunctionName: '${functionName}',
                      Resource: '${functionName}:${functionAlias}',
                      ExecutedVersion: '${targetVersion}',
                    },
                  },
                },
              ],
              reduce: 'sum',
              passWhen: '<=',
              threshold: 0,
              noData: 'pass',
            },
          ],
        },
      }),
      deps: deps().deps,
    });
    expect(verdict.status).toBe('Succeeded');
    expect(ports.callsOf('DescribeAlarms').map((c) => c.args[0])).toEqual([['pricing-api-errors']]);
    expect(seen).toEqual([
      [
        { Name: 'FunctionName', Value: 'pricing-api' },
        { Name: 'Resource', Value: 'pricing-api:live' },
        { Name: 'ExecutedVersion', Value: '7' },
      ],
    ]);
  });

  it('fails with a clear message when the checks it inherits are ECS-only', async () => {
    const verdict = await runHook({
      hookId: 'before-traffic',
      event: PRICING.EVENT,
      settings: settings({ BeforeAllowTraffic: { checks: [{ name: 'orders-ping', type: 'http', target: 'test' }] } }),
      deps: deps().deps,
    });
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toContain(
      'pricing/pricing-live deploys on Lambda, but in hooks.BeforeAllowTraffic check "orders-ping" probes the test listener, which only ECS deployments have',
    );
    expect(verdict.reason).toContain('give hooks.groups["pricing/pricing-live"].BeforeAllowTraffic checks of its own');
    expect(invoked()).toEqual([]);
  });

  it('refuses an invoke check on an ECS deployment, and a hook Lambda deployments do not run', async () => {
    const onEcs = await runHook({
      hookId: 'before-traffic',
      event: ORDERS.EVENT,
      settings: settings({
        BeforeAllowTraffic: { checks: [{ name: 'smoke', type: 'invoke', function: 'orders-api' }] },
      }),
      deps: deps().deps,
    });
    expect(onEcs.reason).toContain(
      'check "smoke" invokes a Lambda function\'s target version, which only Lambda deployments have',
    );
    const wrongHook = await runHook({
      hookId: 'after-test-traffic',
      event: PRICING.EVENT,
      settings: settings({}),
      deps: deps().deps,
    });
    expect(wrongHook.reason).toContain('Lambda deployments do not run AfterAllowTestTraffic');
    expect(reports().map(([, status]) => status)).toEqual(['Failed', 'Failed']);
  });

  it('fails when the check names another function than the deployment’s', async () => {
    const verdict = await runHook({
      hookId: 'before-traffic',
      event: PRICING.EVENT,
      settings: settings({
        BeforeAllowTraffic: { checks: [{ name: 'smoke', type: 'invoke', function: 'quotes-api' }] },
      }),
      deps: deps().deps,
    });
    expect(verdict.reason).toContain('the deployment shifts traffic for pricing-api, but the check invokes quotes-api');
    expect(invoked()).toEqual([]);
  });

  it('fails closed when the deployment target cannot be read', async () => {
    ports.fail('GetDeploymentTarget', awsError('AccessDeniedException', 'not authorized'));
    const verdict = await runHook({
      hookId: 'before-traffic',
      event: PRICING.EVENT,
      settings: smoke(),
      deps: deps().deps,
    });
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toMatch(
      /the deployment's Lambda function could not be resolved: GetDeploymentTarget failed/,
    );
  });
});
