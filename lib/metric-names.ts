/**
 * The names of every metric the service emits (namespace DeploySentinel, dimensions service and stage
 * plus those listed), apart from the code that emits them: packaging builds the dashboard from this
 * list, and the type lets code emit no other name.
 */

/** A metric: its dimensions, the capability whose functions emit it, and how the dashboard sums it. */
export interface MetricSpec {
  dimensions: readonly string[];
  capability: 'alerts' | 'stream' | 'cleanup' | 'hooks';
  statistic: 'Sum' | 'Maximum';
}

export const NAMESPACE = 'DeploySentinel';

/** Every metric the code can emit, with the dimensions it carries besides `service` and `stage`. */
export const METRICS = {
  /** An alert Slack took (by event kind and delivery mode, webhook or app). */
  AlertsPosted: { dimensions: ['kind', 'mode'], capability: 'alerts', statistic: 'Sum' },
  /** Slack refused the blocks and the plain-text fallback was posted instead. */
  AlertsDegraded: { dimensions: ['kind', 'mode'], capability: 'alerts', statistic: 'Sum' },
  /** An alert that could not be posted: the invocation fails, is retried, then dead-lettered. */
  AlertsFailed: { dimensions: ['kind', 'mode'], capability: 'alerts', statistic: 'Sum' },
  /** Requests made to Slack for alerts, retries included. */
  SlackAttempts: { dimensions: ['mode'], capability: 'alerts', statistic: 'Sum' },
  /** Slack answers of HTTP 429 (rate limited). */
  SlackRateLimited: { dimensions: ['mode'], capability: 'alerts', statistic: 'Sum' },
  /**
   * An invocation failed on purpose because another one holds the same event (at-least-once
   * delivery): Lambda runs it again later. Lambda counts it in Errors; the error alarm subtracts it.
   */
  ExpectedRetries: { dimensions: [], capability: 'alerts', statistic: 'Sum' },
  /** State records written to the stream (by record kind). */
  RecordsWritten: { dimensions: ['kind'], capability: 'stream', statistic: 'Sum' },
  /** Records sent again after Kinesis rejected them or the request failed. */
  RecordsRetried: { dimensions: [], capability: 'stream', statistic: 'Sum' },
  /** Orphaned Auto Scaling groups deleted. */
  GroupsDeleted: { dimensions: [], capability: 'cleanup', statistic: 'Sum' },
  /** Groups looked at and kept, by the decision's reason (`report-mode` when it would have deleted). */
  GroupsKept: { dimensions: ['reason'], capability: 'cleanup', statistic: 'Sum' },
  /** Candidates a sweep did not reach before its deadline (0 when it finished). */
  SweepGroupsLeft: { dimensions: [], capability: 'cleanup', statistic: 'Maximum' },
  /** Verdicts reported to CodeDeploy, by hook and result (Succeeded or Failed). */
  HookVerdicts: { dimensions: ['hook', 'result'], capability: 'hooks', statistic: 'Sum' },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
