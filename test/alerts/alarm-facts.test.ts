import { describe, expect, it } from 'vitest';
import {
  comparisonFromReason,
  parseAlarmTimestamp,
  thresholdFromReason,
  toAlarmFacts,
} from '../../lib/alerts/alarm-facts.js';
import { type AlarmStateChange, alarmStateChangeSchema } from '../../lib/events/alarm.js';

// Shapes follow the samples in the CloudWatch user guide ("Alarm events and EventBridge").
const alarmEvent = (detail: Record<string, unknown>, envelope: Record<string, unknown> = {}): AlarmStateChange =>
  alarmStateChangeSchema.parse({
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2019-10-02T17:04:40Z',
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${String(detail.alarmName)}`],
    detail,
    ...envelope,
  });

const cpuMetric = {
  id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
  metricStat: {
    metric: { dimensions: { InstanceId: 'i-12345678901234567' }, name: 'CPUUtilization', namespace: 'AWS/EC2' },
    period: 300,
    stat: 'Average',
  },
  returnData: true,
};

const thresholdAlarm = (state: Record<string, unknown>, previousState?: Record<string, unknown>) =>
  alarmEvent({
    alarmName: 'ServerCpuTooHigh',
    configuration: { description: 'Goes into alarm when server CPU utilization is too high!', metrics: [cpuMetric] },
    state,
    previousState,
  });

const CPU_ALARM_STATE = {
  value: 'ALARM',
  reason:
    'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).',
  reasonData:
    '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","startDate":"2019-10-02T16:59:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[99.50160229693434],"threshold":50.0}',
  timestamp: '2019-10-02T17:04:40.989+0000',
};

const CPU_OK_STATE = {
  value: 'OK',
  reason:
    'Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (02/10/19 17:46:00)] was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).',
  reasonData:
    '{"version":"1.0","queryDate":"2019-10-02T17:56:40.985+0000","startDate":"2019-10-02T17:46:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[0.0666851903306472],"threshold":50.0}',
  timestamp: '2019-10-02T17:56:40.987+0000',
};

describe('toAlarmFacts on a threshold alarm', () => {
  it('says what is watched, how it compares, and the datapoint that crossed', () => {
    const facts = toAlarmFacts(
      thresholdAlarm(CPU_ALARM_STATE, { ...CPU_OK_STATE, timestamp: '2019-10-01T13:56:40.987+0000' }),
    );

    expect(facts).toMatchObject({
      name: 'ServerCpuTooHigh',
      arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
      description: 'Goes into alarm when server CPU utilization is too high!',
      region: 'us-east-1',
      account: '123456789012',
      transition: { from: 'OK', to: 'ALARM' },
      kind: 'metric',
      threshold: 50,
      comparison: 'GreaterThanThreshold',
      reasonDataStatus: 'parsed',
      tags: {},
    });
    expect(facts.reason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints/);
    expect(facts.changedAt).toEqual(new Date('2019-10-02T17:04:40.989Z'));
    expect(facts.watched).toEqual({
      kind: 'metric',
      metric: {
        id: cpuMetric.id,
        namespace: 'AWS/EC2',
        name: 'CPUUtilization',
        dimensions: { InstanceId: 'i-12345678901234567' },
        stat: 'Average',
        period: 300,
        unit: undefined,
        label: undefined,
        returnData: true,
      },
    });
    expect(facts.datapoints).toEqual({
      values: [99.50160229693434],
      statistic: 'Average',
      period: 300,
      unit: undefined,
      startDate: new Date('2019-10-02T16:59:00.000Z'),
      queryDate: new Date('2019-10-02T17:04:40.985Z'),
    });
    expect(facts.lastedMs).toBeUndefined();
    expect(facts.band).toBeUndefined();
  });

  it('says how long the alarm lasted when it returns to OK', () => {
    const facts = toAlarmFacts(thresholdAlarm(CPU_OK_STATE, CPU_ALARM_STATE));

    expect(facts.transition).toEqual({ from: 'ALARM', to: 'OK' });
    expect(facts.lastedMs).toBe(Date.parse('2019-10-02T17:56:40.987Z') - Date.parse('2019-10-02T17:04:40.989Z'));
    // "was not greater than" still describes a GreaterThanThreshold alarm.
    expect(facts.comparison).toBe('GreaterThanThreshold');
  });

  it.each([
    [
      'OK after INSUFFICIENT_DATA',
      CPU_OK_STATE,
      {
        value: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        timestamp: '2019-10-02T17:00:00.000+0000',
      },
    ],
    ['ALARM after OK', CPU_ALARM_STATE, CPU_OK_STATE],
    [
      'OK stamped before its ALARM (clock skew)',
      { ...CPU_OK_STATE, timestamp: '2019-10-02T17:00:00.000+0000' },
      CPU_ALARM_STATE,
    ],
    ['OK after an ALARM with an unreadable timestamp', CPU_OK_STATE, { ...CPU_ALARM_STATE, timestamp: 'yesterday' }],
  ])('gives no duration for %s', (_name, state, previous) => {
    expect(toAlarmFacts(thresholdAlarm(state, previous)).lastedMs).toBeUndefined();
  });

  it('lists the evaluated datapoints, including periods without data', () => {
    const facts = toAlarmFacts(
      thresholdAlarm({
        ...CPU_ALARM_STATE,
        reasonData: JSON.stringify({
          version: '1.0',
          statistic: 'Average',
          period: 60,
          recentDatapoints: [70.1, 80.2],
          threshold: 50,
          evaluatedDatapoints: [
            { timestamp: '2019-10-02T17:03:00.000+0000', sampleCount: 5.0, value: 80.2 },
            { timestamp: '2019-10-02T17:02:00.000+0000' },
          ],
        }),
      }),
    );

    expect(facts.evaluatedDatapoints).toEqual([
      { at: new Date('2019-10-02T17:03:00.000Z'), value: 80.2, sampleCount: 5 },
      { at: new Date('2019-10-02T17:02:00.000Z'), value: undefined, sampleCount: undefined },
    ]);
    expect(facts.datapoints?.values).toEqual([70.1, 80.2]);
  });

  it('carries the alarm tags CloudWatch propagated', () => {
    const event = thresholdAlarm(CPU_ALARM_STATE);
    event.detail.alarmTags = { team: 'checkout', severity: 'page' };
    expect(toAlarmFacts(event).tags).toEqual({ team: 'checkout', severity: 'page' });
  });

  it('falls back to the event time when the state timestamp is unreadable', () => {
    const facts = toAlarmFacts(thresholdAlarm({ ...CPU_ALARM_STATE, timestamp: 'not a time' }));
    expect(facts.changedAt).toEqual(new Date('2019-10-02T17:04:40Z'));
  });
});

describe('toAlarmFacts when reasonData is missing or broken', () => {
  it('reports INSUFFICIENT_DATA without reasonData with the plain reason', () => {
    const facts = toAlarmFacts(
      thresholdAlarm({
        value: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        timestamp: '2019-10-02T17:20:03.642+0000',
      }),
    );

    expect(facts).toMatchObject({
      transition: { from: undefined, to: 'INSUFFICIENT_DATA' },
      reason: 'Unchecked: Initial alarm creation',
      reasonDataStatus: 'absent',
      kind: 'metric',
    });
    expect(facts.threshold).toBeUndefined();
    expect(facts.comparison).toBeUndefined();
    expect(facts.datapoints).toBeUndefined();
    expect(facts.reasonDataProblem).toBeUndefined();
  });

  it.each([
    ['truncated', '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","recentDa'],
    ['of the wrong type', '{"recentDatapoints":"99.5","threshold":"fifty"}'],
    ['not an object', 'null'],
  ])('degrades %s reasonData to the reason sentence', (_name, reasonData) => {
    const facts = toAlarmFacts(thresholdAlarm({ ...CPU_ALARM_STATE, reasonData }));

    expect(facts.reasonDataStatus).toBe('malformed');
    expect(facts.reasonDataProblem).toEqual(expect.any(String));
    expect(facts.reason).toBe(CPU_ALARM_STATE.reason);
    expect(facts.datapoints).toBeUndefined();
    // What the sentence itself says is still known.
    expect(facts.threshold).toBe(50);
    expect(facts.comparison).toBe('GreaterThanThreshold');
    expect(facts.watched.kind).toBe('metric');
  });
});

describe('toAlarmFacts on a metric math alarm', () => {
  const mathAlarm = (metrics: unknown[]) =>
    alarmEvent({
      alarmName: 'TotalNetworkTrafficTooHigh',
      configuration: { description: 'Goes into alarm if total network traffic exceeds 10Kb', metrics },
      previousState: {
        reason: 'Unchecked: Initial alarm creation',
        timestamp: '2019-10-02T17:20:03.642+0000',
        value: 'INSUFFICIENT_DATA',
      },
      state: {
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [45628.0 (02/10/19 17:10:00)] was greater than the threshold (10000.0) (minimum 1 datapoint for OK -> ALARM transition).',
        reasonData:
          '{"version":"1.0","queryDate":"2019-10-02T17:20:48.551+0000","startDate":"2019-10-02T17:10:00.000+0000","period":300,"recentDatapoints":[45628.0],"threshold":10000.0}',
        timestamp: '2019-10-02T17:20:48.554+0000',
        value: 'ALARM',
      },
    });
  const network = (id: string, name: string) => ({
    id,
    metricStat: {
      metric: { dimensions: { InstanceId: 'i-12345678901234567' }, name, namespace: 'AWS/EC2' },
      period: 300,
      stat: 'Maximum',
    },
    returnData: false,
  });

  it('names the expression that returns data and the metrics it reads', () => {
    const facts = toAlarmFacts(
      mathAlarm([
        { expression: 'SUM(METRICS())', id: 'e1', label: 'Total Network Traffic', returnData: true },
        network('m1', 'NetworkIn'),
        network('m2', 'NetworkOut'),
      ]),
    );

    expect(facts.kind).toBe('metric-math');
    expect(facts.threshold).toBe(10000);
    expect(facts.datapoints).toMatchObject({ values: [45628], period: 300, statistic: undefined });
    if (facts.watched.kind !== 'metric-math') throw new Error('expected metric math');
    expect(facts.watched.expressions).toEqual([
      { id: 'e1', expression: 'SUM(METRICS())', label: 'Total Network Traffic', returnData: true, uses: ['m1', 'm2'] },
    ]);
    expect(facts.watched.metrics.map((m) => [m.id, m.name, m.stat, m.returnData])).toEqual([
      ['m1', 'NetworkIn', 'Maximum', false],
      ['m2', 'NetworkOut', 'Maximum', false],
    ]);
  });

  it('tells which queries an expression reads by their ids, not by prefixes of them', () => {
    const facts = toAlarmFacts(
      mathAlarm([
        { expression: '100 * m10 / (m10 + m2)', id: 'e1', returnData: true },
        { expression: 'm1 * 2', id: 'e2', returnData: false },
        network('m1', 'NetworkIn'),
        network('m10', 'NetworkOut'),
        network('m2', 'NetworkPacketsIn'),
      ]),
    );

    if (facts.watched.kind !== 'metric-math') throw new Error('expected metric math');
    expect(facts.watched.expressions.map((e) => [e.id, e.uses])).toEqual([
      ['e1', ['m10', 'm2']],
      ['e2', ['m1']],
    ]);
  });
});

describe('toAlarmFacts on an anomaly detection alarm', () => {
  const anomalyAlarm = () =>
    alarmEvent({
      alarmName: 'EC2 CPU Utilization Anomaly',
      state: {
        value: 'ALARM',
        reason:
          'Thresholds Crossed: 1 out of the last 1 datapoints [0.0 (03/10/19 15:58:00)] was less than the lower thresholds [0.020599444741798756] or greater than the upper thresholds [0.3006915352732461] (minimum 1 datapoint for OK -> ALARM transition).',
        reasonData:
          '{"version":"1.0","queryDate":"2019-10-03T16:00:04.650+0000","startDate":"2019-10-03T15:58:00.000+0000","period":60,"recentDatapoints":[0.0],"recentLowerThresholds":[0.020599444741798756],"recentUpperThresholds":[0.3006915352732461]}',
        timestamp: '2019-10-03T16:00:04.653+0000',
      },
      previousState: { value: 'OK', reason: 'Thresholds Crossed', timestamp: '2019-10-03T15:59:04.672+0000' },
      configuration: {
        description: 'Goes into alarm if CPU Utilization is out of band',
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: {
                namespace: 'AWS/EC2',
                name: 'CPUUtilization',
                dimensions: { InstanceId: 'i-12345678901234567' },
              },
              period: 60,
              stat: 'Average',
            },
            returnData: true,
          },
          {
            id: 'ad1',
            expression: 'ANOMALY_DETECTION_BAND(m1, 0.8)',
            label: 'CPUUtilization (expected)',
            returnData: true,
          },
        ],
      },
    });

  it('gives the band and the metric it surrounds instead of a threshold', () => {
    const facts = toAlarmFacts(anomalyAlarm());

    expect(facts.kind).toBe('anomaly-detection');
    expect(facts.threshold).toBeUndefined();
    expect(facts.comparison).toBe('LessThanLowerOrGreaterThanUpperThreshold');
    expect(facts.band).toEqual({ lower: [0.020599444741798756], upper: [0.3006915352732461] });
    expect(facts.datapoints?.values).toEqual([0]);
    if (facts.watched.kind !== 'anomaly-detection') throw new Error('expected anomaly detection');
    expect(facts.watched.band).toMatchObject({
      id: 'ad1',
      expression: 'ANOMALY_DETECTION_BAND(m1, 0.8)',
      uses: ['m1'],
    });
    expect(facts.watched.metrics.map((m) => m.name)).toEqual(['CPUUtilization']);
  });

  it('is still recognised by its band expression when reasonData is absent', () => {
    const event = anomalyAlarm();
    delete event.detail.state.reasonData;
    const facts = toAlarmFacts(event);

    expect(facts.kind).toBe('anomaly-detection');
    expect(facts.band).toBeUndefined();
    expect(facts.reasonDataStatus).toBe('absent');
  });
});

describe('toAlarmFacts on a composite alarm', () => {
  const compositeAlarm = (state: Record<string, unknown>) =>
    alarmEvent({
      alarmName: 'ServiceAggregatedAlarm',
      state,
      previousState: { value: 'OK', reason: 'created', timestamp: '2022-07-22T15:50:00.000+0000' },
      configuration: {
        alarmRule: 'ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)',
        actionsSuppressor: 'ServiceMaintenanceAlarm',
        actionsSuppressorWaitPeriod: 120,
        actionsSuppressorExtensionPeriod: 180,
      },
    });

  it('gives the rule and the child alarms that triggered it', () => {
    const facts = toAlarmFacts(
      compositeAlarm({
        actionsSuppressedBy: 'WaitPeriod',
        actionsSuppressedReason: 'Actions suppressed by WaitPeriod',
        value: 'ALARM',
        reason:
          'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC',
        reasonData:
          '{"triggeringAlarms":[{"arn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh","state":{"value":"ALARM","timestamp":"2022-07-22T15:57:45.394+0000"}}]}',
        timestamp: '2022-07-22T15:57:45.394+0000',
      }),
    );

    expect(facts.kind).toBe('composite');
    expect(facts.watched).toEqual({
      kind: 'composite',
      alarmRule: 'ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)',
      triggeringAlarms: [
        {
          arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
          name: 'ServerCpuTooHigh',
          state: 'ALARM',
          at: new Date('2022-07-22T15:57:45.394Z'),
        },
      ],
    });
    expect(facts.actionsSuppressed).toEqual({ by: 'WaitPeriod', reason: 'Actions suppressed by WaitPeriod' });
    expect(facts.threshold).toBeUndefined();
    expect(facts.comparison).toBeUndefined();
    expect(facts.datapoints).toBeUndefined();
  });

  it('has no triggering alarms when reasonData is absent', () => {
    const facts = toAlarmFacts(
      compositeAlarm({
        value: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        timestamp: '2022-07-22T15:50:00.000+0000',
      }),
    );

    expect(facts.watched).toEqual({ kind: 'composite', alarmRule: expect.any(String), triggeringAlarms: [] });
    expect(facts.reasonDataStatus).toBe('absent');
  });

  it('keeps a child alarm name that contains slashes and colons', () => {
    const facts = toAlarmFacts(
      compositeAlarm({
        value: 'ALARM',
        reason: 'child transitioned',
        reasonData: JSON.stringify({
          triggeringAlarms: [{ arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:team/api: 5xx > 1%' }],
        }),
        timestamp: '2022-07-22T15:57:45.394+0000',
      }),
    );

    expect(facts.watched.kind === 'composite' && facts.watched.triggeringAlarms).toEqual([
      {
        arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:team/api: 5xx > 1%',
        name: 'team/api: 5xx > 1%',
        state: undefined,
        at: undefined,
      },
    ]);
  });
});

describe('parseAlarmTimestamp', () => {
  it.each([
    ['2019-10-02T17:04:40.989+0000', '2019-10-02T17:04:40.989Z'],
    ['2019-10-02T17:04:40.989-0530', '2019-10-02T22:34:40.989Z'],
    ['2019-10-02T17:04:40+0100', '2019-10-02T16:04:40.000Z'],
    ['2019-10-02T17:04:40Z', '2019-10-02T17:04:40.000Z'],
    ['2019-10-02T17:04:40.989+00:00', '2019-10-02T17:04:40.989Z'],
  ])('reads %s', (text, iso) => {
    expect(parseAlarmTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each([[undefined], [''], ['02/10/19 16:59:00 tomorrow'], ['2019-13-45T99:99:99+0000']])(
    'gives up on %j',
    (text) => {
      expect(parseAlarmTimestamp(text)).toBeUndefined();
    },
  );
});

describe('comparisonFromReason and thresholdFromReason', () => {
  it.each([
    ['1 datapoints [99.5 (02/10/19 16:59:00)] was greater than the threshold (50.0)', 'GreaterThanThreshold', 50],
    ['1 datapoints [0.06 (02/10/19 16:59:00)] was not greater than the threshold (50.0)', 'GreaterThanThreshold', 50],
    [
      '3 datapoints [80.0, 90.0] were greater than or equal to the threshold (80.0)',
      'GreaterThanOrEqualToThreshold',
      80,
    ],
    ['1 datapoints [1.0] was less than the threshold (2.5)', 'LessThanThreshold', 2.5],
    ['1 datapoints [-3.0] was less than or equal to the threshold (-1.5E-4)', 'LessThanOrEqualToThreshold', -0.00015],
    [
      'was less than the lower thresholds [0.02] or greater than the upper thresholds [0.3]',
      'LessThanLowerOrGreaterThanUpperThreshold',
      undefined,
    ],
    [
      'was not less than the lower thresholds [0.02] or not greater than the upper thresholds [0.3]',
      'LessThanLowerOrGreaterThanUpperThreshold',
      undefined,
    ],
    ['was greater than the upper thresholds [0.3]', 'GreaterThanUpperThreshold', undefined],
    ['was less than the lower thresholds [0.02]', 'LessThanLowerThreshold', undefined],
    [
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].',
      undefined,
      undefined,
    ],
    ['Unchecked: Initial alarm creation', undefined, undefined],
  ])('reads %j', (reason, comparison, threshold) => {
    expect(comparisonFromReason(reason)).toBe(comparison);
    expect(thresholdFromReason(reason)).toBe(threshold);
  });
});
