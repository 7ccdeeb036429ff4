import { ROLLBACK_CREATOR } from '../../lib/codedeploy/deployment.js';
import type { RecordEnrichment, StateRecord } from '../../lib/stream/record.js';

/**
 * Delivery numbers from the state records (pure): per application and deployment group and overall,
 * deployments, outcomes, change failure rate, durations, time to restore and lead time, in total and
 * per ISO week.
 *
 * Definitions:
 * - A deployment counts once, by its first terminal record (SUCCESS, FAILURE or STOP); one that has
 *   only started is `unfinished`.
 * - Rollback deployments (creator codeDeployRollback, or a `rollsBack` link) are restorations, not
 *   changes: they are counted as `rollbacks` only, never as deployments or in the failure rate.
 *   Without enrichment a rollback cannot be recognised and counts as a change.
 * - Change failure rate = failures / deployments. A stopped deployment is a deployment, not a failure.
 * - Duration: GetDeployment's create -> complete when a record carries it, otherwise the START
 *   record's event time -> the terminal record's event time.
 * - Time to restore: from a failed deployment's terminal event to the next successful deployment of
 *   the same group (a successful rollback included). A failure not yet followed by a success is
 *   `unrestored`.
 * - Lead time: from the registration of the revision a successful deployment shipped to its success, as
 *   the stream records it on SUCCESS (`enrichment.leadTimeMs`: GetApplicationRevision's registerTime,
 *   "when the revision was registered with CodeDeploy", to the deployment's completeTime;
 *   https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GenericRevisionInfo.html). A
 *   successful deployment without it (an inline AppSpec, a revision CodeDeploy could not describe)
 *   counts as `unknown`; rollbacks have none.
 * - Weeks: ISO 8601 weeks in UTC, Monday to Sunday. A figure belongs to the week it ended in: a
 *   deployment (its outcome, duration and lead time) to the week of its terminal record, a time to
 *   restore to the week of the success that ended it. Weeks in which a group has nothing are left out.
 * - Median: the middle value (mean of the two middle values for an even count); p95: nearest rank.
 * - Duplicates: deployment records of the window whose event id was read already for their
 *   deployment, or that arrive once its start and outcome have both been read. Instance, alarm,
 *   cleanup and unknown records count in no figure, and are not remembered.
 */

/** Summary of a set of durations, in milliseconds; null when the set is empty. */
export interface Stats {
  count: number;
  medianMs: number | null;
  p95Ms: number | null;
}

/** Lead times of successful deployments, and how many successful deployments had none. */
export interface LeadTimeStats extends Stats {
  unknown: number;
}

/** The numbers of one ISO week (UTC, Monday to Sunday). */
export interface WeekMetrics {
  /** ISO 8601 week, e.g. 2026-W47. */
  week: string;
  /** Its Monday (ISO date, UTC). */
  start: string;
  deployments: number;
  successes: number;
  failures: number;
  stops: number;
  rollbacks: number;
  /** failures / deployments; null without deployments. */
  changeFailureRate: number | null;
  duration: Stats;
  /** Restores that ended this week. */
  timeToRestore: Stats;
  leadTime: LeadTimeStats;
}

/** The numbers for one group, for one application, or for all groups together. */
export interface Counts {
  deployments: number;
  successes: number;
  failures: number;
  stops: number;
  rollbacks: number;
  unfinished: number;
  /** failures / deployments; null without deployments. */
  changeFailureRate: number | null;
  /** Deployment frequency: deployments per 7 days of the window; null for a window under a day. */
  deploymentsPerWeek: number | null;
  duration: Stats;
  timeToRestore: Stats & { unrestored: number };
  leadTime: LeadTimeStats;
  /** The weeks that hold something, oldest first. */
  weeks: WeekMetrics[];
}

/** The numbers for one application and deployment group. */
export interface GroupMetrics extends Counts {
  application: string;
  deploymentGroup: string;
  /** Event time of the failure still waiting for a success, if any. */
  unrestoredSince?: string;
}

