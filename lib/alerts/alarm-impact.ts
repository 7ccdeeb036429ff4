import type { CallBudget } from '../aws/call.js';
import { errorText } from '../aws/errors.js';
import type { DeploymentGroup } from '../codedeploy/deployment.js';
import { type Clock, type Deadline, realClock } from '../time.js';
import type { DeploymentGroupReader } from './ports.js';

/**
 * Which CodeDeploy deployment groups watch an alarm (their `alarmConfiguration`), and what the
 * alarm going off does to them right now: CodeDeploy stops a deployment in progress when one of
 * its group's alarms is in ALARM, and rolls it back too when the group's automatic rollback
 * includes DEPLOYMENT_STOP_ON_ALARM (CodeDeploy user guide, "Monitoring deployments with
 * CloudWatch alarms").
 */

/** A deployment group that lists an alarm in its alarm configuration. */
export type AlarmWatcher = Pick<
  DeploymentGroup,
  'application' | 'deploymentGroup' | 'alarmsEnabled' | 'ignorePollAlarmFailure' | 'autoRollbackOnAlarm'
>;

/** Alarm name -> the deployment groups that list it. */
export type AlarmIndex = ReadonlyMap<string, readonly AlarmWatcher[]>;

export interface GroupRef {
  application: string;
  deploymentGroup: string;
}

/** The deployments of one group that an alarm can still stop. */
export interface InProgressDeployments extends GroupRef {
  deploymentIds: string[];
}

export const ALARM_EFFECTS = ['stop', 'stop-and-roll-back'] as const;
export type AlarmEffect = (typeof ALARM_EFFECTS)[number];

/** What an alarm in ALARM does to one deployment group. */
export interface AlarmImpact extends GroupRef {
  effect: AlarmEffect;
  inProgressDeployments: string[];
}

/** The deployment groups could not be read; the alarm's impact is unknown. */
export class AlarmImpactLookupError extends Error {
  override name = 'AlarmImpactLookupError';
}

/** Builds the alarm index from the deployment groups of the region (pure). */
export const toAlarmIndex = (groups: readonly DeploymentGroup[]): AlarmIndex => {
  const index = new Map<string, AlarmWatcher[]>();
  for (const group of groups) {
    const watcher: AlarmWatcher = {
      application: group.application,
      deploymentGroup: group.deploymentGroup,
      alarmsEnabled: group.alarmsEnabled,
      ignorePollAlarmFailure: group.ignorePollAlarmFailure,
      autoRollbackOnAlarm: group.autoRollbackOnAlarm,
    };
    for (const name of group.alarms) index.set(name, [...(index.get(name) ?? []), watcher]);
  }
  return index;
};

/** The groups an alarm can stop: those that list it with alarm monitoring enabled (pure). */
export const groupsStoppedBy = (alarmName: string, index: AlarmIndex): AlarmWatcher[] =>
  (index.get(alarmName) ?? []).filter((w) => w.alarmsEnabled);

const sameGroup = (a: GroupRef, b: GroupRef) =>
  a.application === b.application && a.deploymentGroup === b.deploymentGroup;

/** What the alarm does to each group that watches it, with the deployments it would stop now (pure). */
export const toAlarmImpact = (
  alarmName: string,
  index: AlarmIndex,
  inProgress: readonly InProgressDeployments[],
): AlarmImpact[] =>
  groupsStoppedBy(alarmName, index).map((watcher) => ({
    application: watcher.application,
    deploymentGroup: watcher.deploymentGroup,
    effect: watcher.autoRollbackOnAlarm ? 'stop-and-roll-back' : 'stop',
    inProgressDeployments: [
      ...new Set(inProgress.filter((p) => sameGroup(p, watcher)).flatMap((p) => p.deploymentIds)),
    ],
  }));

/** Runs one step of the lookup, turning any failure into an AlarmImpactLookupError that names the step. */
const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    throw new AlarmImpactLookupError(`${what} failed: ${errorText(error)}`, { cause: error });
  }
};

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of `items`; stops at the first failure. */
const mapLimit = async <T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next;
      next += 1;
      try {
        results[i] = await fn(items[i]!);
      } catch (error) {
        // The answer is already lost: starting more calls would only spend the rate limit.
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
};

/** Reads every deployment group of the account and region and indexes them by alarm name (uncached). */
export const scanAlarmIndex = async (codedeploy: DeploymentGroupReader, budget: CallBudget): Promise<AlarmIndex> =>
  toAlarmIndex(await step('reading the deployment groups', () => codedeploy.listDeploymentGroups(budget)));

/** The deployments of each group that have not finished yet, `concurrency` groups at a time. */
export const listInProgressDeployments = (
  codedeploy: DeploymentGroupReader,
  groups: readonly GroupRef[],
  budget: CallBudget,
  concurrency = 4,
): Promise<InProgressDeployments[]> =>
  mapLimit(groups, concurrency, async (group) => {
    const ids = await step(`ListDeployments of ${group.application}/${group.deploymentGroup}`, () =>
      codedeploy.listInProgressDeployments(group.application, group.deploymentGroup, budget),
    );
    // A group deleted since the scan has nothing in progress.
    return { ...group, deploymentIds: ids ?? [] };
  });

export interface AlarmImpactLookupOptions {
  /** How long a scan of the deployment groups is reused (default 5 minutes). */
  ttlMs?: number;
  clock?: Clock;
  /** Each CodeDeploy call is abandoned after this long (default 3 s). */
  callTimeoutMs?: number;
  /** Groups asked about their deployments at once (default 4), kept low for CodeDeploy's API rate limits. */
  concurrency?: number;
}

/** The alarm index, scanned once per TTL, and the impact of one alarm. */
export interface AlarmImpactLookup {
  /** The alarm index, from the container's cache while it is younger than the TTL. */
  index(options: { deadline: Deadline }): Promise<AlarmIndex>;
  /** What the alarm does to the groups that watch it, with their deployments in progress. */
  impactOf(alarmName: string, options: { deadline: Deadline }): Promise<AlarmImpact[]>;
}

/**
 * Creates the lookup the alarm notifier keeps for the life of its container, so that a burst of
 * alarms costs one scan of the deployment groups. Throws AlarmImpactLookupError when CodeDeploy
 * cannot be read; a failed scan is not cached.
 */
export const createAlarmImpactLookup = (
  codedeploy: DeploymentGroupReader,
  options: AlarmImpactLookupOptions = {},
): AlarmImpactLookup => {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const clock = options.clock ?? realClock;
  const budget = (deadline: Deadline): CallBudget => ({ deadline, timeoutMs: options.callTimeoutMs });
  let cached: { index: AlarmIndex; at: number } | undefined;
  let scanning: Promise<AlarmIndex> | undefined;

  const index: AlarmImpactLookup['index'] = async ({ deadline }) => {
    if (cached && clock() - cached.at < ttlMs) return cached.index;
    // Callers that arrive during a scan wait for it rather than start their own.
    scanning ??= scanAlarmIndex(codedeploy, budget(deadline))
      .then((fresh) => {
        cached = { index: fresh, at: clock() };
        return fresh;
      })
      .finally(() => {
        scanning = undefined;
      });
    return scanning;
  };

  const impactOf: AlarmImpactLookup['impactOf'] = async (alarmName, { deadline }) => {
    const current = await index({ deadline });
    const groups = groupsStoppedBy(alarmName, current);
    if (groups.length === 0) return [];
    const inProgress = await listInProgressDeployments(codedeploy, groups, budget(deadline), options.concurrency);
    return toAlarmImpact(alarmName, current, inProgress);
  };

  return { index, impactOf };
};
