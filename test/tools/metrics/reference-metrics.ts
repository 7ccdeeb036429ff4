import { ROLLBACK_CREATOR } from '../../../lib/codedeploy/deployment.js';
import type { StateRecord } from '../../../lib/stream/record.js';
import {
  type ApplicationMetrics,
  type Counts,
  type GroupMetrics,
  median,
  type MetricsOptions,
  type MetricsReport,
  percentile,
  type Stats,
  type WeekMetrics,
} from '../../../tools/metrics/metrics.js';

/**
 * The delivery numbers computed the straightforward way, over every record at once: deduplicate by
 * event id, sort everything by event time, then walk each deployment and each group in time order;
 * weekly figures by putting every finished deployment and every restore in the week (found from its
 * calendar date) of its end.
 * The one-pass computation in tools/metrics/metrics.ts must give the same report. Duplicates are
 * counted among the records the numbers use (deployment records of the window), as the one-pass
 * computation does.
 */

const TERMINAL = new Set(['SUCCESS', 'FAILURE', 'STOP']);
const STATE_ORDER: Record<string, number> = { START: 0, READY: 1, SUCCESS: 2, FAILURE: 2, STOP: 2 };

interface Deployment {
  id: string;
  application: string;
  deploymentGroup: string;
  startMs?: number;
  terminal?: { state: string; ms: number; time: string };
  rollback: boolean;
  enrichedDurationMs?: number;
  leadTimeMs?: number;
}

const stats = (values: number[]): Stats => ({
  count: values.length,
  medianMs: median(values),
  p95Ms: percentile(values, 0.95),
});

const inWindow = (ms: number, options: MetricsOptions) =>
  (!options.from || ms >= options.from.getTime()) && (!options.to || ms < options.to.getTime());

const counted = (r: StateRecord, options: MetricsOptions): boolean =>
  r.kind === 'deployment' &&
  Boolean(r.deploymentId && r.application && r.deploymentGroup && r.eventTime) &&
  !Number.isNaN(Date.parse(r.eventTime!)) &&
  inWindow(Date.parse(r.eventTime!), options);

const orderAndDeduplicate = (records: StateRecord[]): StateRecord[] => {
  const seen = new Set<string>();
  const unique: StateRecord[] = [];
  for (const record of records) {
    if (seen.has(record.eventId)) continue;
    seen.add(record.eventId);
    unique.push(record);
  }
  const timeOf = (r: StateRecord) => (r.eventTime ? Date.parse(r.eventTime) : Number.NaN);
  return unique.sort((a, b) => {
    const ta = timeOf(a);
    const tb = timeOf(b);
    if (ta !== tb) return (Number.isNaN(ta) ? Infinity : ta) - (Number.isNaN(tb) ? Infinity : tb);
    const sa = STATE_ORDER[a.state ?? ''] ?? 1;
    const sb = STATE_ORDER[b.state ?? ''] ?? 1;
    return sa !== sb ? sa - sb : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
  });
};

const collectDeployments = (records: StateRecord[]): Deployment[] => {
  const byId = new Map<string, Deployment>();
  for (const r of records) {
    const ms = Date.parse(r.eventTime!);
    const d: Deployment = byId.get(r.deploymentId!) ?? {
      id: r.deploymentId!,
      application: r.application!,
      deploymentGroup: r.deploymentGroup!,
      rollback: false,
    };
    byId.set(d.id, d);
    if (r.state === 'START' && d.startMs === undefined) d.startMs = ms;
    if (r.state && TERMINAL.has(r.state) && !d.terminal) d.terminal = { state: r.state, ms, time: r.eventTime! };
    const e = r.enrichment;
    if (e?.creator === ROLLBACK_CREATOR || e?.rollsBack) d.rollback = true;
    if (e?.durationMs !== undefined && e.durationMs >= 0) d.enrichedDurationMs = e.durationMs;
    const lead = (e as { leadTimeMs?: unknown } | undefined)?.leadTimeMs;
    if (r.state === 'SUCCESS' && typeof lead === 'number' && lead >= 0) d.leadTimeMs = lead;
  }
  return [...byId.values()];
};

const durationOf = (d: Deployment): number | undefined => {
  if (d.enrichedDurationMs !== undefined) return d.enrichedDurationMs;
  if (d.terminal && d.startMs !== undefined && d.terminal.ms >= d.startMs) return d.terminal.ms - d.startMs;
  return undefined;
};

/** A finished deployment as the figures see it: when it ended, how, and its numbers. */
interface Ended {
  ms: number;
  state: string;
  rollback: boolean;
  durationMs?: number;
  leadTimeMs?: number;
}

interface GroupFacts {
  application: string;
  deploymentGroup: string;
  ended: Ended[];
  unfinished: number;
  /** Times to restore, with the time of the success that ended each. */
  restores: { ms: number; value: number }[];
  unrestoredSince?: string;
}

const factsOf = (application: string, deploymentGroup: string, deployments: Deployment[]): GroupFacts => {
  const ended: Ended[] = [];
  const restores: { ms: number; value: number }[] = [];
  let openFailure: { ms: number; time: string } | undefined;
  const finished = deployments.filter((d) => d.terminal).sort((a, b) => a.terminal!.ms - b.terminal!.ms);
  for (const d of finished) {
    const { state, ms } = d.terminal!;
    ended.push({ ms, state, rollback: d.rollback, durationMs: durationOf(d), leadTimeMs: d.leadTimeMs });
    if (!d.rollback && state === 'FAILURE' && !openFailure) openFailure = { ms, time: d.terminal!.time };
    if (state === 'SUCCESS' && openFailure) {
      restores.push({ ms, value: ms - openFailure.ms });
      openFailure = undefined;
    }
  }
  return {
    application,
    deploymentGroup,
    ended,
    unfinished: deployments.filter((d) => !d.terminal && !d.rollback).length,
    restores,
    unrestoredSince: openFailure?.time,
  };
};

