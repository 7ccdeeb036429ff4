import type {
  BundleType,
  DeploymentGroupInfo,
  DeploymentInfo,
  DeploymentTarget,
  EC2TagFilter,
  EC2TagSet,
  RevisionLocation,
} from '@aws-sdk/client-codedeploy';

/**
 * What CodeDeploy says about deployments and deployment groups, mapped once from the API's shapes
 * (GetDeployment / BatchGetDeployments, GetDeploymentGroup / BatchGetDeploymentGroups,
 * BatchGetDeploymentTargets) to the facts the alerts, the stream, the cleanup and the hooks use.
 * Pure: the calls themselves are in `lib/aws/codedeploy.ts`. Every field is optional where the API
 * may omit it, and nothing is invented.
 */

/** Deployment statuses of a deployment that has not finished (ListDeployments `includeOnlyStatuses`). */
export const IN_PROGRESS_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;

/** Statuses after which CodeDeploy does not touch the deployment's resources again, unsuccessfully. */
export const UNSUCCESSFUL_STATUSES: ReadonlySet<string> = new Set(['Failed', 'Stopped']);

/** The `creator` of a deployment CodeDeploy started to roll another one back. */
export const ROLLBACK_CREATOR = 'codeDeployRollback';

/** One CodeDeploy tag filter (`EC2TagFilter`): Type is KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE. */
export interface TagFilter {
  key?: string;
  value?: string;
  type?: string;
}

/**
 * Tag filters as CodeDeploy combines them: an instance belongs when, for every inner list, it
 * matches at least one filter of that list (`ec2TagSet`; a plain `ec2TagFilters` list is one list).
 */
export type TagSet = TagFilter[][];

/** A deployment as GetDeployment describes it (and, when asked for, why its targets failed). */
export interface DeploymentDetails {
  deploymentId: string;
  application?: string;
  deploymentGroup?: string;
  status?: string;
  errorCode?: string;
  errorMessage?: string;
  creator?: string;
  deploymentType?: 'IN_PLACE' | 'BLUE_GREEN';
  /** Blue/green: whether CodeDeploy copied the Auto Scaling group or used existing instances. */
  greenFleetAction?: 'COPY_AUTO_SCALING_GROUP' | 'DISCOVER_EXISTING';
  computePlatform?: string;
  createTime?: Date;
  startTime?: Date;
  completeTime?: Date;
  description?: string;
  revision?: string;
  /** The revision as CodeDeploy registered it (S3 bundle or GitHub commit); absent for inline AppSpec content. */
  revisionLocation?: RegisteredRevision;
  /** GetApplicationRevision's `registerTime` of revisionLocation, when asked for. */
  revisionRegisterTime?: Date;
  overview?: { pending: number; inProgress: number; succeeded: number; failed: number; skipped: number; ready: number };
  /** This deployment rolls back that one. */
  rollsBack?: string;
  /** This deployment was rolled back by that one. */
  rolledBackBy?: string;
  rollbackMessage?: string;
  /** `targetInstances.autoScalingGroups`: for COPY_AUTO_SCALING_GROUP, the copy CodeDeploy made. */
  autoScalingGroups?: string[];
  /** `targetInstances.tagFilters` / `ec2TagSet`: the replacement instances of DISCOVER_EXISTING. */
  targetTagSet?: TagSet;
  /** Failed instances or targets with the lifecycle event that failed, when asked for. */
  failedTargets?: FailedTarget[];
  /** How many targets failed in all (failedTargets may hold fewer). */
  failedTargetCount?: number;
  /** Listing stopped early: at least failedTargetCount targets failed. */
  failedTargetCountIsLowerBound?: boolean;
}

/** A target whose lifecycle event failed, with CodeDeploy's diagnostics. */
export interface FailedTarget {
  targetId: string;
  type?: string;
  lifecycleEvent?: string;
  errorCode?: string;
  scriptName?: string;
  message?: string;
  logTail?: string;
}

