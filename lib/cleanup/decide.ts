import type { AutoScalingGroupFacts } from '../aws/autoscaling.js';
import {
  type DeploymentDetails,
  type DeploymentGroup,
  type TagFilter,
  type TagSet,
  UNSUCCESSFUL_STATUSES,
} from '../codedeploy/deployment.js';
import type { CleanupTrigger } from '../events/sentinel.js';

/**
 * Whether an Auto Scaling group left behind by a blue/green deployment may be deleted: one pure
 * decision over facts gathered beforehand, so that its safety can be tested on generated accounts.
 *
 * With "copy Auto Scaling group", CodeDeploy names the copy `CodeDeploy_<deploymentGroup>_<deploymentId>`
 * (CodeDeploy user guide, "How CodeDeploy names Amazon EC2 Auto Scaling groups"). A successful
 * deployment makes its copy the live group, so live groups carry that prefix too: the name alone
 * never proves a group is an orphan.
 */

/** Why a candidate group is kept, in words for people. */
export const KEEP_REASONS = {
  'deployment-not-found': 'CodeDeploy does not know the deployment that created the group',
  'not-copied-group':
    'the deployment did not copy an Auto Scaling group (in-place, or blue/green with existing instances)',
  'deployment-not-failed': 'the deployment did not fail or stop',
  'not-created-by-deployment': 'the group is not the one the deployment created',
  'deployment-group-unknown':
    'the deployment group or its running deployments could not be read, so its live groups are unknown',
  'live-group': 'the group is a live group of its deployment group',
  'deployment-in-progress': 'a deployment of the same deployment group is in progress',
  'group-not-found': 'no Auto Scaling group of that name exists (never created, or already deleted)',
  'already-deleting': 'the group is already being deleted',
  'deletion-protected': 'deletion protection forbids deleting the group',
  'too-recent': 'the deployment completed less than the minimum age ago (or its completion time is unknown)',
} as const;
/** A named refusal. */
export type KeepReason = keyof typeof KEEP_REASONS;

/** What the decision reads of a deployment (GetDeployment / BatchGetDeployments). */
export type DeploymentFacts = Pick<
  DeploymentDetails,
  | 'deploymentId'
  | 'application'
  | 'deploymentGroup'
  | 'status'
  | 'deploymentType'
  | 'greenFleetAction'
  | 'autoScalingGroups'
  | 'targetTagSet'
  | 'completeTime'
>;

/** What the decision reads of a deployment group (GetDeploymentGroup). */
export type DeploymentGroupFacts = Pick<
  DeploymentGroup,
  'application' | 'deploymentGroup' | 'liveAutoScalingGroups' | 'tagSet'
>;

/** Everything the decision looks at; absent facts are unknown, and unknown never deletes. */
export interface CleanupFacts {
  trigger: CleanupTrigger;
  /** The group in question: the name a sweep found, or the one the deployment should have made. */
  groupName: string | undefined;
  deployment: DeploymentFacts | undefined;
  deploymentGroup: DeploymentGroupFacts | undefined;
  /** Deployments of the same deployment group that have not finished. */
  inProgressDeploymentIds: string[] | undefined;
  group: AutoScalingGroupFacts | undefined;
  nowMs: number;
  /** Sweep only: how long ago the deployment must have completed. */
  minAgeMs: number;
}

/** Delete the group, keep it (and say why), or report a DISCOVER_EXISTING deployment's instances. */
export type Decision =
  | { kind: 'delete'; groupName: string; reason: 'orphan' }
  | { kind: 'keep'; groupName: string | undefined; reason: KeepReason }
  | { kind: 'report-green-instances'; reason: 'existing-instances' };

/** Deployment ids are `d-` and nine uppercase letters or digits. */
const COPY_NAME = /^CodeDeploy_(.+)_(d-[A-Z0-9]{9})$/;

/**
 * Splits `CodeDeploy_<deploymentGroup>_<deploymentId>` from the right (deployment group names may
 * contain underscores); `undefined` for any other name.
 */
export const parseCopiedGroupName = (name: string): { deploymentGroup: string; deploymentId: string } | undefined => {
  const match = COPY_NAME.exec(name);
  return match ? { deploymentGroup: match[1]!, deploymentId: match[2]! } : undefined;
};

/** The name CodeDeploy gives the copy it makes for a deployment. */
export const copiedGroupName = (deploymentGroup: string, deploymentId: string): string =>
  `CodeDeploy_${deploymentGroup}_${deploymentId}`;

/** The deployment failed or was stopped. */
export const isUnsuccessful = (deployment: DeploymentFacts): boolean =>
  UNSUCCESSFUL_STATUSES.has(deployment.status ?? '');

