import { ROLLBACK_CREATOR } from '../../lib/codedeploy/deployment.js';
import type { StateRecord } from '../../lib/stream/record.js';

/**
 * Delivery numbers from the state records (pure): per application and deployment group and overall,
 * deployments, outcomes, change failure rate, durations and time to restore.
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
 * - Median: the middle value (mean of the two middle values for an even count); p95: nearest rank.
 */

/** Summary of a set of durations, in milliseconds; null when the set is empty. */
export interface Stats {
  count: number;
  medianMs: number | null;
  p95Ms: number | null;
}

/** The numbers for one group, or for all groups together. */
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
}

/** The numbers for one application and deployment group. */
export interface GroupMetrics extends Counts {
  application: string;
  deploymentGroup: string;
  /** Event time of the failure still waiting for a success, if any. */
  unrestoredSince?: string;
}

/** Everything `npm run metrics` prints. */
export interface MetricsReport {
  /** Records given, duplicates included. */
  records: number;
  /** Records dropped because their event id had been seen already. */
  duplicates: number;
  /** Earliest and latest event time among the deployment records counted. */
  firstEventTime?: string;
  lastEventTime?: string;
  groups: GroupMetrics[];
  overall: Counts;
}

/** The time window to count. */
export interface MetricsOptions {
  /** Only records with an event time at or after this. */
  from?: Date;
  /** Only records with an event time before this. */
  to?: Date;
}

const TERMINAL = new Set(['SUCCESS', 'FAILURE', 'STOP']);
// Events of one second share a timestamp; a deployment's own states then still sort in life order.
const STATE_ORDER: Record<string, number> = { START: 0, READY: 1, SUCCESS: 2, FAILURE: 2, STOP: 2 };

interface Deployment {
  id: string;
  application: string;
  deploymentGroup: string;
  startMs?: number;
  terminal?: { state: string; ms: number; time: string };
  rollback: boolean;
  enrichedDurationMs?: number;
}

/** Middle value; the mean of the two middle values for an even count (pure). */
export const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Nearest-rank percentile, `p` in (0, 1] (pure). */
export const percentile = (values: number[], p: number): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1]!;
};

const stats = (values: number[]): Stats => ({
  count: values.length,
  medianMs: median(values),
  p95Ms: percentile(values, 0.95),
});

/** Keeps the first record of every event id, in event-time order (pure). */
export const orderAndDeduplicate = (records: StateRecord[]): { records: StateRecord[]; duplicates: number } => {
  const seen = new Set<string>();
  const unique: StateRecord[] = [];
  for (const record of records) {
    if (seen.has(record.eventId)) continue;
    seen.add(record.eventId);
    unique.push(record);
  }
  const timeOf = (r: StateRecord) => (r.eventTime ? Date.parse(r.eventTime) : Number.NaN);
  unique.sort((a, b) => {
    const ta = timeOf(a);
    const tb = timeOf(b);
    if (ta !== tb) return (Number.isNaN(ta) ? Infinity : ta) - (Number.isNaN(tb) ? Infinity : tb);
    const sa = STATE_ORDER[a.state ?? ''] ?? 1;
    const sb = STATE_ORDER[b.state ?? ''] ?? 1;
    return sa !== sb ? sa - sb : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
  });
  return { records: unique, duplicates: records.length - unique.length };
};

const inWindow = (ms: number, options: MetricsOptions) =>
  (!options.from || ms >= options.from.getTime()) && (!options.to || ms < options.to.getTime());

const collectDeployments = (records: StateRecord[], options: MetricsOptions): Deployment[] => {
  const byId = new Map<string, Deployment>();
  for (const r of records) {
    if (r.kind !== 'deployment' || !r.deploymentId || !r.application || !r.deploymentGroup || !r.eventTime) continue;
    const ms = Date.parse(r.eventTime);
    if (Number.isNaN(ms) || !inWindow(ms, options)) continue;
    const d: Deployment = byId.get(r.deploymentId) ?? {
      id: r.deploymentId,
      application: r.application,
      deploymentGroup: r.deploymentGroup,
      rollback: false,
    };
    byId.set(d.id, d);
    if (r.state === 'START' && d.startMs === undefined) d.startMs = ms;
    if (r.state && TERMINAL.has(r.state) && !d.terminal) d.terminal = { state: r.state, ms, time: r.eventTime };
    const e = r.enrichment;
    if (e?.creator === ROLLBACK_CREATOR || e?.rollsBack) d.rollback = true;
    if (e?.durationMs !== undefined && e.durationMs >= 0) d.enrichedDurationMs = e.durationMs;
  }
  return [...byId.values()];
};

const durationOf = (d: Deployment): number | undefined => {
  if (d.enrichedDurationMs !== undefined) return d.enrichedDurationMs;
  if (d.terminal && d.startMs !== undefined && d.terminal.ms >= d.startMs) return d.terminal.ms - d.startMs;
  return undefined;
};

interface GroupFacts {
  application: string;
  deploymentGroup: string;
  counts: Omit<Counts, 'changeFailureRate' | 'deploymentsPerWeek' | 'duration' | 'timeToRestore'>;
  durations: number[];
  restores: number[];
  unrestoredSince?: string;
}