/** A deployment group's configuration, as far as the service reads it. */
export interface DeploymentGroup {
  application: string;
  deploymentGroup: string;
  /** `autoScalingGroups[].name`: the groups the deployment group currently deploys to (the live ones). */
  liveAutoScalingGroups: string[];
  /** `ec2TagFilters` / `ec2TagSet`. */
  tagSet?: TagSet;
  /** `alarmConfiguration.alarms[].name`, each once. */
  alarms: string[];
  /** Only an enabled alarm configuration stops deployments. */
  alarmsEnabled: boolean;
  /** The deployment carries on when CloudWatch cannot be polled. */
  ignorePollAlarmFailure: boolean;
  /** Automatic rollback is on and includes DEPLOYMENT_STOP_ON_ALARM. */
  autoRollbackOnAlarm: boolean;
  /** ECS: the service the group deploys (the deployment target id is `<cluster>:<service>`). */
  ecsService?: { clusterName: string; serviceName: string };
  /** Blue/green with a load balancer: the first target group pair's listeners. */
  prodListenerArn?: string;
  testListenerArn?: string;
}

/**
 * A revision CodeDeploy keeps in its application's revision list: an S3 bundle or a GitHub commit,
 * with what identifies it (the `RevisionLocation` that GetApplicationRevision takes). Inline AppSpec
 * content (`AppSpecContent`, `String`: Lambda and ECS deployments) is never registered.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_RevisionLocation.html
 */
export type RegisteredRevision =
  | {
      revisionType: 'S3';
      s3Location: { bucket: string; key: string; bundleType?: BundleType; version?: string; eTag?: string };
    }
  | { revisionType: 'GitHub'; gitHubLocation: { repository: string; commitId: string } };

/** The registered revision a deployment names, if it names one (pure). */
export const toRegisteredRevision = (revision: RevisionLocation | undefined): RegisteredRevision | undefined => {
  const s3 = revision?.s3Location;
  if (s3?.bucket && s3.key) {
    const { bucket, key, bundleType, version, eTag } = s3;
    return { revisionType: 'S3', s3Location: { bucket, key, bundleType, version, eTag } };
  }
  const gitHub = revision?.gitHubLocation;
  if (gitHub?.repository && gitHub.commitId) {
    return { revisionType: 'GitHub', gitHubLocation: { repository: gitHub.repository, commitId: gitHub.commitId } };
  }
  return undefined;
};

/** A revision in one line: S3 object, GitHub commit, or inline appspec. */
export const describeRevision = (revision: RevisionLocation | undefined): string | undefined => {
  if (!revision) return undefined;
  if (revision.s3Location?.bucket) {
    const { bucket, key, version, eTag } = revision.s3Location;
    const suffix = version ? ` (version ${version})` : eTag ? ` (etag ${eTag})` : '';
    return `s3://${bucket}/${key ?? ''}${suffix}`;
  }
  if (revision.gitHubLocation?.repository) {
    const { repository, commitId } = revision.gitHubLocation;
    return `github:${repository}@${commitId?.slice(0, 12) ?? '?'}`;
  }
  if (revision.appSpecContent ?? revision.string) return 'inline AppSpec';
  return revision.revisionType;
};

/** `ec2TagFilters` (any filter matches) or `ec2TagSet` (every inner list matches) as one TagSet. */
export const toTagSet = (filters: EC2TagFilter[] | undefined, set: EC2TagSet | undefined): TagSet | undefined => {
  const lists = set?.ec2TagSetList ?? (filters && filters.length > 0 ? [filters] : undefined);
  return lists?.map((list) => list.map((f) => ({ key: f.Key, value: f.Value, type: f.Type })));
};