/** Blue/green with "copy Auto Scaling group": the only kind that creates a group. */
export const copiesGroup = (deployment: DeploymentFacts): boolean =>
  deployment.deploymentType === 'BLUE_GREEN' && deployment.greenFleetAction === 'COPY_AUTO_SCALING_GROUP';

/** A failed or stopped blue/green deployment: only then are the deployment group's facts needed. */
export const needsDeploymentGroupFacts = (deployment: DeploymentFacts | undefined): boolean =>
  deployment !== undefined && deployment.deploymentType === 'BLUE_GREEN' && isUnsuccessful(deployment);

/**
 * The group the deployment created: `targetInstances.autoScalingGroups[0]` when it carries this
 * deployment's id (the name survives a later rename of the deployment group), else the naming rule.
 */
export const createdGroupName = (deployment: DeploymentFacts): string | undefined => {
  const listed = deployment.autoScalingGroups?.[0];
  if (listed !== undefined && parseCopiedGroupName(listed)?.deploymentId === deployment.deploymentId) return listed;
  if (!deployment.deploymentGroup) return undefined;
  const byRule = copiedGroupName(deployment.deploymentGroup, deployment.deploymentId);
  return parseCopiedGroupName(byRule)?.deploymentId === deployment.deploymentId ? byRule : undefined;
};

/** ForceDelete is refused by both `prevent-*` levels, so only `none` lets the deletion through. */
const protectionAllows = (group: AutoScalingGroupFacts): boolean => (group.deletionProtection ?? 'none') === 'none';

/**
 * Deletes only when every rule holds; otherwise keeps, naming the first rule that refused.
 * The order of the rules only chooses which reason is reported: each one alone can refuse.
 */
export const decideCleanup = (facts: CleanupFacts): Decision => {
  const { deployment, groupName, group } = facts;
  const keep = (reason: KeepReason): Decision => ({ kind: 'keep', groupName, reason });

  if (!deployment) return keep('deployment-not-found');
  if (
    facts.trigger === 'event' &&
    needsDeploymentGroupFacts(deployment) &&
    deployment.greenFleetAction === 'DISCOVER_EXISTING'
  ) {
    return { kind: 'report-green-instances', reason: 'existing-instances' };
  }
  if (!copiesGroup(deployment)) return keep('not-copied-group');
  if (!isUnsuccessful(deployment)) return keep('deployment-not-failed');
  if (groupName === undefined || groupName !== createdGroupName(deployment)) return keep('not-created-by-deployment');

  const dg = facts.deploymentGroup;
  const sameGroup =
    dg && dg.application === deployment.application && dg.deploymentGroup === deployment.deploymentGroup;
  if (!dg || !sameGroup || !facts.inProgressDeploymentIds) return keep('deployment-group-unknown');
  if (dg.liveAutoScalingGroups.includes(groupName)) return keep('live-group');
  if (facts.inProgressDeploymentIds.length > 0) return keep('deployment-in-progress');

  if (!group || group.name !== groupName) return keep('group-not-found');
  if (group.status) return keep('already-deleting');
  if (!protectionAllows(group)) return keep('deletion-protected');

  if (facts.trigger === 'sweep') {
    const completed = deployment.completeTime?.getTime();
    if (completed === undefined || facts.nowMs - completed < facts.minAgeMs) return keep('too-recent');
  }
  return { kind: 'delete', groupName, reason: 'orphan' };
};

/** The tag filters that find a DISCOVER_EXISTING deployment's green instances: the deployment's own, else its group's. */
export const greenFleetTagSet = (
  deployment: DeploymentFacts,
  deploymentGroup: DeploymentGroupFacts | undefined,
): TagSet | undefined => {
  const nonEmpty = (set: TagSet | undefined) => (set && set.some((list) => list.length > 0) ? set : undefined);
  return nonEmpty(deployment.targetTagSet) ?? nonEmpty(deploymentGroup?.tagSet);
};

/** EC2 DescribeInstances filter for one CodeDeploy tag filter (`undefined` when it names nothing). */
export const toEc2TagFilter = (filter: TagFilter): { name: string; values: string[] } | undefined => {
  const type = filter.type ?? (filter.key && filter.value ? 'KEY_AND_VALUE' : filter.key ? 'KEY_ONLY' : 'VALUE_ONLY');
  if (type === 'KEY_ONLY' && filter.key) return { name: 'tag-key', values: [filter.key] };
  if (type === 'VALUE_ONLY' && filter.value) return { name: 'tag-value', values: [filter.value] };
  if (type === 'KEY_AND_VALUE' && filter.key && filter.value !== undefined) {
    return { name: `tag:${filter.key}`, values: [filter.value] };
  }
  return undefined;
};