/** The numbers for all deployment groups of one application. */
export interface ApplicationMetrics extends Counts {
  application: string;
}

/** Everything `npm run metrics` prints. */
export interface MetricsReport {
  /** Records given, duplicates included. */
  records: number;
  /**
   * Deployment records of the window that were not used: their event id had been read already for
   * the deployment, or the deployment's start and outcome had both been read already.
   */
  duplicates: number;
  /** Earliest and latest event time among the deployment records counted. */
  firstEventTime?: string;
  lastEventTime?: string;
  groups: GroupMetrics[];
  applications: ApplicationMetrics[];
  overall: Counts;
}

/** The time window to count. */
export interface MetricsOptions {
  /** Only records with an event time at or after this. */
  from?: Date;
  /** Only records with an event time before this. */
  to?: Date;
}

// The values of several arrays in one typed array, sorted: a typed array sorts numerically, natively,
// and far faster than an array with a comparator.
const sortedOf = (parts: readonly number[][]): Float64Array => {
  const sorted = new Float64Array(parts.reduce((length, part) => length + part.length, 0));
  let at = 0;
  for (const part of parts) {
    sorted.set(part, at);
    at += part.length;
  }
  return sorted.sort();
};

const middleOf = (sorted: Float64Array): number | null => {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const rankOf = (sorted: Float64Array, p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1]!;

/** Middle value; the mean of the two middle values for an even count (pure). */
export const median = (values: number[]): number | null => middleOf(sortedOf([values]));

/** Nearest-rank percentile, `p` in (0, 1] (pure). */
export const percentile = (values: number[], p: number): number | null => rankOf(sortedOf([values]), p);

/** Count, median and p95 of the values of several arrays together. */
const stats = (parts: readonly number[][]): Stats => {
  const sorted = sortedOf(parts);
  return { count: sorted.length, medianMs: middleOf(sorted), p95Ms: rankOf(sorted, 0.95) };
};

const TERMINAL = new Set(['SUCCESS', 'FAILURE', 'STOP']);
// Events of one second share a timestamp; a deployment's own states then still sort in life order.
const STATE_ORDER = new Map([
  ['START', 0],
  ['READY', 1],
  ['SUCCESS', 2],
  ['FAILURE', 2],
  ['STOP', 2],
]);

/** Where a record stands in event-time order: its time, then its state's place in a life, then its id. */
interface Position {
  ms: number;
  order: number;
  eventId: string;
}

const isBefore = (ms: number, order: number, eventId: string, than: Position): boolean =>
  ms !== than.ms ? ms < than.ms : order !== than.order ? order < than.order : eventId < than.eventId;

/**
 * What is known of a deployment whose start or outcome has not been read yet. Every field is there
 * from the start, so that all deployments share one shape whatever order their records come in.
 */
interface OpenDeployment {
  /** Its first record in event-time order names its group. */
  first: Position & { application: string; deploymentGroup: string };
  startMs: number | undefined;
  /** Its first terminal record in event-time order. */
  terminal: (Position & { state: string; time: string }) | undefined;
  rollback: boolean;
  /** The last record in event-time order that carries GetDeployment's duration. */
  enriched: (Position & { durationMs: number }) | undefined;
  /** The last SUCCESS record in event-time order that carries a lead time. */
  lead: (Position & { leadTimeMs: number }) | undefined;
  /** Event ids read for it: duplicates are the same event of the same deployment. */
  eventIds: string[];
}

const durationOf = (d: OpenDeployment): number | undefined => {
  if (d.enriched) return d.enriched.durationMs;
  if (d.terminal && d.startMs !== undefined && d.terminal.ms >= d.startMs) return d.terminal.ms - d.startMs;
  return undefined;
};

/**
 * The lead time a record carries, if it is one: the field is read before the published schema may
 * list it, so its type is checked here, and a negative time (a clock gone wrong) is not a lead time.
 */
const leadTimeOf = (enrichment: RecordEnrichment): number | undefined => {
  const value = (enrichment as RecordEnrichment & { leadTimeMs?: unknown }).leadTimeMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
};

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
// 1 January 1970, time 0, was a Thursday: weeks counted from the Monday three days before.
const MONDAY_OFFSET_MS = 3 * DAY_MS;

const weekIndexOf = (ms: number): number => Math.floor((ms + MONDAY_OFFSET_MS) / WEEK_MS);

/** The ISO 8601 week of a week index: its label and its Monday. */
const weekOfIndex = (index: number): { week: string; start: string } => {
  let known = weekLabels.get(index);
  if (!known) weekLabels.set(index, (known = weekLabelOf(index)));
  return known;
};

// Every summary of a report names its weeks: each week's label is made once (a few per year read).
const weekLabels = new Map<number, { week: string; start: string }>();

const weekLabelOf = (index: number): { week: string; start: string } => {
  const monday = index * WEEK_MS - MONDAY_OFFSET_MS;
  // ISO 8601: a week belongs to the year of its Thursday, and week 1 holds the year's first Thursday.
  const thursday = new Date(monday + MONDAY_OFFSET_MS);
  const year = thursday.getUTCFullYear();
  const number = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK_MS) + 1;
  return { week: `${year}-W${String(number).padStart(2, '0')}`, start: new Date(monday).toISOString().slice(0, 10) };
};

