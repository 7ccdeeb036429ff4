import { AwsFault, type JsonOperation } from './aws.js';

/**
 * CloudWatch operations for the AWS stand-in (startAwsStandIn). `@aws-sdk/client-cloudwatch`
 * 3.1162 speaks AWS JSON 1.0 by default (`X-Amz-Target: GraniteServiceVersion20100801.<Operation>`,
 * timestamps as epoch seconds); the older Query protocol and Smithy RPCv2 CBOR are opt-in through
 * the client's `protocol` setting. Serve these under `json: { [CLOUDWATCH_TARGET_PREFIX]: ... }`.
 *
 * Metrics hold raw datapoints; GetMetricData buckets them by the query's period and applies its
 * statistic. Metric math supports numbers, query ids, + - * / and parentheses.
 */

export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801';

export interface StandInMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** Raw datapoints; `at` in epoch milliseconds. */
  points: Array<{ at: number; value: number }>;
}

export interface StandInAlarm {
  name: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason?: string;
  type?: 'MetricAlarm' | 'CompositeAlarm';
  namespace?: string;
  metricName?: string;
  threshold?: number;
}

/** The metrics and alarms of the stand-in account; mutate it to change what the API answers. */
export interface CloudWatchModel {
  region?: string;
  account?: string;
  metrics: StandInMetric[];
  alarms: StandInAlarm[];
}

type Series = { timestamps: number[]; values: number[] };

const seconds = (value: unknown): number => {
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string') return /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  throw new AwsFault('ValidationError', 'StartTime and EndTime are required');
};

const statistic = (stat: string, values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Maximum':
      return sorted[sorted.length - 1]!;
    case 'Minimum':
      return sorted[0]!;
    case 'SampleCount':
      return values.length;
    default: {
      const p = /^p(\d+(\.\d+)?)$/.exec(stat);
      if (!p)
        throw new AwsFault(
          'ValidationError',
          `The value ${stat} for parameter MetricDataQueries.member.1.MetricStat.Stat is not supported.`,
        );
      return sorted[Math.max(0, Math.ceil((Number(p[1]) / 100) * sorted.length) - 1)]!;
    }
  }
};

const sameDimensions = (a: Record<string, string>, b: Array<{ Name?: string; Value?: string }>) =>
  Object.keys(a).length === b.length && b.every((d) => a[d.Name ?? ''] === d.Value);

const metricSeries = (model: CloudWatchModel, stat: Record<string, any>, start: number, end: number): Series => {
  const metric = stat.Metric ?? {};
  const period = Number(stat.Period ?? 60) * 1000;
  const found = model.metrics.find(
    (m) =>
      m.namespace === metric.Namespace &&
      m.name === metric.MetricName &&
      sameDimensions(m.dimensions, metric.Dimensions ?? []),
  );
  const buckets = new Map<number, number[]>();
  for (const point of found?.points ?? []) {
    if (point.at < start || point.at >= end) continue;
    const bucket = Math.floor(point.at / period) * period;
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), point.value]);
  }
  const timestamps = [...buckets.keys()].sort((a, b) => a - b);
  return { timestamps, values: timestamps.map((t) => statistic(String(stat.Stat), buckets.get(t)!)) };
};

/** Evaluates `+ - * /` metric math over series aligned by timestamp. */
const evaluateExpression = (
  id: string,
  expression: string,
  series: Map<string, Series>,
  messages: string[],
): Series => {
  const tokens = expression.match(/\s*(\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[-+*/()])\s*/g)?.map((t) => t.trim()) ?? [];
  if (tokens.join('') !== expression.replace(/\s+/g, '')) {
    throw new AwsFault('ValidationError', `Error in expression ${id}: Unsupported syntax in "${expression}"`);
  }
  const refs = tokens.filter((t) => /^[A-Za-z_]/.test(t));
  for (const ref of refs)
    if (!series.has(ref)) throw new AwsFault('ValidationError', `Error in expression ${id}: Unrecognized token ${ref}`);
  const stamps =
    refs.length === 0
      ? []
      : series.get(refs[0]!)!.timestamps.filter((t) => refs.every((r) => series.get(r)!.timestamps.includes(t)));
  const at = (ref: string, t: number) => {
    const s = series.get(ref)!;
    return s.values[s.timestamps.indexOf(t)]!;
  };
  const out: Series = { timestamps: [], values: [] };
  for (const t of stamps) {
    let i = 0;
    const primary = (): number => {
      const token = tokens[i++];
      if (token === '(') {
        const v = sum();
        i += 1;
        return v;
      }
      if (token === '-') return -primary();
      if (token !== undefined && /^\d/.test(token)) return Number(token);
      return at(token ?? '', t);
    };
    const product = (): number => {
      let v = primary();
      while (tokens[i] === '*' || tokens[i] === '/') v = tokens[i++] === '*' ? v * primary() : v / primary();
      return v;
    };
    const sum = (): number => {
      let v = product();
      while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + product() : v - product();
      return v;
    };
    const value = sum();
    if (Number.isFinite(value)) {
      out.timestamps.push(t);
      out.values.push(value);
    } else if (!messages.includes('ArithmeticError')) {
      messages.push('ArithmeticError');
    }
  }
  return out;
};

