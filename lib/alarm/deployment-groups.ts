import {
  BatchGetDeploymentGroupsCommand,
  type CodeDeployClient,
  type DeploymentGroupInfo,
  type DeploymentStatus,
  paginateListApplications,
  paginateListDeploymentGroups,
  paginateListDeployments,
} from '@aws-sdk/client-codedeploy';
import { type Clock, type Deadline, realClock } from '../time.js';

/**
 * Which CodeDeploy deployment groups watch an alarm (their `alarmConfiguration`), and what the
 * alarm going off does to them right now: CodeDeploy stops a deployment in progress when one of
 * its group's alarms is in ALARM, and rolls it back too when the group's automatic rollback
 * includes DEPLOYMENT_STOP_ON_ALARM (CodeDeploy user guide, "Monitoring deployments with
 * CloudWatch alarms").
 */

/** A deployment group that lists an alarm in its alarm configuration. */
export interface AlarmWatcher {
  application: string;
  deploymentGroup: string;
  /** Only an enabled alarm configuration stops deployments. */
  alarmsEnabled: boolean;
  /** The deployment carries on when CloudWatch cannot be polled. */
  ignorePollAlarmFailure: boolean;
  /** Automatic rollback is on and includes DEPLOYMENT_STOP_ON_ALARM. */
  autoRollbackOnAlarm: boolean;
}

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

/** Deployment statuses in which an alarm can still stop a deployment. */
export const IN_PROGRESS_STATUSES = [
  'Created',
  'Queued',
  'InProgress',
  'Baking',
  'Ready',
] as const satisfies readonly DeploymentStatus[];

/** BatchGetDeploymentGroups names per call: the API documents no limit, 25 is what CodeDeploy's other batch calls take. */
export const GROUP_BATCH_SIZE = 25;

/** The deployment groups could not be read; the alarm's impact is unknown. */
export class AlarmImpactLookupError extends Error {
  override name = 'AlarmImpactLookupError';
}

/** Builds the alarm index from BatchGetDeploymentGroups answers (pure). */
export const toAlarmIndex = (groups: readonly DeploymentGroupInfo[]): AlarmIndex => {
  const index = new Map<string, AlarmWatcher[]>();
  for (const group of groups) {
    const { applicationName, deploymentGroupName, alarmConfiguration, autoRollbackConfiguration } = group;
    if (!applicationName || !deploymentGroupName || !alarmConfiguration?.alarms) continue;
    const watcher: AlarmWatcher = {
      application: applicationName,
      deploymentGroup: deploymentGroupName,
      alarmsEnabled: alarmConfiguration.enabled === true,
      ignorePollAlarmFailure: alarmConfiguration.ignorePollAlarmFailure === true,
      autoRollbackOnAlarm:
        autoRollbackConfiguration?.enabled === true &&
        (autoRollbackConfiguration.events ?? []).includes('DEPLOYMENT_STOP_ON_ALARM'),
    };
    const names = new Set(alarmConfiguration.alarms.map((a) => a.name).filter((n): n is string => !!n));
    for (const name of names) index.set(name, [...(index.get(name) ?? []), watcher]);
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

export interface LookupCallOptions {
  /** Each AWS call is abandoned after this long (default 3 s). */
  callTimeoutMs?: number;
  /** No call outlives the invocation: each one's timeout is cut to the time left. */
  deadline?: Deadline;
  /** Applications (or groups) read at once (default 4), kept low for CodeDeploy's API rate limits. */
  concurrency?: number;
}

/** A fresh abort signal for one call: its own timeout, cut to the time the invocation has left. */
const signalFor = (options: LookupCallOptions) => (): AbortSignal => {
  const limit = options.callTimeoutMs ?? 3_000;
  const left = options.deadline?.remainingMs() ?? Number.POSITIVE_INFINITY;
  // Already aborted: the SDK then fails the call before sending anything.
  if (left <= 0) return AbortSignal.abort(new Error('no time left in the invocation'));
  return AbortSignal.timeout(Math.min(limit, left));
};

const describeError = (error: unknown, signal: AbortSignal | undefined): string => {
  if (!(error instanceof Error)) return String(error);
  // The SDK's AbortError only says "Request aborted"; why (timeout, deadline) is the signal's reason.
  const reason = signal?.aborted
    ? ` (${signal.reason instanceof Error ? signal.reason.message : String(signal.reason)})`
    : '';
  return `${error.name}: ${error.message}${reason}`;
};

/** Runs one step of the lookup, turning any failure into an AlarmImpactLookupError that names the step. */
const step = async <T>(what: string, run: () => Promise<T>, signal: () => AbortSignal | undefined): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    throw new AlarmImpactLookupError(`${what} failed: ${describeError(error, signal())}`, { cause: error });
  }
};

/**
 * Collects every page of an SDK paginator, each request under a timeout of its own. The paginator
 * hands the same options object to every `send`, so replacing its signal between pages restarts
 * the clock for the next request instead of sharing one budget across all pages.
 */