/** The ISO 8601 week (UTC, Monday to Sunday) a time falls in, and its Monday (pure). */
export const isoWeekOf = (ms: number): { week: string; start: string } => weekOfIndex(weekIndexOf(ms));

/** What a group keeps of one week: counts, and one number per duration and per lead time. */
interface WeekState {
  deployments: number;
  successes: number;
  failures: number;
  stops: number;
  rollbacks: number;
  leadUnknown: number;
  durations: number[];
  leadTimes: number[];
}

const newWeek = (): WeekState => ({
  deployments: 0,
  successes: 0,
  failures: 0,
  stops: 0,
  rollbacks: 0,
  leadUnknown: 0,
  durations: [],
  leadTimes: [],
});

// Per outcome that opens or closes a restore: terminal time, first record's time and state order (to
// order outcomes of the same millisecond as their deployments began), and the failure's index in
// failureTimes, or -1 for a success.
const OUTCOME_FIELDS = 4;
const SUCCESS_MARK = -1;

/**
 * What a group keeps of its deployments once they are complete: per week that holds one, counts and
 * one or two numbers each; and one outcome per failure or success.
 */
interface GroupState {
  application: string;
  deploymentGroup: string;
  unfinished: number;
  weeks: Map<number, WeekState>;
  outcomes: number[];
  failureTimes: string[];
}

const newGroup = (application: string, deploymentGroup: string): GroupState => ({
  application,
  deploymentGroup,
  unfinished: 0,
  weeks: new Map(),
  outcomes: [],
  failureTimes: [],
});

/** Adds a deployment's numbers to its group's, in the week of its outcome. */
const addTo = (group: GroupState, d: OpenDeployment): void => {
  if (!d.terminal) {
    if (!d.rollback) group.unfinished += 1;
    return;
  }
  const { state, ms, time } = d.terminal;
  const index = weekIndexOf(ms);
  let week = group.weeks.get(index);
  if (!week) group.weeks.set(index, (week = newWeek()));
  if (d.rollback) {
    week.rollbacks += 1;
  } else {
    week.deployments += 1;
    if (state === 'SUCCESS') {
      week.successes += 1;
      if (d.lead) week.leadTimes.push(d.lead.leadTimeMs);
      else week.leadUnknown += 1;
    }
    if (state === 'FAILURE') week.failures += 1;
    if (state === 'STOP') week.stops += 1;
    const duration = durationOf(d);
    if (duration !== undefined) week.durations.push(duration);
  }
  // A failed rollback opens no restore; any success, a rollback's included, closes one.
  if (state === 'FAILURE' && !d.rollback) {
    group.outcomes.push(ms, d.first.ms, d.first.order, group.failureTimes.length);
    group.failureTimes.push(time);
  } else if (state === 'SUCCESS') {
    group.outcomes.push(ms, d.first.ms, d.first.order, SUCCESS_MARK);
  }
};

