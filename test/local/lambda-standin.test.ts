import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudWatchPortOver } from '../../lib/aws/cloudwatch.js';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { clientConfig } from '../../lib/aws/config.js';
import { elbv2PortOver } from '../../lib/aws/elbv2.js';
import { lambdaPortOver } from '../../lib/aws/lambda.js';
import { createHttpFetch } from '../../lib/hooks/http-probe.js';
import { runHook } from '../../lib/hooks/run-hook.js';
import { loadSettingsFile } from '../../lib/settings/load.js';
import { deadlineAt } from '../../lib/time.js';
import {
  SERVICE_HOOK_EXECUTIONS,
  serviceAlarms,
  serviceFunctions,
  withHookServices,
} from '../../local/hook-services.js';
import { createScenario, HOOK_EXECUTION_IDS } from '../../local/scenario.js';
import { type AwsStandIn, startAwsStandIn } from '../../local/standins/aws.js';
import {
  CLOUDWATCH_TARGET_PREFIX,
  type CloudWatchModel,
  cloudWatchOperations,
} from '../../local/standins/cloudwatch.js';
import { CODEDEPLOY_TARGET_PREFIX, codeDeployOperations } from '../../local/standins/codedeploy.js';
import { type LambdaStandIn, startLambdaStandIn } from '../../local/standins/lambda.js';
import type { Scenario } from '../../local/standins/state.js';
import { captureLog, fakeTime } from '../hooks/support.js';
import { listEvents, loadEvent } from '../support/fixtures.js';

