import type { InstanceFacts } from '../aws/ec2.js';
import type { CleanupDetail, CleanupMode } from '../events/sentinel.js';
import type { CleanupFacts, Decision, DeploymentFacts } from './decide.js';
import { KEEP_REASONS, parseCopiedGroupName } from './decide.js';

/**
 * The published form of each outcome (`lib/events/sentinel.ts`), built by pure functions so that
 * what people read in Slack and in the stream is tested apart from the AWS calls.
 */

/** EventBridge limits a PutEvents call to 256 KB: long instance lists are cut, the count stays whole. */
export const MAX_LISTED_INSTANCES = 100;

/** The reason text of a deleted (or would-be deleted) group. */
export const ORPHAN_TEXT = 'left behind by a failed or stopped blue/green deployment';
/** The reason text of a `green-instances-running` report. */
export const GREEN_INSTANCES_TEXT =
  'blue/green with existing instances: CodeDeploy created no group to delete; these replacement instances are still running';
/** The reason text of a `sweep-incomplete` report. */
export const DEADLINE_TEXT = 'the sweep stopped before the invocation deadline; the next sweep continues';

/** What became of a candidate group. */
export type GroupOutcome =
  { action: 'kept' } | { action: 'deleted' } | { action: 'would-delete' } | { action: 'delete-failed'; error: string };

const unique = (values: Array<string | undefined>) =>
  [...new Set(values.filter((v): v is string => Boolean(v)))].sort();

const deploymentFields = (deployment: DeploymentFacts | undefined, groupName: string | undefined) => {
  const parsed = groupName ? parseCopiedGroupName(groupName) : undefined;
  return {
    application: deployment?.application,
    deploymentGroup: deployment?.deploymentGroup ?? parsed?.deploymentGroup,
    deploymentId: deployment?.deploymentId ?? parsed?.deploymentId,
    deploymentStatus: deployment?.status,
  };
};

const withoutUndefined = (detail: CleanupDetail): CleanupDetail =>
  Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined)) as CleanupDetail;

/** The event detail for a decided candidate group and what was done with it (pure). */
export const toGroupDetail = (
  decision: Exclude<Decision, { kind: 'report-green-instances' }>,
  facts: CleanupFacts,
  outcome: GroupOutcome,
  mode: CleanupMode,
): CleanupDetail => {
  const groupName = decision.groupName ?? facts.groupName;
  const group = facts.group && facts.group.name === groupName ? facts.group : undefined;
  const instances = group?.instances ?? [];
  return withoutUndefined({
    action: outcome.action,
    trigger: facts.trigger,
    mode,
    reason: decision.reason,
    reasonText: decision.kind === 'keep' ? KEEP_REASONS[decision.reason] : ORPHAN_TEXT,
    autoScalingGroupName: groupName,
    ...deploymentFields(facts.deployment, groupName),
    instanceCount: group ? instances.length : undefined,
    instanceTypes: group ? unique(instances.map((i) => i.instanceType)) : undefined,
    instanceIds: group ? instances.slice(0, MAX_LISTED_INSTANCES).map((i) => i.instanceId) : undefined,
    groupCreatedTime: group?.createdTimeMs !== undefined ? new Date(group.createdTimeMs).toISOString() : undefined,
    runningMs: group?.createdTimeMs !== undefined ? Math.max(0, facts.nowMs - group.createdTimeMs) : undefined,
    error: outcome.action === 'delete-failed' ? outcome.error : undefined,
  });
};

/** The event detail for green instances a DISCOVER_EXISTING deployment left running (pure). */
export const toGreenInstancesDetail = (
  deployment: DeploymentFacts,
  instances: InstanceFacts[],
  mode: CleanupMode,
): CleanupDetail =>
  withoutUndefined({
    action: 'green-instances-running',
    trigger: 'event',
    mode,
    reason: 'existing-instances',
    reasonText: GREEN_INSTANCES_TEXT,
    ...deploymentFields(deployment, undefined),
    instanceCount: instances.length,
    instanceTypes: unique(instances.map((i) => i.instanceType)),
    instanceIds: instances.slice(0, MAX_LISTED_INSTANCES).map((i) => i.instanceId),
  });

/** The event detail of a sweep that ran out of time (pure). */
export const toSweepIncompleteDetail = (examined: number, remaining: number, mode: CleanupMode): CleanupDetail => ({
  action: 'sweep-incomplete',
  trigger: 'sweep',
  mode,
  reason: 'deadline',
  reasonText: DEADLINE_TEXT,
  examined,
  remaining,
});

/** The reason text of an account the hub could not act in. */
export const UNREACHABLE_TEXT = 'nothing was deleted there: the account could not be read';

/**
 * The event detail of a member account the hub could not act in (pure): after a deployment event
 * its group is kept, in a sweep the account and region are reported as not swept.
 */
export const toUnreachableDetail = (
  error: Error,
  mode: CleanupMode,
  trigger: 'event' | 'sweep',
  deploymentId?: string,
): CleanupDetail =>
  withoutUndefined({
    action: trigger === 'event' ? 'kept' : 'sweep-incomplete',
    trigger,
    mode,
    reason: 'account-unreachable',
    reasonText: `${error.message}; ${UNREACHABLE_TEXT}`,
    deploymentId,
    error: error.message,
  });