const allPages = <P>(
  what: string,
  start: (sendOptions: { abortSignal: AbortSignal }) => AsyncIterable<P>,
  signal: () => AbortSignal,
): Promise<P[]> => {
  const sendOptions = { abortSignal: signal() };
  return step(
    what,
    async () => {
      const pages: P[] = [];
      for await (const page of start(sendOptions)) {
        pages.push(page);
        sendOptions.abortSignal = signal();
      }
      return pages;
    },
    () => sendOptions.abortSignal,
  );
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

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const readApplicationGroups = async (
  client: CodeDeployClient,
  application: string,
  signal: () => AbortSignal,
): Promise<DeploymentGroupInfo[]> => {
  const pages = await allPages(
    `ListDeploymentGroups of ${application}`,
    (o) => paginateListDeploymentGroups({ client }, { applicationName: application }, o),
    signal,
  );
  const names = pages.flatMap((page) => page.deploymentGroups ?? []);
  const groups: DeploymentGroupInfo[] = [];
  for (const batch of chunks(names, GROUP_BATCH_SIZE)) {
    const abortSignal = signal();
    const answer = await step(
      `BatchGetDeploymentGroups of ${application}`,
      () =>
        client.send(
          new BatchGetDeploymentGroupsCommand({ applicationName: application, deploymentGroupNames: batch }),
          {
            abortSignal,
          },
        ),
      () => abortSignal,
    );
    // A group deleted since it was listed comes back in errorMessage: it watches nothing any more.
    groups.push(...(answer.deploymentGroupsInfo ?? []));
  }
  return groups;
};

/** Reads every deployment group of the account and region and indexes them by alarm name (uncached). */
export const scanAlarmIndex = async (
  client: CodeDeployClient,
  options: LookupCallOptions = {},
): Promise<AlarmIndex> => {
  const signal = signalFor(options);
  const pages = await allPages('ListApplications', (o) => paginateListApplications({ client }, {}, o), signal);
  const applications = pages.flatMap((page) => page.applications ?? []);
  const groups = await mapLimit(applications, options.concurrency ?? 4, (application) =>
    readApplicationGroups(client, application, signal),
  );
  return toAlarmIndex(groups.flat());
};

/** The deployments of each group that have not finished yet (ListDeployments by status). */
export const listInProgressDeployments = async (
  client: CodeDeployClient,
  groups: readonly GroupRef[],
  options: LookupCallOptions = {},
): Promise<InProgressDeployments[]> => {
  const signal = signalFor(options);
  return mapLimit(groups, options.concurrency ?? 4, async (group) => {
    const input = {
      applicationName: group.application,
      deploymentGroupName: group.deploymentGroup,
      includeOnlyStatuses: [...IN_PROGRESS_STATUSES],
    };
    const pages = await allPages(
      `ListDeployments of ${group.application}/${group.deploymentGroup}`,
      (o) => paginateListDeployments({ client }, input, o),
      signal,
    );
    return { ...group, deploymentIds: pages.flatMap((page) => page.deployments ?? []) };
  });
};

export interface AlarmImpactLookupOptions {
  /** How long a scan of the deployment groups is reused (default 5 minutes). */
  ttlMs?: number;
  clock?: Clock;
  callTimeoutMs?: number;
  concurrency?: number;
}

/** The alarm index, scanned once per TTL, and the impact of one alarm. */
export interface AlarmImpactLookup {
  /** The alarm index, from the container's cache while it is younger than the TTL. */
  index(options?: { deadline?: Deadline }): Promise<AlarmIndex>;
  /** What the alarm does to the groups that watch it, with their deployments in progress. */
  impactOf(alarmName: string, options?: { deadline?: Deadline }): Promise<AlarmImpact[]>;
}

/**
 * Creates the lookup the alarm notifier keeps for the life of its container, so that a burst of
 * alarms costs one scan of the deployment groups. Throws AlarmImpactLookupError when CodeDeploy
 * cannot be read; a failed scan is not cached.
 */
export const createAlarmImpactLookup = (
  client: CodeDeployClient,
  options: AlarmImpactLookupOptions = {},
): AlarmImpactLookup => {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const clock = options.clock ?? realClock;
  let cached: { index: AlarmIndex; at: number } | undefined;
  let scanning: Promise<AlarmIndex> | undefined;

  const index: AlarmImpactLookup['index'] = async ({ deadline } = {}) => {
    if (cached && clock() - cached.at < ttlMs) return cached.index;
    // Callers that arrive during a scan wait for it rather than start their own.
    scanning ??= scanAlarmIndex(client, {
      callTimeoutMs: options.callTimeoutMs,
      concurrency: options.concurrency,
      deadline,
    })
      .then((fresh) => {
        cached = { index: fresh, at: clock() };
        return fresh;
      })
      .finally(() => {
        scanning = undefined;
      });
    return scanning;
  };

  const impactOf: AlarmImpactLookup['impactOf'] = async (alarmName, { deadline } = {}) => {
    const current = await index({ deadline });
    const groups = groupsStoppedBy(alarmName, current);
    if (groups.length === 0) return [];
    const inProgress = await listInProgressDeployments(client, groups, {
      callTimeoutMs: options.callTimeoutMs,
      concurrency: options.concurrency,
      deadline,
    });
    return toAlarmImpact(alarmName, current, inProgress);
  };

  return { index, impactOf };
};
