import type { AutoScalingGroupFacts, AutoScalingPort } from '../aws/autoscaling.js';
import type { CallBudget } from '../aws/call.js';
import { CODEDEPLOY_BATCH } from '../aws/codedeploy.js';
import type { Ec2Filter, Ec2Port, InstanceFacts } from '../aws/ec2.js';
import { MemberAccessError, type Target } from '../aws/accounts.js';
import { errorText } from '../aws/errors.js';
import type { TagSet } from '../codedeploy/deployment.js';
import type { CleanupDetail, CleanupMode, CleanupTrigger } from '../events/sentinel.js';
import type { Logger } from '../log.js';
import { type Metrics, metrics as processMetrics } from '../metrics.js';
import type { Clock, Deadline, Sleep } from '../time.js';
import {
  type CleanupFacts,
  copiesGroup,
  createdGroupName,
  type Decision,
  decideCleanup,
  type DeploymentFacts,
  type DeploymentGroupFacts,
  greenFleetTagSet,
  type KeepReason,
  needsDeploymentGroupFacts,
  parseCopiedGroupName,
  toEc2TagFilter,
} from './decide.js';
import {
  type GroupOutcome,
  toGreenInstancesDetail,
  toGroupDetail,
  toSweepIncompleteDetail,
  toUnreachableDetail,
} from './detail.js';
import type { CleanupCodeDeploy } from './ports.js';

/**
 * The two cleanup use cases: after a FAILURE/STOP event (act at once on the one group that
 * deployment created) and the scheduled sweep (every `CodeDeploy_*` group of the region). Both
 * gather facts through the ports, let `decideCleanup` choose, act, publish every outcome, and
 * throw at the end when something could not be done, so the invocation fails into the
 * dead-letter queue instead of looking green.
 */

/** What both use cases need: ports, the publisher, settings, time and a logger. */
export interface CleanupDeps {
  codedeploy: CleanupCodeDeploy;
  autoscaling: AutoScalingPort;
  /** Loaded only for DISCOVER_EXISTING deployments (see lazy-instances.ts). */
  instances: () => Promise<Pick<Ec2Port, 'describeInstances'>>;
  publish: (details: CleanupDetail[]) => Promise<void>;
  mode: CleanupMode;
  /** Sweep only: a deployment must have completed this long ago (the event path acts at once). */
  minAgeMs: number;
  deadline: Deadline;
  clock: Clock;
  sleep: Sleep;
  log: Logger;
  /** Groups deleted and kept, and what a sweep left (default: the process's recorder). */
  metrics?: Metrics;
  /** Sweep only: no new batch of 25 deployments starts with less time than this left (default 10 s). */
  sweepReserveMs?: number;
  /**
   * The account and region the ports act in, stamped on every published outcome: the bus stamps its
   * envelope with the publisher's account, which for a hub is not the group's.
   */
  target?: Target;
}

/** What a run did, for the log line and for `npm start`. */
export interface CleanupSummary {
  trigger: CleanupTrigger;
  mode: CleanupMode;
  /** Groups named like a copy (`CodeDeploy_<group>_<deploymentId>`) that were found. */
  candidates: number;
  /** Candidates decided. */
  examined: number;
  deleted: string[];
  wouldDelete: string[];
  kept: Array<{ groupName?: string; deploymentId?: string; reason: KeepReason }>;
  deleteFailed: Array<{ groupName: string; error: string }>;
  greenInstances: Array<{ deploymentId: string; instanceIds: string[] }>;
  /** `CodeDeploy_*` names that are not in the copy format: never candidates. */
  ignoredNames: number;
  incomplete?: { examined: number; remaining: number; listingComplete: boolean };
  published: number;
  /** Port calls made (a port's own retries and pages are not counted). */
  calls: Record<string, number>;
  errors: string[];
}

