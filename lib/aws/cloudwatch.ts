import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MessageData,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmState, MetricSeries } from '../hooks/judge.js';
import type { CallBudget } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';
import { allPages } from './pages.js';

/**
 * The CloudWatch port: metric data and alarm states as the hooks judge them, each call (each page)
 * within the caller's budget (`callAws`). Errors are thrown to the caller.
 */

/** One query's answer from GetMetricData, with all pages joined. */
export interface MetricResult extends MetricSeries {
  id: string;
  statusCode?: string;
  /** The answer's messages, then the query's own (e.g. why a query is `PartialData`). */
  messages: string[];
}

/** What GetMetricData is asked: the queries over [start, end). */
export interface MetricDataRequest {
  queries: MetricDataQuery[];
  start: Date;
  end: Date;
}

export interface CloudWatchPort {
  /** GetMetricData, following NextToken; one result per query id that returns data. */
  getMetricData(request: MetricDataRequest, budget: CallBudget): Promise<MetricResult[]>;
  /** DescribeAlarms of metric and composite alarms by name; alarms that do not exist are absent. */
  describeAlarms(names: string[], budget: CallBudget): Promise<AlarmState[]>;
}

/** DescribeAlarms takes at most 100 alarm names per call (AlarmNames, CloudWatch API Reference). */
export const ALARM_NAMES_PER_CALL = 100;

const messageText = (m: MessageData) => `${m.Code ?? ''} ${m.Value ?? ''}`.trim();

/** The CloudWatch port over a client built from the service's client settings. */
export const createCloudWatchPort = (options: AwsClientOptions = {}): CloudWatchPort =>
  cloudWatchPortOver(new CloudWatchClient(clientConfig(options)));

/** The port over a given client (tests hand in one behind aws-sdk-client-mock). */
export const cloudWatchPortOver = (client: CloudWatchClient): CloudWatchPort => ({
  async getMetricData(request, budget) {
    const pages = await allPages(
      (token, abortSignal) =>
        client.send(
          new GetMetricDataCommand({
            MetricDataQueries: request.queries,
            StartTime: request.start,
            EndTime: request.end,
            ScanBy: 'TimestampAscending',
            NextToken: token,
          }),
          { abortSignal },
        ),
      (page) => page.NextToken,
      budget,
    );
    const results = new Map<string, MetricResult>();
    const messages = pages.flatMap((page) => (page.Messages ?? []).map(messageText));
    for (const r of pages.flatMap((page) => page.MetricDataResults ?? [])) {
      const id = r.Id ?? '';
      const into = results.get(id) ?? { id, timestamps: [], values: [], messages: [] };
      into.timestamps.push(...(r.Timestamps ?? []).map((t) => t.getTime()));
      into.values.push(...(r.Values ?? []));
      into.statusCode = r.StatusCode;
      into.messages.push(...(r.Messages ?? []).map(messageText));
      results.set(id, into);
    }
    return [...results.values()].map((r) => ({ ...r, messages: [...messages, ...r.messages] }));
  },

  async describeAlarms(names, budget) {
    const found: AlarmState[] = [];
    for (let i = 0; i < names.length; i += ALARM_NAMES_PER_CALL) {
      const batch = names.slice(i, i + ALARM_NAMES_PER_CALL);
      const pages = await allPages(
        (token, abortSignal) =>
          client.send(
            new DescribeAlarmsCommand({
              AlarmNames: batch,
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              NextToken: token,
            }),
            { abortSignal },
          ),
        (page) => page.NextToken,
        budget,
      );
      for (const a of pages.flatMap((page) => [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])])) {
        found.push({ name: a.AlarmName ?? '', state: a.StateValue ?? 'UNKNOWN', reason: a.StateReason });
      }
    }
    return found;
  },
});
