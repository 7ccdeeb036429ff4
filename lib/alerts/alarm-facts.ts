import type { AlarmMetric, AlarmStateChange, AlarmStateValue } from '../events/alarm.js';
import { parseReasonData, type ReasonData } from './reason-data.js';

/**
 * What an alarm state change says, reduced to facts a message can be built from: what is watched,
 * how it compares, the datapoints, and for how long it was in alarm. Pure; never throws on an odd
 * `reasonData` (it degrades to the plain reason).
 */

export const ALARM_KINDS = ['metric', 'metric-math', 'anomaly-detection', 'composite'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** PutMetricAlarm's ComparisonOperator values. */
export const COMPARISONS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
] as const;
export type Comparison = (typeof COMPARISONS)[number];

export type ReasonDataStatus = 'parsed' | 'absent' | 'malformed';

/** One metric an alarm reads (a `metricStat` entry of the alarm's configuration). */
export interface MetricRef {
  id: string;
  namespace?: string;
  name?: string;
  dimensions: Record<string, string>;
  stat?: string;
  period?: number;
  unit?: string;
  label?: string;
  returnData: boolean;
}

/** One metric-math expression, with the ids of the other queries it reads. */
export interface MathExpression {
  id: string;
  expression: string;
  label?: string;
  returnData: boolean;
  uses: string[];
}

/** A child alarm that moved a composite alarm, from its reasonData. */
export interface TriggeringAlarm {
  arn: string;
  /** The name part of the ARN (what the console and CodeDeploy call the alarm). */
  name: string;
  state?: string;
  at?: Date;
}

/** What the alarm watches, by kind. */
export type Watched =
  | { kind: 'metric'; metric?: MetricRef }
  | { kind: 'metric-math'; expressions: MathExpression[]; metrics: MetricRef[] }
  | { kind: 'anomaly-detection'; band?: MathExpression; expressions: MathExpression[]; metrics: MetricRef[] }
  | { kind: 'composite'; alarmRule?: string; triggeringAlarms: TriggeringAlarm[] };

/** The last datapoints CloudWatch evaluated (reasonData `recentDatapoints`), oldest first. */
export interface RecentDatapoints {
  values: number[];
  statistic?: string;
  period?: number;
  unit?: string;
  /** Start of the first period shown. */
  startDate?: Date;
  queryDate?: Date;
}

export interface EvaluatedDatapoint {
  at?: Date;
  /** Absent for a period without data. */
  value?: number;
  sampleCount?: number;
}

/** Everything the alarm notifier says about one alarm state change. */
export interface AlarmFacts {
  name: string;
  arn?: string;
  description?: string;
  region: string;
  account: string;
  transition: { from?: AlarmStateValue; to: AlarmStateValue };
  /** CloudWatch's own sentence, shown as is. */
  reason: string;
  /** When the alarm changed state (state.timestamp, else the event time). */
  changedAt?: Date;
  kind: AlarmKind;
  watched: Watched;
  threshold?: number;
  comparison?: Comparison;
  datapoints?: RecentDatapoints;
  /** Anomaly-detection band for the recent datapoints. */
  band?: { lower: number[]; upper: number[] };
  evaluatedDatapoints?: EvaluatedDatapoint[];
  tags: Record<string, string>;
  /** How long the alarm was in ALARM, on its way back to OK. */
  lastedMs?: number;
  /** Actions did not run (composite alarm suppression). */
  actionsSuppressed?: { by: string; reason?: string };
  reasonDataStatus: ReasonDataStatus;
  /** Why reasonData was not usable, when it was malformed. */
  reasonDataProblem?: string;
}

const ISO_WITH_COMPACT_OFFSET = /^(\d{4}-\d{2}-\d{2}T[\d:.]+)([+-]\d{2})(\d{2})$/;

/** Parses CloudWatch timestamps such as `2019-10-02T17:04:40.989+0000`; undefined when unreadable. */
export const parseAlarmTimestamp = (value: string | undefined): Date | undefined => {
  if (!value) return undefined;
  const trimmed = value.trim();
  // `+0000` is not ISO 8601 extended format; spell it `+00:00` rather than rely on a lenient parser.
  const compact = ISO_WITH_COMPACT_OFFSET.exec(trimmed);
  const date = new Date(compact ? `${compact[1]}${compact[2]}:${compact[3]}` : trimmed);
  return Number.isNaN(date.getTime()) ? undefined : date;
};

/** The alarm name inside an alarm ARN (`arn:aws:cloudwatch:<region>:<account>:alarm:<name>`). */
export const alarmNameFromArn = (arn: string): string => {
  const at = arn.indexOf(':alarm:');
  return at === -1 ? arn : arn.slice(at + ':alarm:'.length);
};

/**
 * The comparison, read from CloudWatch's reason sentence: the event carries no
 * ComparisonOperator, but the sentence always names it ("was [not] greater than or equal to the
 * threshold", "less than the lower thresholds [...] or greater than the upper thresholds [...]").
 */
export const comparisonFromReason = (reason: string): Comparison | undefined => {
  const lower = /less than the lower thresholds?\b/i.test(reason);
  const upper = /greater than the upper thresholds?\b/i.test(reason);
  if (lower && upper) return 'LessThanLowerOrGreaterThanUpperThreshold';
  if (lower) return 'LessThanLowerThreshold';
  if (upper) return 'GreaterThanUpperThreshold';
  const match = /\b(greater|less) than (or equal to )?the threshold\b/i.exec(reason);
  if (!match) return undefined;
  const greater = match[1]!.toLowerCase() === 'greater';
  if (match[2]) return greater ? 'GreaterThanOrEqualToThreshold' : 'LessThanOrEqualToThreshold';
  return greater ? 'GreaterThanThreshold' : 'LessThanThreshold';
};