/** A group's times to restore with the week each ended in, and the failure left open. */
interface Restores {
  restores: number[];
  weeks: number[];
  unrestoredSince?: string;
}

/** Times to restore, walking the group's outcomes in terminal-time order; and the failure left open. */
const restoresOf = (group: GroupState): Restores => {
  const { outcomes } = group;
  const compare = (a: number, b: number) =>
    outcomes[a]! - outcomes[b]! || outcomes[a + 1]! - outcomes[b + 1]! || outcomes[a + 2]! - outcomes[b + 2]! || a - b;
  let inOrder = true;
  for (let i = OUTCOME_FIELDS; inOrder && i < outcomes.length; i += OUTCOME_FIELDS)
    inOrder = compare(i - OUTCOME_FIELDS, i) < 0;
  const restores: number[] = [];
  const weeks: number[] = [];
  let open: { ms: number; failure: number } | undefined;
  const walk = (i: number) => {
    const failure = outcomes[i + 3]!;
    if (failure !== SUCCESS_MARK) open ??= { ms: outcomes[i]!, failure };
    else if (open) {
      restores.push(outcomes[i]! - open.ms);
      weeks.push(weekIndexOf(outcomes[i]!));
      open = undefined;
    }
  };
  // A history read in arrival order completes its deployments in time order already.
  if (inOrder) for (let i = 0; i < outcomes.length; i += OUTCOME_FIELDS) walk(i);
  else
    Array.from({ length: outcomes.length / OUTCOME_FIELDS }, (_, n) => n * OUTCOME_FIELDS)
      .sort(compare)
      .forEach(walk);
  return open ? { restores, weeks, unrestoredSince: group.failureTimes[open.failure]! } : { restores, weeks };
};

/** A week of several groups together: their counts added, their values kept apart until sorted once. */
interface WeekParts {
  index: number;
  deployments: number;
  successes: number;
  failures: number;
  stops: number;
  rollbacks: number;
  leadUnknown: number;
  durations: number[][];
  leadTimes: number[][];
  restores: number[];
}

const COUNTED = ['deployments', 'successes', 'failures', 'stops', 'rollbacks', 'leadUnknown'] as const;

const failureRate = (c: { deployments: number; failures: number }) =>
  c.deployments > 0 ? c.failures / c.deployments : null;

/** The numbers of one or more groups together, in total and per week, over a window of `windowMs`. */
const summarize = (groups: readonly { group: GroupState; restored: Restores }[], windowMs: number | null): Counts => {
  const byWeek = new Map<number, WeekParts>();
  const partOf = (index: number): WeekParts => {
    let part = byWeek.get(index);
    if (!part) {
      part = { index, ...newWeek(), durations: [], leadTimes: [], restores: [] };
      byWeek.set(index, part);
    }
    return part;
  };
  let unfinished = 0;
  let unrestored = 0;
  for (const { group, restored } of groups) {
    unfinished += group.unfinished;
    if (restored.unrestoredSince) unrestored += 1;
    for (const [index, week] of group.weeks) {
      const part = partOf(index);
      for (const key of COUNTED) part[key] += week[key];
      part.durations.push(week.durations);
      part.leadTimes.push(week.leadTimes);
    }
    restored.restores.forEach((ms, i) => partOf(restored.weeks[i]!).restores.push(ms));
  }
  const weeks = [...byWeek.values()].sort((a, b) => a.index - b.index);
  const total = { deployments: 0, successes: 0, failures: 0, stops: 0, rollbacks: 0, leadUnknown: 0 };
  for (const week of weeks) for (const key of COUNTED) total[key] += week[key];
  return {
    deployments: total.deployments,
    successes: total.successes,
    failures: total.failures,
    stops: total.stops,
    rollbacks: total.rollbacks,
    unfinished,
    changeFailureRate: failureRate(total),
    deploymentsPerWeek: windowMs !== null && windowMs >= DAY_MS ? total.deployments / (windowMs / WEEK_MS) : null,
    duration: stats(weeks.flatMap((w) => w.durations)),
    timeToRestore: { ...stats(weeks.map((w) => w.restores)), unrestored },
    leadTime: { ...stats(weeks.flatMap((w) => w.leadTimes)), unknown: total.leadUnknown },
    weeks: weeks.map((w) => ({
      ...weekOfIndex(w.index),
      deployments: w.deployments,
      successes: w.successes,
      failures: w.failures,
      stops: w.stops,
      rollbacks: w.rollbacks,
      changeFailureRate: failureRate(w),
      duration: stats(w.durations),
      timeToRestore: stats([w.restores]),
      leadTime: { ...stats(w.leadTimes), unknown: w.leadUnknown },
    })),
  };
};

