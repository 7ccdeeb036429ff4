import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS, METRIC_NAMES, NAMESPACE } from '../../lib/metric-names.js';
import { functionsIn, serviceMetricsIn } from '../support/dashboard.js';

const require = createRequire(import.meta.url);
const telemetry = require('../../serverless/telemetry.cjs');
const ROOT = join(import.meta.dirname, '..', '..');

const CAPABILITIES = {
  alerts: ['notifyDeployment', 'notifyAlarm'],
  stream: ['streamState'],
  cleanup: ['cleanUpOrphans'],
  hooks: [
    'hookBeforeInstall',
    'hookAfterInstall',
    'hookAfterAllowTestTraffic',
    'hookBeforeAllowTraffic',
    'hookAfterAllowTraffic',
  ],
};
const ALL = Object.values(CAPABILITIES).flat();
const logicalId = (key: string) => `${key[0]!.toUpperCase()}${key.slice(1)}LambdaFunction`;
const resourcesFor = (keys: string[], capabilities: Record<string, string[]> = CAPABILITIES) =>
  telemetry.telemetryResources({
    service: 'deploy-sentinel',
    stage: 'prod',
    functions: telemetry.functionsByCapability(capabilities, keys, logicalId),
    metrics: METRICS,
    namespace: NAMESPACE,
  });

/** Every .ts file under lib/, for finding where each metric is emitted. */
const libSources = (dir = join(ROOT, 'lib')): Array<[string, string]> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e): Array<[string, string]> => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return libSources(path);
    return e.name.endsWith('.ts') ? [[path, readFileSync(path, 'utf8')]] : [];
  });

describe('the metrics the code emits', () => {
  it('are each emitted somewhere in lib/ by their name, so the list holds no metric nothing sends', () => {
    const sources = libSources().filter(([path]) => !path.endsWith('metric-names.ts'));
    for (const name of METRIC_NAMES)
      expect(
        sources.some(([, text]) => new RegExp(`\\.add\\(\\s*'${name}'`).test(text)),
        name,
      ).toBe(true);
  });
});

describe('the dashboard', () => {
  it('shows exactly the metrics the code can emit, with every function of a full stage', () => {
    const body = resourcesFor(ALL).Dashboard.Properties.DashboardBody['Fn::Sub'];
    expect(serviceMetricsIn(body)).toEqual([...METRIC_NAMES].sort());
    expect(functionsIn(body)).toEqual(ALL.map(logicalId).sort());
    expect(body).toContain('${DeadLetterQueue.QueueName}');
  });

  it('shows only the metrics and functions of the capabilities a stage keeps', () => {
    const body = resourcesFor(CAPABILITIES.alerts).Dashboard.Properties.DashboardBody['Fn::Sub'];
    expect(serviceMetricsIn(body)).toEqual(METRIC_NAMES.filter((n) => METRICS[n].capability === 'alerts').sort());
    expect(functionsIn(body)).toEqual(['NotifyAlarmLambdaFunction', 'NotifyDeploymentLambdaFunction']);
  });

  it('searches each metric by the dimensions it is emitted with, in this stage only', () => {
    const body = resourcesFor(ALL).Dashboard.Properties.DashboardBody['Fn::Sub'];
    expect(body).toContain(
      `SEARCH('{DeploySentinel,service,stage,kind,mode} MetricName=\\"AlertsPosted\\" service=\\"deploy-sentinel\\" stage=\\"prod\\"', 'Sum', 300)`,
    );
  });

  it('is left out, with the alarm, when a stage keeps no function', () => {
    expect(resourcesFor([])).toEqual({});
  });
});

describe('the error alarm', () => {
  const alarm = (keys: string[], capabilities?: Record<string, string[]>) =>
    resourcesFor(keys, capabilities).FunctionErrorsAlarm.Properties;

  it("sums every function's Errors less the notifiers' expected retries, on the alert topic", () => {
    const p = alarm(ALL);
    const watched = p.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric);
    expect(watched.filter((m: any) => m.MetricName === 'Errors').map((m: any) => m.Dimensions[0].Value.Ref)).toEqual(
      ALL.map(logicalId),
    );
    expect(watched.filter((m: any) => m.Namespace === NAMESPACE)).toEqual([
      {
        Namespace: 'DeploySentinel',
        MetricName: 'ExpectedRetries',
        Dimensions: [
          { Name: 'service', Value: 'deploy-sentinel' },
          { Name: 'stage', Value: 'prod' },
        ],
      },
    ]);
    expect(p.Metrics.at(-1)).toMatchObject({
      ReturnData: true,
      Expression: expect.stringMatching(/- FILL\(expected, 0\)$/),
    });
    expect(p.Metrics.filter((m: any) => m.ReturnData !== false)).toHaveLength(1);
    expect(p).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(p.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
    // CloudWatch's limit for an alarm's metric math.
    expect(watched.length).toBeLessThanOrEqual(10);
  });

  it('watches Errors alone without the notifiers', () => {
    const p = alarm([...CAPABILITIES.stream, ...CAPABILITIES.hooks]);
    expect(JSON.stringify(p)).not.toContain('ExpectedRetries');
    expect(p.Metrics.at(-1).Expression).not.toContain('expected');
  });

  it('spreads more than ten metrics over several alarms, the expected retries with the notifiers', () => {
    const many = { ...CAPABILITIES, hooks: [...CAPABILITIES.hooks, 'hookExtraOne', 'hookExtraTwo'] };
    const resources = resourcesFor(Object.values(many).flat(), many);
    const alarms = Object.entries<any>(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.map(([id]) => id)).toEqual(['FunctionErrorsAlarm', 'FunctionErrorsAlarm2']);
    const errorsOf = (p: any) => p.Metrics.filter((m: any) => m.MetricStat?.Metric.MetricName === 'Errors').length;
    expect(alarms.reduce((n, [, a]) => n + errorsOf(a.Properties), 0)).toBe(11);
    for (const [, a] of alarms)
      expect(a.Properties.Metrics.filter((m: any) => m.MetricStat).length).toBeLessThanOrEqual(10);
    expect(JSON.stringify(alarms[0]![1])).toContain('ExpectedRetries');
    expect(JSON.stringify(alarms[1]![1])).not.toContain('ExpectedRetries');
    expect(resources.Dashboard.Properties.DashboardBody['Fn::Sub']).toContain('${FunctionErrorsAlarm2.Arn}');
  });
});