/** The threshold written in the reason sentence ("... the threshold (50.0) ..."), for when reasonData is unusable. */
export const thresholdFromReason = (reason: string): number | undefined => {
  const match = /\bthe threshold \(([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\)/.exec(reason);
  return match ? Number(match[1]) : undefined;
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const toMetricRef = (entry: AlarmMetric): MetricRef => {
  const stat = entry.metricStat;
  return {
    id: entry.id,
    namespace: stat?.metric.namespace,
    name: stat?.metric.name,
    dimensions: stat?.metric.dimensions ?? {},
    stat: stat?.stat,
    period: stat?.period,
    unit: stat?.unit,
    label: entry.label,
    // The API's default: a query returns data unless told otherwise.
    returnData: entry.returnData ?? true,
  };
};

const toMathExpression = (entry: AlarmMetric & { expression: string }, all: AlarmMetric[]): MathExpression => {
  const metricIds = all.filter((m) => m.metricStat).map((m) => m.id);
  // METRICS() reads every metric of the alarm; otherwise the other queries are named by id.
  const uses = /\bMETRICS\s*\(/.test(entry.expression)
    ? metricIds
    : all
        .filter(
          (m) => m.id !== entry.id && new RegExp(`(?<![\\w.])${escapeRegExp(m.id)}(?![\\w])`).test(entry.expression),
        )
        .map((m) => m.id);
  return { id: entry.id, expression: entry.expression, label: entry.label, returnData: entry.returnData ?? true, uses };
};

const isBand = (expression: MathExpression) => /\bANOMALY_DETECTION_BAND\s*\(/i.test(expression.expression);

const hasExpression = (m: AlarmMetric): m is AlarmMetric & { expression: string } => typeof m.expression === 'string';

const toWatched = (
  configuration: AlarmStateChange['detail']['configuration'],
  data: ReasonData | undefined,
): Watched => {
  const entries = configuration.metrics ?? [];
  if (configuration.alarmRule !== undefined || (entries.length === 0 && data?.triggeringAlarms)) {
    return {
      kind: 'composite',
      alarmRule: configuration.alarmRule,
      triggeringAlarms: (data?.triggeringAlarms ?? []).map((t) => ({
        arn: t.arn,
        name: alarmNameFromArn(t.arn),
        state: t.state?.value,
        at: parseAlarmTimestamp(t.state?.timestamp),
      })),
    };
  }
  const metrics = entries.filter((m) => m.metricStat).map(toMetricRef);
  const expressions = entries.filter(hasExpression).map((m) => toMathExpression(m, entries));
  const band = expressions.find(isBand);
  if (band || data?.recentLowerThresholds || data?.recentUpperThresholds) {
    return { kind: 'anomaly-detection', band, expressions, metrics };
  }
  if (expressions.length > 0) return { kind: 'metric-math', expressions, metrics };
  return { kind: 'metric', metric: metrics.find((m) => m.returnData) ?? metrics[0] };
};

const toDatapoints = (data: ReasonData | undefined): RecentDatapoints | undefined =>
  data?.recentDatapoints && {
    values: data.recentDatapoints,
    statistic: data.statistic,
    period: data.period,
    unit: data.unit,
    startDate: parseAlarmTimestamp(data.startDate),
    queryDate: parseAlarmTimestamp(data.queryDate),
  };

const toBand = (data: ReasonData | undefined) =>
  data && (data.recentLowerThresholds || data.recentUpperThresholds)
    ? { lower: data.recentLowerThresholds ?? [], upper: data.recentUpperThresholds ?? [] }
    : undefined;

const toLastedMs = (detail: AlarmStateChange['detail']): number | undefined => {
  if (detail.state.value !== 'OK' || detail.previousState?.value !== 'ALARM') return undefined;
  const start = parseAlarmTimestamp(detail.previousState.timestamp);
  const end = parseAlarmTimestamp(detail.state.timestamp);
  if (!start || !end || end < start) return undefined;
  return end.getTime() - start.getTime();
};

/** Maps an alarm state change to AlarmFacts (pure). */
export const toAlarmFacts = (event: AlarmStateChange): AlarmFacts => {
  const { detail } = event;
  const reason = detail.state.reason.trim();
  const reasonData = parseReasonData(detail.state.reasonData);
  const data = reasonData.status === 'parsed' ? reasonData.data : undefined;
  const watched = toWatched(detail.configuration, data);
  const composite = watched.kind === 'composite';
  return {
    name: detail.alarmName,
    arn: event.resources[0],
    description: detail.configuration.description,
    region: event.region,
    account: event.account,
    transition: { from: detail.previousState?.value, to: detail.state.value },
    reason,
    changedAt: parseAlarmTimestamp(detail.state.timestamp) ?? parseAlarmTimestamp(event.time),
    kind: watched.kind,
    watched,
    threshold: composite ? undefined : (data?.threshold ?? thresholdFromReason(reason)),
    comparison: composite ? undefined : comparisonFromReason(reason),
    datapoints: toDatapoints(data),
    band: toBand(data),
    evaluatedDatapoints: data?.evaluatedDatapoints?.map((p) => ({
      at: parseAlarmTimestamp(p.timestamp),
      value: p.value,
      sampleCount: p.sampleCount,
    })),
    tags: detail.alarmTags ?? {},
    lastedMs: toLastedMs(detail),
    actionsSuppressed: detail.state.actionsSuppressedBy
      ? { by: detail.state.actionsSuppressedBy, reason: detail.state.actionsSuppressedReason }
      : undefined,
    reasonDataStatus: reasonData.status,
    reasonDataProblem: reasonData.status === 'malformed' ? reasonData.problem : undefined,
  };
};