/** How far a one-pass computation has read. */
export interface MetricsProgress {
  /** Records given so far. */
  records: number;
  /** Earliest and latest event time among the deployment records of the window read so far. */
  firstEventTime?: string;
  lastEventTime?: string;
}

/** Delivery numbers computed in one pass over records in any order (see the definitions above). */
export interface MetricsAccumulator {
  add(record: StateRecord): void;
  /** Deployments held in full: those whose start or outcome has not been read yet. */
  readonly openDeployments: number;
  progress(): MetricsProgress;
  /** Ends the computation: the numbers of everything added, deployments still open as they stand. */
  report(): MetricsReport;
}

/**
 * Computes the delivery numbers in one pass (pure). A deployment is held in full only until both its
 * START and its outcome have been read; then its group keeps counts for the week of its outcome, its
 * duration, lead time and outcome time, and the accumulator keeps its id, so that a record repeated later is recognised. Memory thus
 * grows with deployments, a few numbers each, not with records; instance, alarm, cleanup and unknown
 * records leave nothing behind. Every figure equals that of sorting the whole history by event time
 * first, except when a deployment's records contradict each other after its start and outcome were
 * read (a record for it arriving later is ignored, and counted as a duplicate), or when two
 * deployments of one group begin and end in the same millisecond (taken in the order read).
 */
