import {
  BatchGetDeploymentTargetsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  type DeploymentTarget,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';

/**
 * What GetDeployment (and, for a failure, the failed targets) say about a deployment, reduced to
 * the facts the alerts and the stream use. Every field is optional: the API omits what it does
 * not know, and we never invent it.
 */
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
  overview?: { pending: number; inProgress: number; succeeded: number; failed: number; skipped: number; ready: number };
  /** This deployment rolls back that one. */
  rollsBack?: string;
  /** This deployment was rolled back by that one. */
  rolledBackBy?: string;
  rollbackMessage?: string;
  autoScalingGroups?: string[];
  /** Failed instances or targets with the lifecycle event that failed, when asked for. */
  failedTargets?: FailedTarget[];
  /** How many targets failed in all (failedTargets may hold fewer). */
  failedTargetCount?: number;
  /** Listing stopped early: at least failedTargetCount targets failed. */
  failedTargetCountIsLowerBound?: boolean;
}

export interface FailedTarget {
  targetId: string;
  type?: string;
  lifecycleEvent?: string;
  errorCode?: string;
  scriptName?: string;
  message?: string;
  logTail?: string;
}

export interface DescribeOptions {
  /** Each AWS call is abandoned after this long, so enrichment never eats the invocation. */
  callTimeoutMs?: number;
  /** Fetch why the deployment failed, per target (FAILURE, STOP). */
  includeFailedTargets?: boolean;
  /** At most this many failed targets are described (the API takes 25 per call). */
  maxFailedTargets?: number;
}

const BATCH = 25;
/** ListDeploymentTargets pages read at most (each lists up to 100 ids in practice). */
const MAX_TARGET_PAGES = 5;

/** A revision in one line: S3 object, GitHub commit, or inline appspec. */
export const describeRevision = (revision: RevisionLocation | undefined): string | undefined => {
  if (!revision) return undefined;
  if (revision.s3Location?.bucket) {
    const { bucket, key, version, eTag } = revision.s3Location;
    return `s3://${bucket}/${key ?? ''}${version ? ` (version ${version})` : eTag ? ` (etag ${eTag})` : ''}`;
  }
  if (revision.gitHubLocation?.repository) {
    const { repository, commitId } = revision.gitHubLocation;
    return `github:${repository}@${commitId?.slice(0, 12) ?? '?'}`;
  }
  if (revision.appSpecContent ?? revision.string) return 'inline AppSpec';
  return revision.revisionType;
};

/** Maps GetDeployment's answer to DeploymentDetails (pure). */
export const toDeploymentDetails = (info: DeploymentInfo, deploymentId: string): DeploymentDetails => {
  const overview = info.deploymentOverview;
  const greenAction = info.blueGreenDeploymentConfiguration?.greenFleetProvisioningOption?.action;
  return {
    deploymentId: info.deploymentId ?? deploymentId,
    application: info.applicationName,
    deploymentGroup: info.deploymentGroupName,
    status: info.status,
    errorCode: info.errorInformation?.code,
    errorMessage: info.errorInformation?.message,
    creator: info.creator,
    deploymentType: info.deploymentStyle?.deploymentType,
    greenFleetAction: greenAction,
    computePlatform: info.computePlatform,
    createTime: info.createTime,
    startTime: info.startTime,
    completeTime: info.completeTime,
    description: info.description,
    revision: describeRevision(info.revision),
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

const callOptions = (timeoutMs: number) => ({ abortSignal: AbortSignal.timeout(timeoutMs) });

/** GetDeployment, then (optionally) ListDeploymentTargets + BatchGetDeploymentTargets for failures. */
export const describeDeployment = async (
  client: CodeDeployClient,
  deploymentId: string,
  options: DescribeOptions = {},
): Promise<DeploymentDetails> => {
  const timeout = options.callTimeoutMs ?? 3_000;
  const { deploymentInfo } = await client.send(new GetDeploymentCommand({ deploymentId }), callOptions(timeout));
  const details = toDeploymentDetails(deploymentInfo ?? {}, deploymentId);
  if (!options.includeFailedTargets) return details;

  const wanted = options.maxFailedTargets ?? 50;
  const ids: string[] = [];
  let total = 0;
  let pages = 0;
  let nextToken: string | undefined;
  do {
    // A fleet of thousands of failed instances must not turn one alert into hundreds of calls.
    if (pages >= MAX_TARGET_PAGES) {
      return {
        ...details,
        ...(await describeTargets(client, deploymentId, ids, timeout)),
        failedTargetCount: total,
        failedTargetCountIsLowerBound: true,
      };
    }
    pages += 1;
    const page = await client.send(
      new ListDeploymentTargetsCommand({ deploymentId, nextToken, targetFilters: { TargetStatus: ['Failed'] } }),
      callOptions(timeout),
    );
    const pageIds = page.targetIds ?? [];
    total += pageIds.length;
    ids.push(...pageIds.slice(0, Math.max(0, wanted - ids.length)));
    nextToken = page.nextToken;
  } while (nextToken);

  return { ...details, ...(await describeTargets(client, deploymentId, ids, timeout)), failedTargetCount: total };
};

/** BatchGetDeploymentTargets, 25 ids a call. */
const describeTargets = async (client: CodeDeployClient, deploymentId: string, ids: string[], timeout: number) => {
  const failedTargets: FailedTarget[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = await client.send(
      new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ids.slice(i, i + BATCH) }),
      callOptions(timeout),
    );
    for (const target of batch.deploymentTargets ?? []) {
      const failed = toFailedTarget(target);
      if (failed) failedTargets.push(failed);
    }
  }
  return { failedTargets };
};
