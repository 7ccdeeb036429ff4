import type {
  DeploymentGroupInfo,
  DeploymentInfo,
  DeploymentTarget,
  LifecycleEvent,
  LifecycleEventStatus,
} from '@aws-sdk/client-codedeploy';
import type { StandInAlarm } from './standins/cloudwatch.js';
import type { StandInFunction } from './standins/lambda.js';
import type { Scenario } from './standins/state.js';

/**
 * More services of the same account whose appspecs name the same hook functions as orders, each
 * with checks of its own in settings/local.yml:
 *
 * catalog (ECS)      catalog-ecs     d-C4T4L0G01 InProgress, waiting on BeforeAllowTraffic
 * pricing (Lambda)   pricing-live    d-L4MBD4001 pricing-api 6 -> 7, waiting on BeforeAllowTraffic
 *                    pricing-quotes  d-L4MBD4002 quotes-api 12 -> 13 (13 throws), waiting on BeforeAllowTraffic
 */

/** The hook executions CodeDeploy waits on; the sample events under events/hooks/ carry these ids. */
export const SERVICE_HOOK_EXECUTIONS = {
  catalog: { deploymentId: 'd-C4T4L0G01', lifecycleEventHookExecutionId: '5d6e7f80-9a1b-4c2d-8e3f-405162738495' },
  pricingLive: { deploymentId: 'd-L4MBD4001', lifecycleEventHookExecutionId: '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f' },
  pricingQuotes: {
    deploymentId: 'd-L4MBD4002',
    lifecycleEventHookExecutionId: '9e8d7c6b-5a49-4382-a716-f5e4d3c2b1a0',
  },
} as const;

const ECS_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];
// A Lambda deployment's lifecycle (CodeDeploy user guide, "AppSpec 'hooks' section for an AWS Lambda deployment").
const LAMBDA_EVENTS = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'];

/** Every event before `waiting` done, `waiting` in progress, the rest pending. */
const waitingOn = (names: string[], waiting: string, start: number): LifecycleEvent[] =>
  names.map((lifecycleEventName, i) => {
    const at = names.indexOf(waiting);
    const startTime = new Date(start + i * 20_000);
    if (i < at)
      return { lifecycleEventName, status: 'Succeeded', startTime, endTime: new Date(startTime.getTime() + 15_000) };
    if (i === at) return { lifecycleEventName, status: 'InProgress', startTime };
    return { lifecycleEventName, status: 'Pending' as LifecycleEventStatus };
  });

/** A Lambda function of the account, with what each of its versions answers. */
const quoting = (name: string, versions: Record<string, 'answers' | 'throws'>, alias: string): StandInFunction => ({
  aliases: { live: alias },
  versions: Object.fromEntries(
    Object.entries(versions).map(([version, behaviour]) => [
      version,
      (event: unknown) => {
        const request = (event ?? {}) as { sku?: unknown };
        if (behaviour === 'throws')
          throw new TypeError(`Cannot read properties of undefined (reading 'currency') in ${name} ${version}`);
        return { ok: true, version, sku: request.sku ?? null, price: { amount: 1999, currency: 'EUR' } };
      },
    ]),
  ),
});

/** The Lambda functions of the account (the stand-in serves them). */
export const serviceFunctions = (): Record<string, StandInFunction> => ({
  'pricing-api': quoting('pricing-api', { '6': 'answers', '7': 'answers' }, '6'),
  'quotes-api': quoting('quotes-api', { '12': 'answers', '13': 'throws' }, '12'),
});

/** The alarms these services' checks watch, all OK. */
export const serviceAlarms = (): StandInAlarm[] => [
  { name: 'catalog-5xx', state: 'OK' },
  { name: 'catalog-p99-latency', state: 'OK' },
  { name: 'pricing-api-errors', state: 'OK' },
  { name: 'quotes-api-errors', state: 'OK' },
];

