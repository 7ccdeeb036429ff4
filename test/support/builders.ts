import type {
  DeploymentGroupInfo,
  DeploymentInfo,
  DeploymentOverview,
  DeploymentStyle,
  DeploymentTarget,
  Diagnostics,
  EC2TagFilter,
  ECSTaskSet,
  LifecycleEvent,
  LifecycleEventStatus,
  TargetStatus,
} from '@aws-sdk/client-codedeploy';
import {
  type DeploymentDetails,
  type DeploymentGroup,
  toDeploymentDetails,
  toDeploymentGroup,
  toFailedTarget,
} from '../../lib/codedeploy/deployment.js';
import type { Scenario, ScenarioAutoScalingGroup, ScenarioInstance } from '../../local/standins/state.js';

/**
 * Data builders for tests: CodeDeploy's API shapes and the service's own types, each with sensible
 * defaults (a blue/green deployment of checkout/checkout-prod that copies its Auto Scaling group),
 * overridden field by field. A test states the values it asserts on; the defaults fill in the rest.
 * Every call builds a fresh object (overrides are copied too), so a test may change what it gets.
 */

/** The instant the tests' data is built around, so that durations and ages never drift. */
export const FIXED_NOW = Date.parse('2026-11-20T18:00:00Z');
/** A clock that stays at FIXED_NOW. */
export const fixedClock = () => FIXED_NOW;

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A Date from an ISO string, for values copied as CodeDeploy shows them. */
export const at = (iso: string) => new Date(iso);

// Deployment styles: the fields that go together, to spread into deploymentInfo or deploymentGroupInfo.

const BLUE_GREEN: DeploymentStyle = { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' };

/** EC2/Auto Scaling blue/green that copies the Auto Scaling group (the default). */
export const COPY_AUTO_SCALING_GROUP = {
  computePlatform: 'Server',
  deploymentStyle: BLUE_GREEN,
  blueGreenDeploymentConfiguration: {
    terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 },
    deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
    greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
  },
} as const satisfies DeploymentInfo & DeploymentGroupInfo;

/** In place: no replacement fleet, no copied group. */
export const IN_PLACE = {
  computePlatform: 'Server',
  deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
  blueGreenDeploymentConfiguration: undefined,
} as const satisfies DeploymentInfo & DeploymentGroupInfo;

/** EC2 blue/green onto existing instances (a deployment selects them by tags: see discoverExisting). */
export const DISCOVER_EXISTING = {
  computePlatform: 'Server',
  deploymentStyle: BLUE_GREEN,
  blueGreenDeploymentConfiguration: {
    terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 0 },
    deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 120 },
    greenFleetProvisioningOption: { action: 'DISCOVER_EXISTING' },
  },
} as const satisfies DeploymentInfo & DeploymentGroupInfo;

/** A deployment onto the existing instances that carry these tags. */
export const discoverExisting = (tagFilters: EC2TagFilter[]) =>
  ({ ...DISCOVER_EXISTING, targetInstances: { tagFilters } }) satisfies DeploymentInfo;

/** ECS blue/green (no instances, no Auto Scaling group). */
export const ECS_BLUE_GREEN = {
  computePlatform: 'ECS',
  deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
  deploymentStyle: BLUE_GREEN,
  blueGreenDeploymentConfiguration: {
    terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
    deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
  },
} as const satisfies DeploymentInfo & DeploymentGroupInfo;

/** The group CodeDeploy creates when it copies a deployment group's Auto Scaling group. */
export const copiedGroupName = (deploymentGroup: string, deploymentId: string) =>
  `CodeDeploy_${deploymentGroup}_${deploymentId}`;

/** GetDeployment's `deploymentOverview`: the targets by status, zero where not given. */
export const overview = (counts: DeploymentOverview = {}): Required<DeploymentOverview> => ({
  Pending: 0,
  InProgress: 0,
  Succeeded: 0,
  Failed: 0,
  Skipped: 0,
  Ready: 0,
  ...counts,
});

/**
 * A GetDeployment / BatchGetDeployments `deploymentInfo`. By default d-ABCDEFGH1 of
 * checkout/checkout-prod, succeeded ten minutes before FIXED_NOW, blue/green with a copied group.
 * A deployment that copies names its copy (`targetInstances`, `CodeDeploy_<group>_<id>`) unless
 * the overrides say otherwise.
 */
