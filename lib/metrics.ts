import { MetricUnit, Metrics as EmfMetrics } from '@aws-lambda-powertools/metrics';
import { type Logger, log as processLog } from './log.js';
import { type METRICS, type MetricName, NAMESPACE } from './metric-names.js';

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

export { METRICS, METRIC_NAMES, type MetricName, NAMESPACE } from './metric-names.js';

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