export const createMetricsAccumulator = (options: MetricsOptions = {}): MetricsAccumulator => {
  const fromMs = options.from?.getTime() ?? -Infinity;
  const toMs = options.to?.getTime() ?? Infinity;
  const open = new Map<string, OpenDeployment>();
  const complete = new Set<string>();
  const groups = new Map<string, Map<string, GroupState>>();
  let records = 0;
  let duplicates = 0;
  let seenFirst = Infinity;
  let seenLast = -Infinity;
  // Earliest START and terminal time among complete deployments.
  let first = Infinity;
  let last = -Infinity;

  const groupOf = (application: string, deploymentGroup: string): GroupState => {
    let byName = groups.get(application);
    if (!byName) groups.set(application, (byName = new Map()));
    let group = byName.get(deploymentGroup);
    if (!group) byName.set(deploymentGroup, (group = newGroup(application, deploymentGroup)));
    return group;
  };

  let reported = false;

  const add = (record: StateRecord): void => {
    if (reported) throw new Error('a record was added after the report');
    records += 1;
    if (record.kind !== 'deployment') return;
    const { deploymentId: id, application, deploymentGroup, eventTime, eventId, state } = record;
    if (!id || !application || !deploymentGroup || !eventTime) return;
    const ms = Date.parse(eventTime);
    if (Number.isNaN(ms) || ms < fromMs || ms >= toMs) return;
    if (ms < seenFirst) seenFirst = ms;
    if (ms > seenLast) seenLast = ms;
    if (complete.has(id)) {
      duplicates += 1;
      return;
    }
    const order = STATE_ORDER.get(state ?? '') ?? 1;
    let d = open.get(id);
    if (!d) {
      d = {
        first: { ms, order, eventId, application, deploymentGroup },
        startMs: undefined,
        terminal: undefined,
        rollback: false,
        enriched: undefined,
        lead: undefined,
        eventIds: [],
      };
      open.set(id, d);
    } else if (d.eventIds.includes(eventId)) {
      duplicates += 1;
      return;
    } else if (isBefore(ms, order, eventId, d.first)) {
      d.first = { ms, order, eventId, application, deploymentGroup };
    }
    d.eventIds.push(eventId);
    if (state === 'START' && (d.startMs === undefined || ms < d.startMs)) d.startMs = ms;
    if (state && TERMINAL.has(state) && (!d.terminal || isBefore(ms, order, eventId, d.terminal)))
      d.terminal = { ms, order, eventId, state, time: eventTime };
    const e = record.enrichment;
    if (e) {
      if (e.creator === ROLLBACK_CREATOR || e.rollsBack) d.rollback = true;
      if (e.durationMs !== undefined && e.durationMs >= 0 && (!d.enriched || !isBefore(ms, order, eventId, d.enriched)))
        d.enriched = { ms, order, eventId, durationMs: e.durationMs };
      const leadTimeMs = state === 'SUCCESS' ? leadTimeOf(e) : undefined;
      if (leadTimeMs !== undefined && (!d.lead || !isBefore(ms, order, eventId, d.lead)))
        d.lead = { ms, order, eventId, leadTimeMs };
    }
    if (d.startMs !== undefined && d.terminal) {
      open.delete(id);
      complete.add(id);
      first = Math.min(first, d.startMs, d.terminal.ms);
      last = Math.max(last, d.startMs, d.terminal.ms);
      addTo(groupOf(d.first.application, d.first.deploymentGroup), d);
    }
  };

  const report = (): MetricsReport => {
    // Deployments still open count as they stand, in their groups: adding to them in place, rather
    // than to copies, keeps a long history's numbers in memory once.
    reported = true;
    for (const d of open.values()) {
      addTo(groupOf(d.first.application, d.first.deploymentGroup), d);
      for (const t of [d.startMs, d.terminal?.ms]) {
        if (t === undefined) continue;
        first = Math.min(first, t);
        last = Math.max(last, t);
      }
    }
    open.clear();
    const firstMs = first;
    const lastMs = last;
    // In code-unit order: the same on every machine (a locale's order is not), and without loading ICU's
    // collator, a good part of the report's time on a short history.
    const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const all = [...groups.values()]
      .flatMap((byName) => [...byName.values()])
      .sort((a, b) => byCodeUnits(a.application, b.application) || byCodeUnits(a.deploymentGroup, b.deploymentGroup));
    const known = firstMs <= lastMs;
    // Every group is measured over the same window, so their frequencies compare.
    const windowStart = options.from?.getTime() ?? (known ? firstMs : undefined);
    const windowEnd = options.to?.getTime() ?? (known ? lastMs : undefined);
    const windowMs = windowStart !== undefined && windowEnd !== undefined ? windowEnd - windowStart : null;
    const measured = all.map((group) => ({ group, restored: restoresOf(group) }));
    // An application of one group, or a history of one group, has that group's numbers: each group
    // is summarized once (sorting its values is most of a report's time).
    const ofGroup = new Map(measured.map((m) => [m, summarize([m], windowMs)]));
    const summaryOf = (list: typeof measured): Counts =>
      list.length === 1 ? ofGroup.get(list[0]!)! : summarize(list, windowMs);
    const applications: ApplicationMetrics[] = [];
    // Groups are sorted by application first: each application's groups are next to each other.
    for (let i = 0; i < measured.length;) {
      const { application } = measured[i]!.group;
      let end = i + 1;
      while (end < measured.length && measured[end]!.group.application === application) end += 1;
      applications.push({ application, ...summaryOf(measured.slice(i, end)) });
      i = end;
    }
    return {
      records,
      duplicates,
      ...(known
        ? { firstEventTime: new Date(firstMs).toISOString(), lastEventTime: new Date(lastMs).toISOString() }
        : {}),
      groups: measured.map((m) => ({
        application: m.group.application,
        deploymentGroup: m.group.deploymentGroup,
        ...ofGroup.get(m)!,
        ...(m.restored.unrestoredSince ? { unrestoredSince: m.restored.unrestoredSince } : {}),
      })),
      applications,
      overall: summaryOf(measured),
    };
  };

  return {
    add,
    get openDeployments() {
      return open.size;
    },
    progress: () =>
      seenFirst <= seenLast
        ? {
            records,
            firstEventTime: new Date(seenFirst).toISOString(),
            lastEventTime: new Date(seenLast).toISOString(),
          }
        : { records },
    report,
  };
};