export const deploymentInfo = (overrides: DeploymentInfo = {}): DeploymentInfo => {
  const created = FIXED_NOW - 10 * MINUTE;
  const info: DeploymentInfo = {
    applicationName: 'checkout',
    deploymentGroupName: 'checkout-prod',
    deploymentId: 'd-ABCDEFGH1',
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    status: 'Succeeded',
    creator: 'user',
    createTime: new Date(created),
    startTime: new Date(created + 2 * SECOND),
    completeTime: new Date(FIXED_NOW),
    ...COPY_AUTO_SCALING_GROUP,
    ...overrides,
  };
  const copies =
    info.blueGreenDeploymentConfiguration?.greenFleetProvisioningOption?.action === 'COPY_AUTO_SCALING_GROUP';
  const copy = { autoScalingGroups: [copiedGroupName(info.deploymentGroupName!, info.deploymentId!)] };
  return structuredClone('targetInstances' in overrides || !copies ? info : { ...info, targetInstances: copy });
};

/**
 * A GetDeploymentGroup / BatchGetDeploymentGroups `deploymentGroupInfo`. By default
 * checkout/checkout-prod, blue/green with a copied group, no live Auto Scaling group yet, alarms off.
 */
export const deploymentGroupInfo = (overrides: DeploymentGroupInfo = {}): DeploymentGroupInfo =>
  structuredClone({
    applicationName: 'checkout',
    deploymentGroupName: 'checkout-prod',
    deploymentGroupId: '00000000-0000-4000-8000-000000000001',
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/CodeDeployServiceRole`,
    ec2TagFilters: [],
    onPremisesInstanceTagFilters: [],
    autoScalingGroups: [],
    triggerConfigurations: [],
    alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    outdatedInstancesStrategy: 'UPDATE',
    loadBalancerInfo: {},
    terminationHookEnabled: false,
    ...COPY_AUTO_SCALING_GROUP,
    ...overrides,
  });

/** The lifecycle events of an EC2/on-premises blue/green replacement instance, in order. */
export const SERVER_GREEN_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;

/** The lifecycle events of an ECS blue/green deployment, in order. */
export const ECS_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;

/** What GetDeploymentTarget shows for an event that ran cleanly. */
const SUCCESS_DIAGNOSTICS: Diagnostics = { errorCode: 'Success', scriptName: '', message: 'Succeeded', logTail: '' };

/** Where a target's lifecycle stopped: the first event that did not succeed. */
export interface Outcome {
  at: string;
  status: LifecycleEventStatus;
  diagnostics?: Diagnostics;
}

/**
 * The lifecycle events of one target, 20 s apart from `start`: every event before `outcome.at`
 * succeeded, the event at it has the outcome's status, the later ones are Skipped (after a failure
 * or a skip) or Pending. Without an outcome, all of them succeeded.
 */
export const lifecycleEvents = (
  names: readonly string[],
  start: number = FIXED_NOW - 10 * MINUTE,
  outcome?: Outcome,
): LifecycleEvent[] => {
  const stop = outcome ? names.indexOf(outcome.at) : names.length;
  const after: LifecycleEventStatus =
    outcome?.status === 'Failed' || outcome?.status === 'Skipped' ? 'Skipped' : 'Pending';
  return names.map((lifecycleEventName, i) => {
    const startTime = new Date(start + i * 20 * SECOND);
    const endTime = new Date(start + i * 20 * SECOND + 15 * SECOND);
    if (i < stop)
      return { lifecycleEventName, status: 'Succeeded', startTime, endTime, diagnostics: SUCCESS_DIAGNOSTICS };
    if (i > stop || !outcome) return { lifecycleEventName, status: after };
    if (outcome.status === 'InProgress') return { lifecycleEventName, status: 'InProgress', startTime };
    if (outcome.status === 'Failed')
      return { lifecycleEventName, status: 'Failed', startTime, endTime, diagnostics: outcome.diagnostics };
    return { lifecycleEventName, status: outcome.status };
  });
};

export interface InstanceTargetOptions {
  deploymentId?: string;
  targetId?: string;
  status?: TargetStatus;
  instanceLabel?: 'Blue' | 'Green';
  lifecycleEvents?: LifecycleEvent[];
}

/**
 * A BatchGetDeploymentTargets / GetDeploymentTarget instance target. By default a green instance of
 * d-ABCDEFGH1 whose lifecycle events all succeeded.
 */
export const deploymentTarget = (options: InstanceTargetOptions = {}): DeploymentTarget => {
  const targetId = options.targetId ?? 'i-0123456789abcdef0';
  const events = options.lifecycleEvents ?? lifecycleEvents(SERVER_GREEN_EVENTS);
  return {
    deploymentTargetType: 'InstanceTarget',
    instanceTarget: {
      deploymentId: options.deploymentId ?? 'd-ABCDEFGH1',
      targetId,
      targetArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${targetId}`,
      status: options.status ?? 'Succeeded',
      lastUpdatedAt: events.reduce<Date | undefined>((last, e) => e.endTime ?? e.startTime ?? last, undefined),
      lifecycleEvents: events,
      instanceLabel: options.instanceLabel ?? 'Green',
    },
  };
};

