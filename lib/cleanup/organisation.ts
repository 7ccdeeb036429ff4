import { MemberAccessError, type Target } from '../aws/accounts.js';
import { errorText } from '../aws/errors.js';
import type { CleanupDetail, CleanupMode } from '../events/sentinel.js';
import type { Logger } from '../log.js';
import type { Clock, Deadline } from '../time.js';
import { type CleanupDeps, CleanupError, type CleanupSummary, sweepOrphans } from './clean-up.js';
import { DEADLINE_TEXT, toUnreachableDetail } from './detail.js';

/**
 * The hub's scheduled sweep: its own account and region, then every member account and region the
 * settings list, each swept by `sweepOrphans` with that account's ports. One account's failure (a
 * missing role, a disabled region) is reported and the sweep goes on with the next; each account
 * gets a share of the time left; the account it starts with rotates from one scheduled run to the
 * next, so a sweep that runs out of time reaches the others first next time.
 */

/** The hub's own account and region first, then each member region once. */
export const sweepTargets = (home: Target, members: ReadonlyArray<{ account: string; regions: string[] }>) => {
  const seen = new Set([`${home.account}/${home.region}`]);
  const targets: Target[] = [home];
  for (const { account, regions } of members)
    for (const region of regions) {
      const key = `${account}/${region}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push({ account, region });
    }
  return targets;
};

/**
 * The targets in the order this run sweeps them (pure). Runs are numbered by their schedule time;
 * each run starts `step` targets further along than the one before: when only `step` targets fit in
 * a run, the next run starts with the first one this run did not reach.
 */
export const rotateTargets = <T>(targets: readonly T[], scheduleTimeMs: number, periodMs: number, step = 1): T[] => {
  if (targets.length === 0) return [];
  const run = Math.floor(scheduleTimeMs / Math.max(1, periodMs));
  const n = targets.length;
  const start = ((((run % n) * (step % n)) % n) + n) % n;
  return [...targets.slice(start), ...targets.slice(0, start)];
};

export interface OrganisationSweepDeps {
  targets: Target[];
  /** When the scheduled event was sent, and how far apart scheduled runs are: they pick the first target. */
  scheduleTimeMs: number;
  periodMs: number;
  /** The cleanup's dependencies for one account and region, under that account's share of the time. */
  depsFor(target: Target, deadline: Deadline): CleanupDeps;
  /** Publishes what concerns no single group (an account not reached). */
  publish: (details: CleanupDetail[]) => Promise<void>;
  mode: CleanupMode;
  deadline: Deadline;
  clock: Clock;
  log: Logger;
  /** No target is started with less time than this left (default 20 s). */
  minShareMs?: number;
}

/** How the sweep of one account and region ended. */
export type TargetOutcome =
  | { account: string; region: string; outcome: 'swept'; summary: CleanupSummary }
  | { account: string; region: string; outcome: 'incomplete'; summary: CleanupSummary }
  | { account: string; region: string; outcome: 'failed'; summary?: CleanupSummary; error: string }
  | { account: string; region: string; outcome: 'not-reached' };

export interface OrganisationSweepSummary {
  trigger: 'sweep';
  mode: CleanupMode;
  /** In the order swept. */
  targets: TargetOutcome[];
  /** Accounts and regions this run did not start (out of time), in the order the next runs reach them. */
  notReached: Target[];
  deleted: string[];
  wouldDelete: string[];
  kept: CleanupSummary['kept'];
  errors: string[];
}

/** Some accounts could not be swept; the summary says which and why. */
export class OrganisationSweepError extends Error {
  override name = 'OrganisationSweepError';
  constructor(
    message: string,
    readonly summary: OrganisationSweepSummary,
  ) {
    super(message);
  }
}

const where = (t: Target) => `${t.account}/${t.region}`;

/** A deadline at `endMs` of the clock, never later than the invocation's own. */
const shareOf = (deadline: Deadline, clock: Clock, endMs: number): Deadline => ({
  remainingMs: () => Math.min(deadline.remainingMs(), endMs - clock()),
});

export const sweepOrganisation = async (deps: OrganisationSweepDeps): Promise<OrganisationSweepSummary> => {
  const minShareMs = deps.minShareMs ?? 20_000;
  // How many targets fit in this run at their minimum share: the next run starts after them.
  const fit = Math.max(1, Math.floor(deps.deadline.remainingMs() / minShareMs));
  const order = rotateTargets(deps.targets, deps.scheduleTimeMs, deps.periodMs, fit >= deps.targets.length ? 1 : fit);
  const summary: OrganisationSweepSummary = {
    trigger: 'sweep',
    mode: deps.mode,
    targets: [],
    notReached: [],
    deleted: [],
    wouldDelete: [],
    kept: [],
    errors: [],
  };
  const reports: CleanupDetail[] = [];

  for (const [index, target] of order.entries()) {
    const left = deps.deadline.remainingMs();
    if (left < minShareMs) {
      summary.notReached = order.slice(index);
      break;
    }
    // An equal share of what is left (at least the minimum): time one account did not need goes on.
    const share = Math.max(minShareMs, left / (order.length - index));
    const deadline = shareOf(deps.deadline, deps.clock, deps.clock() + share);
    const log = deps.log.child({ account: target.account, region: target.region });
    try {
      const result = await sweepOrphans({ ...deps.depsFor(target, deadline), log, target });
      summary.targets.push({ ...target, outcome: result.incomplete ? 'incomplete' : 'swept', summary: result });
      collect(summary, result);
    } catch (error) {
      const result = error instanceof CleanupError ? error.summary : undefined;
      if (result) collect(summary, result);
      const access = accessErrorOf(error);
      const text = access ? access.message : errorText(error);
      summary.targets.push({ ...target, outcome: 'failed', error: text, ...(result ? { summary: result } : {}) });
      summary.errors.push(`${where(target)}: ${text}`);
      // The member role's own failure was logged where it happened, with the role; this names the sweep's part.
      log.error('sweep of an account failed; going on with the next', { error });
      if (access)
        reports.push({
          ...toUnreachableDetail(access, deps.mode, 'sweep'),
          account: target.account,
          region: target.region,
        });
    }
  }

  if (summary.notReached.length > 0) {
    deps.log.warn('sweep ran out of time before these accounts; the next runs start with them', {
      notReached: summary.notReached.map(where),
    });
    for (const target of summary.notReached)
      reports.push({
        action: 'sweep-incomplete',
        trigger: 'sweep',
        mode: deps.mode,
        reason: 'deadline',
        reasonText: `${DEADLINE_TEXT}: this account and region were not reached in this run`,
        account: target.account,
        region: target.region,
      });
  }
  if (reports.length > 0) {
    try {
      await deps.publish(reports);
    } catch (error) {
      summary.errors.push(`publishing ${reports.length} sweep reports: ${errorText(error)}`);
      deps.log.error('publishing sweep reports failed', { error });
    }
  }
  deps.log.info('organisation sweep finished', {
    swept: summary.targets.filter((t) => t.outcome === 'swept').length,
    incomplete: summary.targets.filter((t) => t.outcome === 'incomplete').map(where),
    failed: summary.targets.filter((t) => t.outcome === 'failed').map(where),
    notReached: summary.notReached.map(where),
    deleted: summary.deleted.length,
  });
  // Failed accounts fail the invocation, after every other account was swept and everything published.
  if (summary.errors.length > 0)
    throw new OrganisationSweepError(`organisation sweep could not finish: ${summary.errors.join('; ')}`, summary);
  return summary;
};

const collect = (summary: OrganisationSweepSummary, result: CleanupSummary) => {
  summary.deleted.push(...result.deleted);
  summary.wouldDelete.push(...result.wouldDelete);
  summary.kept.push(...result.kept);
};

/** The member-access failure behind an error, if that is what it is. */
const accessErrorOf = (error: unknown): MemberAccessError | undefined => {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1)
    if (e instanceof MemberAccessError) return e;
  if (error instanceof Error && error.cause instanceof AggregateError)
    return error.cause.errors.find((e): e is MemberAccessError => e instanceof MemberAccessError);
  return undefined;
};
