import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AlarmState, MetricSeries, TargetHealthState } from './judge.js';

/** Adapters that read what the checks judge. They throw on transport and API errors. */

/** One query's answer from GetMetricData, with all pages joined. */
export interface MetricResult extends MetricSeries {
  id: string;
  statusCode?: string;
  messages: string[];
}

/** GetMetricData over [start, end), following NextToken; one result per query id that returns data. */
export const readMetricData = async (
  client: CloudWatchClient,
  input: { queries: MetricDataQuery[]; start: Date; end: Date },
  signal: AbortSignal,
): Promise<MetricResult[]> => {
  const results = new Map<string, MetricResult>();
  const messages: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: input.queries,
        StartTime: input.start,
        EndTime: input.end,
        ScanBy: 'TimestampAscending',
        NextToken: nextToken,
      }),
      { abortSignal: signal },
    );
    messages.push(...(page.Messages ?? []).map((m) => `${m.Code ?? ''} ${m.Value ?? ''}`.trim()));
    for (const r of page.MetricDataResults ?? []) {
      const id = r.Id ?? '';
      const into = results.get(id) ?? { id, timestamps: [], values: [], messages: [] };
      into.timestamps.push(...(r.Timestamps ?? []).map((t) => t.getTime()));
      into.values.push(...(r.Values ?? []));
      into.statusCode = r.StatusCode;
      into.messages.push(...(r.Messages ?? []).map((m) => `${m.Code ?? ''} ${m.Value ?? ''}`.trim()));
      results.set(id, into);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return [...results.values()].map((r) => ({ ...r, messages: [...messages, ...r.messages] }));
};

/** DescribeAlarms for metric and composite alarms by name (at most 100 names per call). */
export const readAlarms = async (
  client: CloudWatchClient,
  names: string[],
  signal: AbortSignal,
): Promise<AlarmState[]> => {
  const found: AlarmState[] = [];
  for (let i = 0; i < names.length; i += 100) {
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new DescribeAlarmsCommand({
          AlarmNames: names.slice(i, i + 100),
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          NextToken: nextToken,
        }),
        { abortSignal: signal },
      );
      for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        found.push({ name: a.AlarmName ?? '', state: a.StateValue ?? 'UNKNOWN', reason: a.StateReason });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return found;
};

/** DescribeTargetHealth of one target group. */
export const readTargetHealth = async (
  client: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  signal: AbortSignal,
): Promise<TargetHealthState[]> => {
  const answer = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }), {
    abortSignal: signal,
  });
  return (answer.TargetHealthDescriptions ?? []).map((d) => ({
    id: d.Target?.Id ?? '?',
    port: d.Target?.Port,
    state: d.TargetHealth?.State ?? 'unknown',
    reason: d.TargetHealth?.Reason,
  }));
};