const DAY_MS = 86_400_000;

/** Midnight UTC of the Monday of the calendar week holding `ms`. */
const mondayOf = (ms: number): number => {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
};

/** ISO 8601: week 1 is the week that holds 4 January; a week is in the year of its Thursday. */
const weekLabel = (monday: number): string => {
  const year = new Date(monday + 3 * DAY_MS).getUTCFullYear();
  const number = Math.round((monday - mondayOf(Date.UTC(year, 0, 4))) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(number).padStart(2, '0')}`;
};

const outcomes = (ended: Ended[]) => {
  const changes = ended.filter((e) => !e.rollback);
  const successes = changes.filter((e) => e.state === 'SUCCESS');
  const deployments = changes.length;
  const failures = changes.filter((e) => e.state === 'FAILURE').length;
  return {
    deployments,
    successes: successes.length,
    failures,
    stops: changes.filter((e) => e.state === 'STOP').length,
    rollbacks: ended.length - changes.length,
    changeFailureRate: deployments > 0 ? failures / deployments : null,
    duration: stats(changes.flatMap((e) => (e.durationMs === undefined ? [] : [e.durationMs]))),
    leadTime: {
      ...stats(successes.flatMap((e) => (e.leadTimeMs === undefined ? [] : [e.leadTimeMs]))),
      unknown: successes.filter((e) => e.leadTimeMs === undefined).length,
    },
  };
};

const weeksOf = (facts: GroupFacts[]): WeekMetrics[] => {
  const ended = facts.flatMap((f) => f.ended);
  const restores = facts.flatMap((f) => f.restores);
  const mondays = [...new Set([...ended.map((e) => mondayOf(e.ms)), ...restores.map((r) => mondayOf(r.ms))])].sort(
    (a, b) => a - b,
  );
  return mondays.map((monday) => {
    const { deployments, successes, failures, stops, rollbacks, changeFailureRate, duration, leadTime } = outcomes(
      ended.filter((e) => mondayOf(e.ms) === monday),
    );
    return {
      week: weekLabel(monday),
      start: new Date(monday).toISOString().slice(0, 10),
      deployments,
      successes,
      failures,
      stops,
      rollbacks,
      changeFailureRate,
      duration,
      timeToRestore: stats(restores.filter((r) => mondayOf(r.ms) === monday).map((r) => r.value)),
      leadTime,
    };
  });
};

/** The figures of some groups together. */
const countsOf = (facts: GroupFacts[], windowMs: number | null): Counts => {
  const all = outcomes(facts.flatMap((f) => f.ended));
  return {
    deployments: all.deployments,
    successes: all.successes,
    failures: all.failures,
    stops: all.stops,
    rollbacks: all.rollbacks,
    unfinished: facts.reduce((n, f) => n + f.unfinished, 0),
    changeFailureRate: all.changeFailureRate,
    deploymentsPerWeek: windowMs !== null && windowMs >= DAY_MS ? all.deployments / (windowMs / (7 * DAY_MS)) : null,
    duration: all.duration,
    timeToRestore: {
      ...stats(facts.flatMap((f) => f.restores.map((r) => r.value))),
      unrestored: facts.filter((f) => f.unrestoredSince).length,
    },
    leadTime: all.leadTime,
    weeks: weeksOf(facts),
  };
};

/** The report, from every record held in memory at once. */
const codeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const referenceMetrics = (records: StateRecord[], options: MetricsOptions = {}): MetricsReport => {
  const relevant = records.filter((r) => counted(r, options));
  const ordered = orderAndDeduplicate(relevant);
  const deployments = collectDeployments(ordered);
  const byGroup = new Map<string, Deployment[]>();
  for (const d of deployments) {
    const key = JSON.stringify([d.application, d.deploymentGroup]);
    const list = byGroup.get(key);
    if (list) list.push(d);
    else byGroup.set(key, [d]);
  }
  const facts = [...byGroup.values()]
    .map((list) => factsOf(list[0]!.application, list[0]!.deploymentGroup, list))
    .sort((a, b) => codeUnits(a.application, b.application) || codeUnits(a.deploymentGroup, b.deploymentGroup));
  let first = Infinity;
  let last = -Infinity;
  for (const d of deployments) {
    for (const t of [d.startMs, d.terminal?.ms]) {
      if (t === undefined) continue;
      first = Math.min(first, t);
      last = Math.max(last, t);
    }
  }
  const windowStart = options.from?.getTime() ?? (first <= last ? first : undefined);
  const windowEnd = options.to?.getTime() ?? (first <= last ? last : undefined);
  const windowMs = windowStart !== undefined && windowEnd !== undefined ? windowEnd - windowStart : null;
  const groups: GroupMetrics[] = facts.map((f) => ({
    application: f.application,
    deploymentGroup: f.deploymentGroup,
    ...countsOf([f], windowMs),
    ...(f.unrestoredSince ? { unrestoredSince: f.unrestoredSince } : {}),
  }));
  const applications: ApplicationMetrics[] = [...new Set(facts.map((f) => f.application))].map((application) => ({
    application,
    ...countsOf(
      facts.filter((f) => f.application === application),
      windowMs,
    ),
  }));
  return {
    records: records.length,
    duplicates: relevant.length - ordered.length,
    ...(first <= last
      ? { firstEventTime: new Date(first).toISOString(), lastEventTime: new Date(last).toISOString() }
      : {}),
    groups,
    applications,
    overall: countsOf(facts, windowMs),
  };
};