export interface EcsTargetOptions {
  deploymentId: string;
  /** `<cluster>:<service>`. */
  targetId: string;
  status?: TargetStatus;
  lifecycleEvents: LifecycleEvent[];
  taskSets: ECSTaskSet[];
  lastUpdatedAt?: Date;
}

/** An ECS deployment target, with its task sets. */
export const ecsTarget = (options: EcsTargetOptions): DeploymentTarget => {
  const [cluster, service] = options.targetId.split(':');
  return {
    deploymentTargetType: 'ECSTarget',
    ecsTarget: {
      deploymentId: options.deploymentId,
      targetId: options.targetId,
      targetArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${cluster}/${service}`,
      lastUpdatedAt: options.lastUpdatedAt,
      lifecycleEvents: options.lifecycleEvents,
      status: options.status ?? 'InProgress',
      taskSetsInfo: options.taskSets,
    },
  };
};

/**
 * What the service makes of a deployment, through the real mapping: GetDeployment's answer and,
 * given the deployment's targets, the failed ones with their diagnostics.
 */
export const detailsOf = (info: DeploymentInfo, targets?: DeploymentTarget[]): DeploymentDetails => {
  const details = toDeploymentDetails(info, info.deploymentId!);
  if (!targets) return details;
  const failed = targets
    .filter((t) => (t.instanceTarget ?? t.ecsTarget)?.status === 'Failed')
    .map(toFailedTarget)
    .filter((t) => t !== undefined);
  return { ...details, failedTargets: failed, failedTargetCount: failed.length };
};

/** `DeploymentDetails` of a deploymentInfo with these overrides (and of these targets' failures). */
export const deploymentDetails = (overrides: DeploymentInfo = {}, targets?: DeploymentTarget[]): DeploymentDetails =>
  detailsOf(deploymentInfo(overrides), targets);

/** `DeploymentGroup` of a deploymentGroupInfo with these overrides, through the real mapping. */
export const deploymentGroup = (overrides: DeploymentGroupInfo = {}): DeploymentGroup => {
  const info = deploymentGroupInfo(overrides);
  return toDeploymentGroup(info, info.applicationName!, info.deploymentGroupName!);
};

/** Instances of an Auto Scaling group, in service, spread over three zones. */
export const groupInstances = (ids: string[], instanceType = 'm6i.large', lifecycleState = 'InService') =>
  ids.map((instanceId, i): ScenarioInstance => ({
    instanceId,
    instanceType,
    availabilityZone: `${REGION}${'abc'[i % 3]}`,
    lifecycleState,
    healthStatus: 'Healthy',
    protectedFromScaleIn: false,
  }));

/**
 * An Auto Scaling group as the Auto Scaling stand-in serves it. By default `web`, created a day
 * before FIXED_NOW, with no instances and no deletion protection.
 */
export const autoScalingGroup = (
  overrides: Partial<ScenarioAutoScalingGroup> & { name?: string } = {},
): ScenarioAutoScalingGroup => {
  const name = overrides.name ?? 'web';
  const instances = overrides.instances ?? [];
  return {
    name,
    arn: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:00000000-0000-4000-8000-000000000000:autoScalingGroupName/${name}`,
    createdTime: new Date(FIXED_NOW - DAY),
    desiredCapacity: instances.length,
    minSize: instances.length,
    maxSize: instances.length * 2,
    launchTemplate: { launchTemplateId: 'lt-0c1d2e3f4a5b6c7d8', launchTemplateName: name, version: '1' },
    availabilityZones: [`${REGION}a`, `${REGION}b`, `${REGION}c`],
    vpcZoneIdentifier: 'subnet-0a1b2c3d4e5f60718',
    healthCheckType: 'ELB',
    targetGroupArns: [],
    lifecycleHookNames: [],
    instances,
    tags: [{ key: 'Name', value: name, propagateAtLaunch: true }],
    deletionProtection: 'none',
    ...overrides,
  };
};

/** An account for the stand-ins: empty unless given, at FIXED_NOW. */
export const account = (overrides: Partial<Scenario> = {}): Scenario => ({
  now: new Date(FIXED_NOW),
  account: ACCOUNT,
  region: REGION,
  applications: [],
  deploymentGroups: [],
  deployments: [],
  deploymentTargets: {},
  revisions: [],
  hookExecutions: [],
  hookReports: [],
  autoScalingGroups: [],
  ...overrides,
});