/** Maps a GetDeployment / BatchGetDeployments `deploymentInfo` (pure). */
export const toDeploymentDetails = (info: DeploymentInfo, deploymentId: string): DeploymentDetails => {
  const overview = info.deploymentOverview;
  return {
    deploymentId: info.deploymentId ?? deploymentId,
    application: info.applicationName,
    deploymentGroup: info.deploymentGroupName,
    status: info.status,
    errorCode: info.errorInformation?.code,
    errorMessage: info.errorInformation?.message,
    creator: info.creator,
    deploymentType: info.deploymentStyle?.deploymentType,
    greenFleetAction: info.blueGreenDeploymentConfiguration?.greenFleetProvisioningOption?.action,
    computePlatform: info.computePlatform,
    createTime: info.createTime,
    startTime: info.startTime,
    completeTime: info.completeTime,
    description: info.description,
    revision: describeRevision(info.revision),
    revisionLocation: toRegisteredRevision(info.revision),
    overview: overview && {
      pending: overview.Pending ?? 0,
      inProgress: overview.InProgress ?? 0,
      succeeded: overview.Succeeded ?? 0,
      failed: overview.Failed ?? 0,
      skipped: overview.Skipped ?? 0,
      ready: overview.Ready ?? 0,
    },
    rollsBack: info.rollbackInfo?.rollbackTriggeringDeploymentId,
    rolledBackBy: info.rollbackInfo?.rollbackDeploymentId,
    rollbackMessage: info.rollbackInfo?.rollbackMessage,
    autoScalingGroups: info.targetInstances?.autoScalingGroups,
    targetTagSet: toTagSet(info.targetInstances?.tagFilters, info.targetInstances?.ec2TagSet),
  };
};

/** Maps a GetDeploymentGroup / BatchGetDeploymentGroups `deploymentGroupInfo` (pure). */
export const toDeploymentGroup = (
  info: DeploymentGroupInfo,
  application: string,
  deploymentGroup: string,
): DeploymentGroup => {
  const alarms = info.alarmConfiguration;
  const rollback = info.autoRollbackConfiguration;
  const pair = info.loadBalancerInfo?.targetGroupPairInfoList?.[0];
  const ecs = info.ecsServices?.[0];
  return {
    application: info.applicationName ?? application,
    deploymentGroup: info.deploymentGroupName ?? deploymentGroup,
    liveAutoScalingGroups: (info.autoScalingGroups ?? []).flatMap((g) => (g.name ? [g.name] : [])),
    tagSet: toTagSet(info.ec2TagFilters, info.ec2TagSet),
    alarms: [...new Set((alarms?.alarms ?? []).flatMap((a) => (a.name ? [a.name] : [])))],
    alarmsEnabled: alarms?.enabled === true,
    ignorePollAlarmFailure: alarms?.ignorePollAlarmFailure === true,
    autoRollbackOnAlarm: rollback?.enabled === true && (rollback.events ?? []).includes('DEPLOYMENT_STOP_ON_ALARM'),
    ecsService:
      ecs?.clusterName && ecs.serviceName ? { clusterName: ecs.clusterName, serviceName: ecs.serviceName } : undefined,
    prodListenerArn: pair?.prodTrafficRoute?.listenerArns?.[0],
    testListenerArn: pair?.testTrafficRoute?.listenerArns?.[0],
  };
};

/** The first failed lifecycle event of a target, with its diagnostics (pure). */
export const toFailedTarget = (target: DeploymentTarget): FailedTarget | undefined => {
  const t = target.instanceTarget ?? target.ecsTarget ?? target.lambdaTarget ?? target.cloudFormationTarget;
  if (!t?.targetId) return undefined;
  const failed = t.lifecycleEvents?.find((e) => e.status === 'Failed') ?? t.lifecycleEvents?.find((e) => e.diagnostics);
  return {
    targetId: t.targetId,
    type: target.deploymentTargetType,
    lifecycleEvent: failed?.lifecycleEventName,
    errorCode: failed?.diagnostics?.errorCode,
    scriptName: failed?.diagnostics?.scriptName,
    message: failed?.diagnostics?.message,
    logTail: failed?.diagnostics?.logTail,
  };
};
