import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ALARM_NAMES_PER_CALL, cloudWatchPortOver } from '../../lib/aws/cloudwatch.js';
import { deadlineAt } from '../../lib/time.js';

const cw = mockClient(CloudWatchClient);
const port = cloudWatchPortOver(new CloudWatchClient({ region: 'us-east-1' }));
const budget = () => ({ deadline: deadlineAt(Date.now() + 60_000), sleep: async () => {}, random: () => 0 });

beforeEach(() => cw.reset());

const T0 = Date.parse('2026-11-20T17:00:00Z');
const queries = [
  {
    Id: 'errors',
    ReturnData: false,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Dimensions: [{ Name: 'TargetGroup', Value: 'targetgroup/orders-green/5e7f9a1b3c5d7e9f' }],
      },
      Period: 60,
      Stat: 'Sum',
    },
  },
  { Id: 'rate', Expression: '100 * errors / requests', ReturnData: true },
];

describe('the CloudWatch port: GetMetricData', () => {
  it('asks for the queries over the window, oldest datapoint first, and joins the pages', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'rate', Timestamps: [new Date(T0)], Values: [0.5], StatusCode: 'PartialData' }],
        Messages: [{ Code: 'MaxQueryTimeRangeExceed', Value: 'trimmed' }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'rate',
            Timestamps: [new Date(T0 + 60_000)],
            Values: [0.7],
            StatusCode: 'Complete',
            Messages: [{ Code: 'ArithmeticError', Value: 'division by zero' }],
          },
        ],
      });
    const results = await port.getMetricData(
      { queries, start: new Date(T0 - 600_000), end: new Date(T0 + 60_000) },
      budget(),
    );
    expect(results).toEqual([
      {
        id: 'rate',
        timestamps: [T0, T0 + 60_000],
        values: [0.5, 0.7],
        statusCode: 'Complete',
        messages: ['MaxQueryTimeRangeExceed trimmed', 'ArithmeticError division by zero'],
      },
    ]);
    const inputs = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      {
        MetricDataQueries: queries,
        StartTime: new Date(T0 - 600_000),
        EndTime: new Date(T0 + 60_000),
        ScanBy: 'TimestampAscending',
        NextToken: undefined,
      },
      expect.objectContaining({ NextToken: 'page-2' }),
    ]);
  });

  it('throws what CloudWatch answers with, for the check to count as an error', async () => {
    cw.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudwatch:GetMetricData'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(
      port.getMetricData({ queries, start: new Date(T0), end: new Date(T0 + 1) }, budget()),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);
  });
});

describe('the CloudWatch port: DescribeAlarms', () => {
  it('reads metric and composite alarms by name, following pages', async () => {
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: [{ AlarmName: 'orders-5xx', StateValue: 'ALARM', StateReason: 'Threshold Crossed' }],
        NextToken: 'page-2',
      })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'orders-health', StateValue: 'OK' }] });
    expect(await port.describeAlarms(['orders-5xx', 'orders-health', 'orders-typo'], budget())).toEqual([
      { name: 'orders-5xx', state: 'ALARM', reason: 'Threshold Crossed' },
      { name: 'orders-health', state: 'OK', reason: undefined },
    ]);
    expect(cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      {
        AlarmNames: ['orders-5xx', 'orders-health', 'orders-typo'],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        NextToken: undefined,
      },
      expect.objectContaining({ NextToken: 'page-2' }),
    ]);
  });

  it('asks for at most 100 names per call', async () => {
    cw.on(DescribeAlarmsCommand).resolves({});
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
    await port.describeAlarms(names, budget());
    expect(cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length)).toEqual([
      ALARM_NAMES_PER_CALL,
      50,
    ]);
  });

  it('retries a throttled page within its budget', async () => {
    cw.on(DescribeAlarmsCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      )
      .resolves({ MetricAlarms: [{ AlarmName: 'orders-5xx', StateValue: 'OK' }] });
    expect(await port.describeAlarms(['orders-5xx'], budget())).toHaveLength(1);
    expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(2);
  });
});