const alarmArn = (model: CloudWatchModel, name: string) =>
  `arn:aws:cloudwatch:${model.region ?? 'us-east-1'}:${model.account ?? '123456789012'}:alarm:${name}`;

/** GetMetricData and DescribeAlarms over the model. */
export const cloudWatchOperations = (model: CloudWatchModel): Record<string, JsonOperation> => ({
  GetMetricData: (input) => {
    const start = seconds(input.StartTime);
    const end = seconds(input.EndTime);
    const queries = (input.MetricDataQueries as Array<Record<string, any>> | undefined) ?? [];
    if (queries.length === 0) throw new AwsFault('ValidationError', 'MetricDataQueries must not be empty');
    const series = new Map<string, Series>();
    const arithmetic = new Map<string, string[]>();
    // Metrics first, then expressions in order, as an expression may only use ids defined before it here.
    for (const q of queries.filter((q) => q.MetricStat))
      series.set(q.Id, metricSeries(model, q.MetricStat, start, end));
    for (const q of queries.filter((q) => !q.MetricStat)) {
      if (typeof q.Expression !== 'string')
        throw new AwsFault('ValidationError', `Query ${q.Id} needs MetricStat or Expression`);
      const messages: string[] = [];
      series.set(q.Id, evaluateExpression(q.Id, q.Expression, series, messages));
      arithmetic.set(q.Id, messages);
    }
    const descending = input.ScanBy !== 'TimestampAscending';
    return {
      MetricDataResults: queries
        .filter((q) => q.ReturnData !== false)
        .map((q) => {
          const s = series.get(q.Id)!;
          const order = s.timestamps.map((_, i) => i);
          if (descending) order.reverse();
          return {
            Id: q.Id,
            Label: q.Label ?? q.MetricStat?.Metric?.MetricName ?? q.Id,
            Timestamps: order.map((i) => s.timestamps[i]! / 1000),
            Values: order.map((i) => s.values[i]!),
            StatusCode: 'Complete',
            Messages: (arithmetic.get(q.Id) ?? []).map((Code) => ({
              Code,
              Value: 'One or more data-points have been dropped due to non-numeric values (NaN, -Infinite, +Infinite)',
            })),
          };
        }),
      Messages: [],
    };
  },
  DescribeAlarms: (input) => {
    const names = input.AlarmNames as string[] | undefined;
    // Without AlarmTypes the API answers metric alarms only.
    const types = (input.AlarmTypes as string[] | undefined) ?? ['MetricAlarm'];
    const chosen = model.alarms.filter(
      (a) => (!names || names.includes(a.name)) && types.includes(a.type ?? 'MetricAlarm'),
    );
    const shape = (a: StandInAlarm) => ({
      AlarmName: a.name,
      AlarmArn: alarmArn(model, a.name),
      StateValue: a.state,
      StateReason: a.reason ?? `Threshold Crossed: state ${a.state}`,
      StateUpdatedTimestamp: Date.now() / 1000,
      ActionsEnabled: true,
    });
    return {
      MetricAlarms: chosen
        .filter((a) => (a.type ?? 'MetricAlarm') === 'MetricAlarm')
        .map((a) => ({
          ...shape(a),
          Namespace: a.namespace,
          MetricName: a.metricName,
          Threshold: a.threshold,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 1,
          Period: 60,
          Statistic: 'Sum',
        })),
      CompositeAlarms: chosen
        .filter((a) => a.type === 'CompositeAlarm')
        .map((a) => ({ ...shape(a), AlarmRule: 'TRUE' })),
    };
  },
});