const factsOf = (application: string, deploymentGroup: string, deployments: Deployment[]): GroupFacts => {
  const counts = { deployments: 0, successes: 0, failures: 0, stops: 0, rollbacks: 0, unfinished: 0 };
  const durations: number[] = [];
  const restores: number[] = [];
  let openFailure: { ms: number; time: string } | undefined;
  const finished = deployments.filter((d) => d.terminal).sort((a, b) => a.terminal!.ms - b.terminal!.ms);
  counts.unfinished = deployments.filter((d) => !d.terminal && !d.rollback).length;
  for (const d of finished) {
    const { state, ms, time } = d.terminal!;
    if (d.rollback) {
      counts.rollbacks += 1;
    } else {
      counts.deployments += 1;
      if (state === 'SUCCESS') counts.successes += 1;
      if (state === 'FAILURE') counts.failures += 1;
      if (state === 'STOP') counts.stops += 1;
      const duration = durationOf(d);
      if (duration !== undefined) durations.push(duration);
      if (state === 'FAILURE' && !openFailure) openFailure = { ms, time };
    }
    if (state === 'SUCCESS' && openFailure) {
      restores.push(ms - openFailure.ms);
      openFailure = undefined;
    }
  }
  return { application, deploymentGroup, counts, durations, restores, unrestoredSince: openFailure?.time };
};

const DAY_MS = 86_400_000;

const countsOf = (
  facts: Pick<GroupFacts, 'counts' | 'durations' | 'restores'>,
  unrestored: number,
  windowMs: number | null,
): Counts => ({
  ...facts.counts,
  changeFailureRate: facts.counts.deployments > 0 ? facts.counts.failures / facts.counts.deployments : null,
  deploymentsPerWeek:
    windowMs !== null && windowMs >= DAY_MS ? facts.counts.deployments / (windowMs / (7 * DAY_MS)) : null,
  duration: stats(facts.durations),
  timeToRestore: { ...stats(facts.restores), unrestored },
});

/** Computes the delivery numbers over state records in any order, duplicates included (pure). */
export const computeMetrics = (records: StateRecord[], options: MetricsOptions = {}): MetricsReport => {
  const ordered = orderAndDeduplicate(records);
  const deployments = collectDeployments(ordered.records, options);
  const byGroup = new Map<string, Deployment[]>();
  for (const d of deployments) {
    const key = JSON.stringify([d.application, d.deploymentGroup]);
    const list = byGroup.get(key);
    if (list) list.push(d);
    else byGroup.set(key, [d]);
  }
  const facts = [...byGroup.values()]
    .map((list) => factsOf(list[0]!.application, list[0]!.deploymentGroup, list))
    .sort((a, b) => a.application.localeCompare(b.application) || a.deploymentGroup.localeCompare(b.deploymentGroup));
  let first = Infinity;
  let last = -Infinity;
  for (const d of deployments) {
    for (const t of [d.startMs, d.terminal?.ms]) {
      if (t === undefined) continue;
      first = Math.min(first, t);
      last = Math.max(last, t);
    }
  }
  // Every group is measured over the same window, so their frequencies compare.
  const windowStart = options.from?.getTime() ?? (first <= last ? first : undefined);
  const windowEnd = options.to?.getTime() ?? (first <= last ? last : undefined);
  const windowMs = windowStart !== undefined && windowEnd !== undefined ? windowEnd - windowStart : null;
  const groups: GroupMetrics[] = facts.map((f) => ({
    application: f.application,
    deploymentGroup: f.deploymentGroup,
    ...countsOf(f, f.unrestoredSince ? 1 : 0, windowMs),
    ...(f.unrestoredSince ? { unrestoredSince: f.unrestoredSince } : {}),
  }));
  const total = {
    counts: { deployments: 0, successes: 0, failures: 0, stops: 0, rollbacks: 0, unfinished: 0 },
    durations: facts.flatMap((f) => f.durations),
    restores: facts.flatMap((f) => f.restores),
  };
  for (const f of facts) {
    for (const key of Object.keys(total.counts) as (keyof typeof total.counts)[]) total.counts[key] += f.counts[key];
  }
  return {
    records: records.length,
    duplicates: ordered.duplicates,
    ...(first <= last
      ? { firstEventTime: new Date(first).toISOString(), lastEventTime: new Date(last).toISOString() }
      : {}),
    groups,
    overall: countsOf(total, facts.filter((f) => f.unrestoredSince).length, windowMs),
  };
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

const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);

/** The report as a plain-text table, one row per group and a total row (pure). */
export const formatMetricsTable = (report: MetricsReport): string => {
  const header = [
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
  ];
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
    percent(c.changeFailureRate),
    formatDuration(c.duration.medianMs),
    formatDuration(c.duration.p95Ms),
    String(c.timeToRestore.count),
    formatDuration(c.timeToRestore.medianMs),
    String(c.timeToRestore.unrestored),
  ];
  const rows = [
    header,
    ...report.groups.map((g) => row(g.application, g.deploymentGroup, g)),
    row('all', '', report.overall),
  ];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  // Names align left, numbers right, as people read tables.
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const span = report.firstEventTime ? `${report.firstEventTime} .. ${report.lastEventTime}` : 'no deployments';
  return [
    line(header),
    rule,
    ...rows.slice(1, -1).map(line),
    rule,
    line(rows[rows.length - 1]!),
    '',
    `${report.records} record(s), ${report.duplicates} duplicate(s) ignored; deployments ${span}.`,
    'per week = deployments per 7 days of the window (shown from one day up); CFR = failures / deployments (rollbacks excluded);',
    'durations create -> complete; TTR = failure -> next success of the group.',
  ].join('\n');
};
