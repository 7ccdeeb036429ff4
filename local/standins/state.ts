import type {
  ApplicationInfo,
  DeploymentGroupInfo,
  DeploymentInfo,
  DeploymentTarget,
  LifecycleEventStatus,
  RevisionLocation,
} from '@aws-sdk/client-codedeploy';

/**
 * What the stand-ins serve: one account's CodeDeploy and Auto Scaling state as plain data, in the
 * API's own shapes where there is one. The demo world of `npm start` (local/scenario.ts), the
 * generated accounts of the bench and the tests' own accounts are all of this shape.
 */

/** A lifecycle hook execution CodeDeploy handed to a hook Lambda, and where it stands. */
export interface ScenarioHookExecution {
  lifecycleEventHookExecutionId: string;
  deploymentId: string;
  lifecycleEventName: string;
  status: LifecycleEventStatus;
}

/** One PutLifecycleEventHookExecutionStatus call that was accepted. */
export interface HookReport {
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
  status: string;
}

/** An instance of an Auto Scaling group, as DescribeAutoScalingGroups describes it. */
export interface ScenarioInstance {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  /** `InService`, `Pending`, `Terminating`, ... (Auto Scaling LifecycleState). */
  lifecycleState: string;
  healthStatus: 'Healthy' | 'Unhealthy';
  protectedFromScaleIn: boolean;
}

/** An Auto Scaling group in plain data, for an Auto Scaling stand-in to serve. */
export interface ScenarioAutoScalingGroup {
  name: string;
  arn: string;
  createdTime: Date;
  /** Absent while the group is usable; `Delete in progress` while it is being deleted. */
  status?: string;
  desiredCapacity: number;
  minSize: number;
  maxSize: number;
  launchTemplate: { launchTemplateId: string; launchTemplateName: string; version: string };
  availabilityZones: string[];
  vpcZoneIdentifier: string;
  healthCheckType: 'EC2' | 'ELB';
  targetGroupArns: string[];
  /** Lifecycle hooks on the group (CodeDeploy installs its launch hook on the groups it deploys to). */
  lifecycleHookNames: string[];
  instances: ScenarioInstance[];
  tags: Array<{ key: string; value: string; propagateAtLaunch: boolean }>;
  deletionProtection: 'none' | 'prevent-force-deletion' | 'prevent-all-deletion';
}

/** The whole account: mutate it freely in a test, the stand-ins read it on every request. */
export interface Scenario {
  now: Date;
  account: string;
  region: string;
  applications: ApplicationInfo[];
  /** `lastSuccessfulDeployment` / `lastAttemptedDeployment` are derived from `deployments` when served. */
  deploymentGroups: DeploymentGroupInfo[];
  deployments: DeploymentInfo[];
  /** The targets of each deployment, by deployment id. */
  deploymentTargets: Record<string, DeploymentTarget[]>;
  hookExecutions: ScenarioHookExecution[];
  hookReports: HookReport[];
  autoScalingGroups: ScenarioAutoScalingGroup[];
  /** The application revisions CodeDeploy has registered (GetApplicationRevision). */
  revisions: ScenarioRevision[];
}

/**
 * A revision registered with an application (RegisterApplicationRevision, or a deployment that named
 * it). Which deployment groups used it, and when first and last, are derived from `deployments` when
 * served. Inline AppSpec content is never registered.
 */
export interface ScenarioRevision {
  applicationName: string;
  revision: RevisionLocation;
  registerTime: Date;
  description?: string;
}