/** Adds catalog's ECS deployment and pricing's two Lambda deployments to a scenario. */
export const withHookServices = (scenario: Scenario): Scenario => {
  const now = scenario.now.getTime();
  const { account, region } = scenario;
  const started = now - 6 * 60_000;
  const applications = [
    { applicationName: 'catalog', computePlatform: 'ECS' as const, id: 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8' },
    { applicationName: 'pricing', computePlatform: 'Lambda' as const, id: 'a0b1c2d3-e4f5-4a6b-8c7d-e8f9a0b1c2d3' },
  ];
  for (const { applicationName, computePlatform, id } of applications) {
    scenario.applications.push({
      applicationId: id,
      applicationName,
      createTime: new Date(now - 60 * 86_400_000),
      linkedToGitHub: false,
      computePlatform,
    });
  }

  const group = (
    applicationName: string,
    deploymentGroupName: string,
    extra: Partial<DeploymentGroupInfo>,
  ): DeploymentGroupInfo => ({
    applicationName,
    deploymentGroupName,
    deploymentGroupId: `${applicationName}-${deploymentGroupName}`,
    serviceRoleArn: `arn:aws:iam::${account}:role/CodeDeployServiceRole`,
    autoScalingGroups: [],
    triggerConfigurations: [],
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    ...extra,
  });
  scenario.deploymentGroups.push(
    group('catalog', 'catalog-ecs', {
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'catalog-5xx' }] },
      ecsServices: [{ serviceName: 'catalog', clusterName: 'prod' }],
      computePlatform: 'ECS',
    }),
    group('pricing', 'pricing-live', {
      deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'pricing-api-errors' }] },
      computePlatform: 'Lambda',
    }),
    group('pricing', 'pricing-quotes', {
      deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'quotes-api-errors' }] },
      computePlatform: 'Lambda',
    }),
  );

  const deployment = (
    applicationName: string,
    deploymentGroupName: string,
    deploymentId: string,
    computePlatform: 'ECS' | 'Lambda',
    description: string,
  ): DeploymentInfo => ({
    applicationName,
    deploymentGroupName,
    deploymentId,
    computePlatform,
    deploymentConfigName:
      computePlatform === 'ECS' ? 'CodeDeployDefault.ECSAllAtOnce' : 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    status: 'InProgress',
    createTime: new Date(started),
    startTime: new Date(started + 2_000),
    creator: 'user',
    description,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    deploymentOverview: { Pending: 0, InProgress: 1, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 },
  });
  const { catalog, pricingLive, pricingQuotes } = SERVICE_HOOK_EXECUTIONS;
  scenario.deployments.push(
    deployment('catalog', 'catalog-ecs', catalog.deploymentId, 'ECS', 'catalog task definition revision 12'),
    deployment('pricing', 'pricing-live', pricingLive.deploymentId, 'Lambda', 'pricing-api version 7'),
    deployment('pricing', 'pricing-quotes', pricingQuotes.deploymentId, 'Lambda', 'quotes-api version 13'),
  );

  const catalogTarget: DeploymentTarget = {
    deploymentTargetType: 'ECSTarget',
    ecsTarget: {
      deploymentId: catalog.deploymentId,
      targetId: 'prod:catalog',
      targetArn: `arn:aws:ecs:${region}:${account}:service/prod/catalog`,
      lifecycleEvents: waitingOn(ECS_EVENTS, 'BeforeAllowTraffic', started),
      status: 'InProgress',
      taskSetsInfo: [
        { identifer: 'ecs-svc/1', taskSetLabel: 'Blue', trafficWeight: 100, targetGroup: { name: 'catalog-blue' } },
        { identifer: 'ecs-svc/2', taskSetLabel: 'Green', trafficWeight: 0, targetGroup: { name: 'catalog-green' } },
      ],
    },
  };
  // A Lambda target is the function's alias; its info names the versions traffic moves between.
  const lambdaTarget = (deploymentId: string, functionName: string, from: string, to: string): DeploymentTarget => ({
    deploymentTargetType: 'LambdaTarget',
    lambdaTarget: {
      deploymentId,
      targetId: `${functionName}:live`,
      targetArn: `arn:aws:lambda:${region}:${account}:function:${functionName}:live`,
      status: 'InProgress',
      lifecycleEvents: waitingOn(LAMBDA_EVENTS, 'BeforeAllowTraffic', started),
      lambdaFunctionInfo: {
        functionName,
        functionAlias: 'live',
        currentVersion: from,
        targetVersion: to,
        targetVersionWeight: 0,
      },
    },
  });
  scenario.deploymentTargets[catalog.deploymentId] = [catalogTarget];
  scenario.deploymentTargets[pricingLive.deploymentId] = [
    lambdaTarget(pricingLive.deploymentId, 'pricing-api', '6', '7'),
  ];
  scenario.deploymentTargets[pricingQuotes.deploymentId] = [
    lambdaTarget(pricingQuotes.deploymentId, 'quotes-api', '12', '13'),
  ];
  for (const execution of Object.values(SERVICE_HOOK_EXECUTIONS)) {
    scenario.hookExecutions.push({ ...execution, lifecycleEventName: 'BeforeAllowTraffic', status: 'InProgress' });
  }
  return scenario;
};