/** Something could not be done (a deletion, a lookup, publishing); `summary` says what was. */
export class CleanupError extends Error {
  override name = 'CleanupError';
  constructor(
    message: string,
    readonly summary: CleanupSummary,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface GroupContext {
  deploymentGroup: DeploymentGroupFacts | undefined;
  inProgress: string[] | undefined;
}
const UNKNOWN_CONTEXT: GroupContext = { deploymentGroup: undefined, inProgress: undefined };

/** Instances matching a tag set: per inner list any filter matches, and every list must match. */
export const findGreenInstances = async (
  port: Pick<Ec2Port, 'describeInstances'>,
  tagSet: TagSet,
  budget: CallBudget,
): Promise<InstanceFacts[]> => {
  const running: Ec2Filter = { name: 'instance-state-name', values: ['pending', 'running'] };
  let matching: Map<string, InstanceFacts> | undefined;
  for (const list of tagSet) {
    const filters = list.map(toEc2TagFilter).filter((f): f is Ec2Filter => f !== undefined);
    if (filters.length === 0) continue;
    const anyOf = new Map<string, InstanceFacts>();
    for (const filter of filters) {
      for (const instance of await port.describeInstances([running, filter], budget)) {
        anyOf.set(instance.instanceId, instance);
      }
    }
    matching = matching ? new Map([...matching].filter(([id]) => anyOf.has(id))) : anyOf;
  }
  return [...(matching?.values() ?? [])].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
};

/** What a run came to, as metrics: a report-mode run keeps what it would delete. */
const countOutcomes = (summary: CleanupSummary, metrics: Metrics) => {
  if (summary.deleted.length > 0) metrics.add('GroupsDeleted', {}, summary.deleted.length);
  for (const { reason } of summary.kept) metrics.add('GroupsKept', { reason });
  if (summary.wouldDelete.length > 0) metrics.add('GroupsKept', { reason: 'report-mode' }, summary.wouldDelete.length);
  if (summary.trigger === 'sweep') metrics.add('SweepGroupsLeft', {}, summary.incomplete?.remaining ?? 0);
};

/** State and helpers shared by one invocation of either use case. */
const startRun = (trigger: CleanupTrigger, deps: CleanupDeps) => {
  const summary: CleanupSummary = {
    trigger,
    mode: deps.mode,
    candidates: 0,
    examined: 0,
    deleted: [],
    wouldDelete: [],
    kept: [],
    deleteFailed: [],
    greenInstances: [],
    ignoredNames: 0,
    published: 0,
    calls: {},
    errors: [],
  };
  const errors: unknown[] = [];
  const outbox: CleanupDetail[] = [];
  const contexts = new Map<string, Promise<GroupContext>>();
  const log = deps.log.child({ trigger, mode: deps.mode });
  // Every AWS call of the run: the port's own retries, within the invocation's deadline.
  const budget: CallBudget = { deadline: deps.deadline, sleep: deps.sleep };

  const fail = (what: string, error: unknown) => {
    errors.push(error);
    summary.errors.push(`${what}: ${errorText(error)}`);
    log.error(what, { error });
  };

  const count = (operation: string) => {
    summary.calls[operation] = (summary.calls[operation] ?? 0) + 1;
  };
  const call = <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    count(operation);
    return run();
  };
  /** Counts each page of a paginated operation. */
  const callPages = async function* <T>(operation: string, pages: AsyncIterable<T>): AsyncIterable<T> {
    for await (const page of pages) {
      count(operation);
      yield page;
    }
  };

  /** Each deployment group is read once per invocation; a failed read leaves its facts unknown. */
  const groupContext = (deployment: DeploymentFacts): Promise<GroupContext> => {
    const { application, deploymentGroup } = deployment;
    if (!application || !deploymentGroup) return Promise.resolve(UNKNOWN_CONTEXT);
    const key = JSON.stringify([application, deploymentGroup]);
    let context = contexts.get(key);
    if (!context) {
      context = Promise.all([
        call('GetDeploymentGroup', () => deps.codedeploy.getDeploymentGroup(application, deploymentGroup, budget)),
        call('ListDeployments', () => deps.codedeploy.listInProgressDeployments(application, deploymentGroup, budget)),
      ]).then(
        ([dg, inProgress]) => ({ deploymentGroup: dg, inProgress }),
        (error: unknown) => {
          fail(`reading deployment group ${application}/${deploymentGroup}`, error);
          return UNKNOWN_CONTEXT;
        },
      );
      contexts.set(key, context);
    }
    return context;
  };

  /** The facts of one candidate, as the decision reads them. */
  const factsOf = (
    groupName: string | undefined,
    deployment: DeploymentFacts | undefined,
    context: GroupContext,
    group: AutoScalingGroupFacts | undefined,
  ): CleanupFacts => ({
    trigger,
    groupName,
    deployment,
    deploymentGroup: context.deploymentGroup,
    inProgressDeploymentIds: context.inProgress,
    group,
    nowMs: deps.clock(),
    minAgeMs: deps.minAgeMs,
  });

  const act = async (decision: Exclude<Decision, { kind: 'report-green-instances' }>, facts: CleanupFacts) => {
    summary.examined += 1;
    const deploymentId =
      facts.deployment?.deploymentId ??
      (facts.groupName ? parseCopiedGroupName(facts.groupName)?.deploymentId : undefined);
    let outcome: GroupOutcome;
    if (decision.kind === 'keep') {
      outcome = { action: 'kept' };
      summary.kept.push({ groupName: decision.groupName, deploymentId, reason: decision.reason });
      log.info('group kept', { autoScalingGroupName: decision.groupName, deploymentId, reason: decision.reason });
    } else if (deps.mode === 'report') {
      outcome = { action: 'would-delete' };
      summary.wouldDelete.push(decision.groupName);
      log.info('group would be deleted', { autoScalingGroupName: decision.groupName, deploymentId });
    } else {
      try {
        const result = await call('DeleteAutoScalingGroup', () =>
          deps.autoscaling.deleteGroup(decision.groupName, budget),
        );
        outcome = { action: 'deleted' };
        summary.deleted.push(decision.groupName);
        log.info('orphaned group deleted', { autoScalingGroupName: decision.groupName, deploymentId, result });
      } catch (error) {
        outcome = { action: 'delete-failed', error: errorText(error) };
        summary.deleteFailed.push({ groupName: decision.groupName, error: errorText(error) });
        fail(`deleting ${decision.groupName}`, error);
      }
    }
    outbox.push(toGroupDetail(decision, facts, outcome, deps.mode));
  };

  const reportGreenInstances = async (deployment: DeploymentFacts, context: GroupContext) => {
    const tagSet = greenFleetTagSet(deployment, context.deploymentGroup);
    if (!tagSet) {
      log.warn('no tag filters name the replacement instances; nothing to report', {
        deploymentId: deployment.deploymentId,
      });
      return;
    }
    try {
      const port = await deps.instances();
      const instances = await call('DescribeInstances', () => findGreenInstances(port, tagSet, budget));
      summary.greenInstances.push({
        deploymentId: deployment.deploymentId,
        instanceIds: instances.map((i) => i.instanceId),
      });
      if (instances.length > 0) outbox.push(toGreenInstancesDetail(deployment, instances, deps.mode));
    } catch (error) {
      fail(`finding the replacement instances of ${deployment.deploymentId}`, error);
    }
  };

  /** Publishes what is waiting; a failure is recorded and the run goes on. */
  const flush = async () => {
    if (outbox.length === 0) return;
    const details = outbox
      .splice(0, outbox.length)
      .map((d) => (deps.target ? { ...d, account: deps.target.account, region: deps.target.region } : d));
    try {
      await call('PutEvents', () => deps.publish(details));
      summary.published += details.length;
    } catch (error) {
      fail(`publishing ${details.length} cleanup events`, error);
    }
  };

  const finish = async (): Promise<CleanupSummary> => {
    await flush();
    countOutcomes(summary, deps.metrics ?? processMetrics);
    const counts = {
      candidates: summary.candidates,
      examined: summary.examined,
      deleted: summary.deleted.length,
      wouldDelete: summary.wouldDelete.length,
      kept: summary.kept.length,
      deleteFailed: summary.deleteFailed.length,
      published: summary.published,
      incomplete: summary.incomplete,
      calls: summary.calls,
    };
    if (errors.length === 0) {
      log.info('cleanup finished', counts);
      return summary;
    }
    log.error('cleanup finished with errors', { ...counts, errors: summary.errors });
    throw new CleanupError(`cleanup could not finish: ${summary.errors.join('; ')}`, summary, {
      cause: errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} errors`),
    });
  };

  return {
    summary,
    outbox,
    log,
    budget,
    fail,
    call,
    callPages,
    groupContext,
    factsOf,
    act,
    reportGreenInstances,
    flush,
    finish,
  };
};

/**
 * After a FAILURE or STOP state change: deletes the group that deployment copied, if every rule
 * allows it now (no minimum age), or reports DISCOVER_EXISTING instances left running.
 */
export const cleanUpAfterDeployment = async (deploymentId: string, deps: CleanupDeps): Promise<CleanupSummary> => {
  const run = startRun('event', deps);
  try {
    const deployment = await run.call('GetDeployment', () => deps.codedeploy.getDeployment(deploymentId, run.budget));
    const unsuccessfulBlueGreen = deployment !== undefined && needsDeploymentGroupFacts(deployment);
    const context = unsuccessfulBlueGreen ? await run.groupContext(deployment) : UNKNOWN_CONTEXT;
    // Only a deployment that copied a group has a candidate: in-place and DISCOVER_EXISTING created none.
    const groupName = deployment && copiesGroup(deployment) ? createdGroupName(deployment) : undefined;
    let group: AutoScalingGroupFacts | undefined;
    if (groupName && unsuccessfulBlueGreen) {
      group = await run.call('DescribeAutoScalingGroups', () => deps.autoscaling.describeGroup(groupName, run.budget));
    }
    const facts = run.factsOf(groupName, deployment, context, group);
    run.summary.candidates = groupName ? 1 : 0;
    const decision = decideCleanup(facts);
    if (decision.kind === 'report-green-instances') {
      if (deployment) await run.reportGreenInstances(deployment, context);
    } else if (decision.kind === 'delete' || decision.groupName !== undefined) {
      await run.act(decision, facts);
    } else {
      run.summary.kept.push({ deploymentId, reason: decision.reason });
      run.log.info('no group to clean up', { deploymentId, reason: decision.reason });
    }
  } catch (error) {
    run.fail(`cleaning up after ${deploymentId}`, error);
    // Nothing could be read in that account, so nothing was deleted: say so where people look.
    if (error instanceof MemberAccessError)
      run.outbox.push(toUnreachableDetail(error, deps.mode, 'event', deploymentId));
  }
  return run.finish();
};

interface Candidate {
  group: AutoScalingGroupFacts;
  deploymentId: string;
}

const byAge = (a: Candidate, b: Candidate) =>
  (a.group.createdTimeMs ?? Number.POSITIVE_INFINITY) - (b.group.createdTimeMs ?? Number.POSITIVE_INFINITY) ||
  a.group.name.localeCompare(b.group.name);

/**
 * The scheduled sweep: every `CodeDeploy_<group>_<deploymentId>` group of the region is decided,
 * oldest first, 25 deployments at a time; it stops before the deadline and says so.
 */
export const sweepOrphans = async (deps: CleanupDeps): Promise<CleanupSummary> => {
  const run = startRun('sweep', deps);
  const reserve = deps.sweepReserveMs ?? 10_000;
  const outOfTime = () => deps.deadline.remainingMs() < reserve;
  const candidates: Candidate[] = [];
  let listingComplete = true;

  try {
    for await (const page of run.callPages('DescribeAutoScalingGroups', deps.autoscaling.listGroups(run.budget))) {
      for (const group of page) {
        if (!group.name.startsWith('CodeDeploy_')) continue;
        const parsed = parseCopiedGroupName(group.name);
        if (parsed) candidates.push({ group, deploymentId: parsed.deploymentId });
        else run.summary.ignoredNames += 1;
      }
      if (outOfTime()) {
        listingComplete = false;
        break;
      }
    }
  } catch (error) {
    run.fail('listing Auto Scaling groups', error);
    return run.finish();
  }
  run.summary.candidates = candidates.length;

  const byDeployment = new Map<string, Candidate[]>();
  for (const candidate of listingComplete ? candidates.sort(byAge) : []) {
    byDeployment.set(candidate.deploymentId, [...(byDeployment.get(candidate.deploymentId) ?? []), candidate]);
  }
  const deploymentIds = [...byDeployment.keys()];
  const candidatesOf = (ids: string[]) => ids.reduce((n, id) => n + (byDeployment.get(id)?.length ?? 0), 0);

  let reached = 0;
  for (; reached < deploymentIds.length && !outOfTime(); reached += CODEDEPLOY_BATCH) {
    const ids = deploymentIds.slice(reached, reached + CODEDEPLOY_BATCH);
    let deployments: Map<string, DeploymentFacts>;
    try {
      const found = await run.call('BatchGetDeployments', () => deps.codedeploy.batchGetDeployments(ids, run.budget));
      deployments = new Map(found.map((d) => [d.deploymentId, d]));
    } catch (error) {
      // These candidates stay undecided until the next sweep; the failure still fails this invocation.
      run.fail(`reading deployments ${ids.join(', ')}`, error);
      continue;
    }
    for (const id of ids) {
      const deployment = deployments.get(id);
      const context =
        deployment && needsDeploymentGroupFacts(deployment) ? await run.groupContext(deployment) : UNKNOWN_CONTEXT;
      for (const { group } of byDeployment.get(id) ?? []) {
        const facts = run.factsOf(group.name, deployment, context, group);
        const decision = decideCleanup(facts);
        if (decision.kind !== 'report-green-instances') await run.act(decision, facts);
      }
    }
    await run.flush();
  }

  const remaining = listingComplete ? candidatesOf(deploymentIds.slice(reached)) : candidates.length;
  if (!listingComplete || remaining > 0) {
    run.summary.incomplete = { examined: run.summary.examined, remaining, listingComplete };
    run.outbox.push(toSweepIncompleteDetail(run.summary.examined, remaining, deps.mode));
    run.log.warn('sweep stopped before the deadline', run.summary.incomplete);
  }
  return run.finish();
};