/**
 * The Lambda stand-in in Invoke's own protocol, and the hooks of the demo world's other services
 * (catalog on ECS, pricing on Lambda) through the stand-ins with the real ports and the local
 * stage's settings, as `npm start` runs them.
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const scenario: Scenario = withHookServices(createScenario());
let aws: AwsStandIn;
let lambda: LambdaStandIn;
const metrics: CloudWatchModel = { metrics: [], alarms: [] };

const config = (endpoint: () => string) => () => ({
  ...clientConfig({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  endpoint: endpoint(),
});
const awsConfig = config(() => aws.url);
const lambdaConfig = config(() => lambda.url);

beforeAll(async () => {
  aws = await startAwsStandIn({
    json: {
      [CODEDEPLOY_TARGET_PREFIX]: codeDeployOperations(scenario),
      [CLOUDWATCH_TARGET_PREFIX]: cloudWatchOperations(metrics),
    },
  });
  lambda = await startLambdaStandIn(serviceFunctions());
});
afterAll(async () => {
  await Promise.all([aws.close(), lambda.close()]);
});
beforeEach(() => {
  Object.assign(scenario, withHookServices(createScenario()));
  metrics.alarms = serviceAlarms();
  lambda.invocations.length = 0;
});

describe('the Lambda stand-in', () => {
  const port = () => lambdaPortOver(new LambdaClient(lambdaConfig()));
  const budget = () => ({ deadline: deadlineAt(Date.now() + 10_000), attempts: 1 });

  it('runs the version named by Qualifier, and says which version ran', async () => {
    const answer = await port().invoke(
      { functionName: 'pricing-api', qualifier: '7', payload: '{"sku":"A"}' },
      budget(),
    );
    expect(answer).toMatchObject({ statusCode: 200, executedVersion: '7', functionError: undefined });
    expect(JSON.parse(answer.payload)).toMatchObject({ ok: true, version: '7', sku: 'A' });
    expect(lambda.invocations).toEqual([
      { functionName: 'pricing-api', qualifier: '7', executedVersion: '7', event: { sku: 'A' } },
    ]);
  });

  it('resolves an alias to the version it points at', async () => {
    const answer = await port().invoke({ functionName: 'quotes-api', qualifier: 'live', payload: '{}' }, budget());
    expect(answer.executedVersion).toBe('12');
  });

  it('answers a version that throws with X-Amz-Function-Error and the error object', async () => {
    const answer = await port().invoke({ functionName: 'quotes-api', qualifier: '13', payload: '{}' }, budget());
    expect(answer.functionError).toBe('Unhandled');
    expect(JSON.parse(answer.payload)).toMatchObject({ errorType: 'TypeError' });
  });

  it('answers ResourceNotFoundException for a version that does not exist', async () => {
    await expect(
      port().invoke({ functionName: 'pricing-api', qualifier: '99', payload: '{}' }, budget()),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe("the demo world's other services, with the local stage's settings", () => {
  const { settings } = loadSettingsFile('local', ROOT);
  const run = (event: unknown) => {
    const time = fakeTime();
    return runHook({
      hookId: 'before-traffic',
      event,
      settings: settings.hooks,
      deps: {
        codedeploy: codeDeployPortOver(new CodeDeployClient(awsConfig())),
        elbv2: elbv2PortOver(new ElasticLoadBalancingV2Client(awsConfig())),
        cloudwatch: cloudWatchPortOver(new CloudWatchClient(awsConfig())),
        lambda: lambdaPortOver(new LambdaClient(lambdaConfig())),
        fetch: createHttpFetch(),
        clock: time.clock,
        sleep: time.sleep,
        deadline: time.deadlineIn(60_000),
        log: captureLog().log,
      },
    });
  };

  it('passes pricing-live: version 7 answers the smoke invocation', async () => {
    const verdict = await run(loadEvent('hooks/before-allow-traffic.lambda-pass.json'));
    expect(verdict).toMatchObject({ status: 'Succeeded', deploymentGroup: 'pricing/pricing-live' });
    expect(lambda.invocations.map((i) => [i.functionName, i.qualifier])).toEqual([['pricing-api', '7']]);
    expect(lambda.invocations[0]!.event).toEqual({ sku: 'SKU-1', expectVersion: '7' });
    expect(scenario.hookReports).toEqual([{ ...SERVICE_HOOK_EXECUTIONS.pricingLive, status: 'Succeeded' }]);
  });

  it('fails pricing-quotes: version 13 throws, while the alias still runs 12', async () => {
    const verdict = await run(loadEvent('hooks/before-allow-traffic.lambda-throws.json'));
    expect(verdict).toMatchObject({ status: 'Failed', deploymentGroup: 'pricing/pricing-quotes' });
    expect(verdict.reason).toContain('version 13 failed (Unhandled): TypeError');
    expect(lambda.invocations.map((i) => [i.functionName, i.qualifier])).toEqual([['quotes-api', '13']]);
    expect(scenario.hookReports).toEqual([{ ...SERVICE_HOOK_EXECUTIONS.pricingQuotes, status: 'Failed' }]);
  });

  it("passes catalog on its own checks (alarms), not orders' listener probe", async () => {
    const verdict = await run(loadEvent('hooks/before-allow-traffic.catalog.json'));
    expect(verdict).toMatchObject({ status: 'Succeeded', deploymentGroup: 'catalog/catalog-ecs' });
    expect(verdict.checks.map((c) => c.name)).toEqual(['catalog-alarms']);
    expect(aws.calls.some((c) => c.operation === 'DescribeAlarms')).toBe(true);
    expect(lambda.invocations).toEqual([]);
  });
});

describe('the hook sample events', () => {
  const ids = {
    ...HOOK_EXECUTION_IDS,
    ...Object.fromEntries(
      Object.entries(SERVICE_HOOK_EXECUTIONS).map(([k, e]) => [k, e.lifecycleEventHookExecutionId]),
    ),
  };

  it.each(listEvents('hooks'))('%s names a hook execution of its deployment in the demo world', (file) => {
    const payload = loadEvent(file);
    expect(Object.keys(payload).sort()).toEqual(['DeploymentId', 'LifecycleEventHookExecutionId']);
    expect(Object.values(ids)).toContain(payload.LifecycleEventHookExecutionId);
    const execution = scenario.hookExecutions.find(
      (e) => e.lifecycleEventHookExecutionId === payload.LifecycleEventHookExecutionId,
    );
    expect(execution?.deploymentId).toBe(payload.DeploymentId);
  });
});
