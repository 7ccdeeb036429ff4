import { ROLLBACK_CREATOR } from '../../../lib/codedeploy/deployment.js';
import type { StateRecord } from '../../../lib/stream/record.js';
import {
  type Counts,
  type GroupMetrics,
  median,
  type MetricsOptions,
  type MetricsReport,
  percentile,
  type Stats,
} from '../../../tools/metrics/metrics.js';

/**
 * The delivery numbers computed the straightforward way, over every record at once: deduplicate by
 * event id, sort everything by event time, then walk each deployment and each group in time order.
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

/** The report, from every record held in memory at once. */
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
    duplicates: relevant.length - ordered.length,
    ...(first <= last
      ? { firstEventTime: new Date(first).toISOString(), lastEventTime: new Date(last).toISOString() }
      : {}),
    groups,
    overall: countsOf(total, facts.filter((f) => f.unrestoredSince).length, windowMs),
  };
};