/** Computes the delivery numbers over state records in any order, duplicates included (pure). */
export const computeMetrics = (records: Iterable<StateRecord>, options: MetricsOptions = {}): MetricsReport => {
  const accumulator = createMetricsAccumulator(options);
  for (const record of records) accumulator.add(record);
  return accumulator.report();
};

/** A duration for people: 850 ms, 42s, 4m 05s, 2h 03m, 3d 04h (pure). */
export const formatDuration = (ms: number | null): string => {
  if (ms === null) return '-';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3_600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)}h ${pad(Math.floor((s % 3_600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor((s % 86_400) / 3_600))}h`;
};

/** A rate as a percentage with one decimal: 12.5% (pure). */
export const formatRate = (rate: number | null): string => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);

/** The columns of the table, for text and for HTML. */
export const TABLE_HEADER = [
  'application',
  'deployment group',
  'deploys',
  'per week',
  'success',
  'failure',
  'stop',
  'rollback',
  'unfinished',
  'CFR',
  'median',
  'p95',
  'restores',
  'median TTR',
  'unrestored',
  'median LT',
  'p95 LT',
  'LT unknown',
] as const;

/** How to read the table's abbreviations, one line each. */
export const TABLE_NOTES = [
  'per week = deployments per 7 days of the window (shown from one day up); CFR = failures / deployments (rollbacks excluded);',
  'durations create -> complete; TTR = failure -> next success of the group;',
  'LT = lead time, revision registered -> deployment succeeded; LT unknown = successes whose revision CodeDeploy did not register.',
];

/** The table's cells: one row per group, then the total row (pure). */
export const tableRows = (report: MetricsReport): { groups: string[][]; total: string[] } => {
  const row = (application: string, group: string, c: Counts) => [
    application,
    group,
    String(c.deployments),
    c.deploymentsPerWeek === null ? '-' : c.deploymentsPerWeek.toFixed(1),
    String(c.successes),
    String(c.failures),
    String(c.stops),
    String(c.rollbacks),
    String(c.unfinished),
    formatRate(c.changeFailureRate),
    formatDuration(c.duration.medianMs),
    formatDuration(c.duration.p95Ms),
    String(c.timeToRestore.count),
    formatDuration(c.timeToRestore.medianMs),
    String(c.timeToRestore.unrestored),
    formatDuration(c.leadTime.medianMs),
    formatDuration(c.leadTime.p95Ms),
    String(c.leadTime.unknown),
  ];
  return {
    groups: report.groups.map((g) => row(g.application, g.deploymentGroup, g)),
    total: row('all', '', report.overall),
  };
};

/** The deployments the report spans, for people. */
export const describeSpan = (report: MetricsReport): string =>
  `${report.records} record(s), ${report.duplicates} duplicate(s) ignored; deployments ${report.firstEventTime ? `${report.firstEventTime} .. ${report.lastEventTime}` : 'no deployments'}.`;

/** The report as a plain-text table, one row per group and a total row (pure). */
export const formatMetricsTable = (report: MetricsReport): string => {
  const { groups, total } = tableRows(report);
  const rows = [[...TABLE_HEADER], ...groups, total];
  const widths = TABLE_HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  // Names align left, numbers right, as people read tables.
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]!), rule, ...groups.map(line), rule, line(total), '', describeSpan(report), ...TABLE_NOTES].join(
    '\n',
  );
};
