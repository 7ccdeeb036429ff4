import { MetricUnit, Metrics as EmfMetrics } from '@aws-lambda-powertools/metrics';
import { type Logger, log as processLog } from './log.js';

/**
 * The service's own metrics, in CloudWatch's embedded metric format: log lines CloudWatch Logs
 * turns into metrics, with no API call and no IAM permission
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
 * serialised by Powertools for AWS Lambda's Metrics
 * (https://docs.powertools.aws.dev/lambda/typescript/latest/features/metrics/).
 *
 * Code records datapoints as it goes; they are written once, after the handler has returned (a hook
 * has reported by then), and a failure to write them is logged, never thrown: counting must never
 * fail an invocation or hold up a hook's report.
 */

export const NAMESPACE = 'DeploySentinel';

/** Every metric the code can emit, with the dimensions it carries besides `service` and `stage`. */
export const METRICS = {
  /** An alert Slack took (by event kind and delivery mode, webhook or app). */
  AlertsPosted: { dimensions: ['kind', 'mode'], capability: 'alerts' },
  /** Slack refused the blocks and the plain-text fallback was posted instead. */
  AlertsDegraded: { dimensions: ['kind', 'mode'], capability: 'alerts' },
  /** An alert that could not be posted: the invocation fails, is retried, then dead-lettered. */
  AlertsFailed: { dimensions: ['kind', 'mode'], capability: 'alerts' },
  /** Requests made to Slack for alerts, retries included. */
  SlackAttempts: { dimensions: ['mode'], capability: 'alerts' },
  /** Slack answers of HTTP 429 (rate limited). */
  SlackRateLimited: { dimensions: ['mode'], capability: 'alerts' },
  /**
   * An invocation failed on purpose because another one holds the same event (at-least-once
   * delivery): Lambda runs it again later. Lambda counts it in Errors; the error alarm subtracts it.
   */
  ExpectedRetries: { dimensions: [], capability: 'alerts' },
  /** State records written to the stream (by record kind). */
  RecordsWritten: { dimensions: ['kind'], capability: 'stream' },
  /** Records sent again after Kinesis rejected them or the request failed. */
  RecordsRetried: { dimensions: [], capability: 'stream' },
  /** Orphaned Auto Scaling groups deleted. */
  GroupsDeleted: { dimensions: [], capability: 'cleanup' },
  /** Groups looked at and kept, by the decision's reason (`report-mode` when it would have deleted). */
  GroupsKept: { dimensions: ['reason'], capability: 'cleanup' },
  /** Candidates a sweep did not reach before its deadline (0 when it finished). */
  SweepGroupsLeft: { dimensions: [], capability: 'cleanup' },
  /** Verdicts reported to CodeDeploy, by hook and result (Succeeded or Failed). */
  HookVerdicts: { dimensions: ['hook', 'result'], capability: 'hooks' },
} as const satisfies Record<string, { dimensions: readonly string[]; capability: string }>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
type DimensionsOf<N extends MetricName> = Record<(typeof METRICS)[N]['dimensions'][number], string>;

/** What code is given to count with. */
export interface Metrics {
  /** Adds `value` (default 1) to a metric; never throws. */
  add<N extends MetricName>(name: N, dimensions: DimensionsOf<N>, value?: number): void;
}

/** One recorded datapoint. */
export interface Datapoint {
  name: MetricName;
  dimensions: Record<string, string>;
  value: number;
}

/** The recorder a handler owns: code adds to it; the invocation's end writes what it holds. */
export interface MetricsRecorder extends Metrics {
  /** Writes every recorded datapoint as EMF lines and forgets them; logs (never throws) on failure. */
  flush(): void;
  /** What is recorded and not yet written. */
  pending(): readonly Datapoint[];
}

export interface MetricsOptions {
  service?: string;
  stage?: string;
  write?: (line: string) => void;
  log?: Logger;
}

export const createMetrics = (
  options: MetricsOptions = {},
): MetricsRecorder & { configure(o: MetricsOptions): void } => {
  let settings = { service: 'deploy-sentinel', stage: 'local', ...options };
  const write = () => settings.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const logger = () => settings.log ?? processLog;
  let recorded: Datapoint[] = [];
  let emf: EmfMetrics | undefined;

  return {
    add(name, dimensions, value = 1) {
      recorded.push({ name, dimensions: dimensions as Record<string, string>, value });
    },
    pending: () => recorded,
    configure(next) {
      settings = { ...settings, ...next };
      emf = undefined;
    },
    flush() {
      const datapoints = recorded;
      recorded = [];
      if (datapoints.length === 0) return;
      try {
        emf ??= new EmfMetrics({
          namespace: NAMESPACE,
          serviceName: settings.service,
          defaultDimensions: { stage: settings.stage },
          logger: { ...console, warn: (message: string) => logger().warn(`metrics: ${message}`) },
        });
        // One EMF object per set of dimension values: each object's metrics share its dimensions.
        const groups = new Map<string, Datapoint[]>();
        for (const d of datapoints) {
          const key = JSON.stringify(Object.entries(d.dimensions).sort());
          groups.set(key, [...(groups.get(key) ?? []), d]);
        }
        for (const group of groups.values()) {
          try {
            for (const [k, v] of Object.entries(group[0]!.dimensions)) emf.addDimension(k, v);
            for (const d of group) emf.addMetric(d.name, MetricUnit.Count, d.value);
            write()(JSON.stringify(emf.serializeMetrics()));
          } finally {
            emf.clearMetrics();
            emf.clearDimensions();
          }
        }
      } catch (error) {
        logger().warn('metrics not written; the invocation goes on without them', {
          error,
          datapoints: datapoints.length,
        });
      }
    },
  };
};

/** The process-wide recorder; config tells it the service and stage at cold start. */
const processMetrics = createMetrics();
export const metrics: MetricsRecorder = processMetrics;

export const configureMetrics = (options: { service: string; stage: string }): void =>
  processMetrics.configure(options);
