'use strict';
/**
 * The stack's view of itself, built at packaging from the functions a stage keeps: a CloudWatch
 * dashboard (the service's own metrics beside each function's errors, throttles and duration, and the
 * dead-letter queue's depth) and an alarm on function errors, on the stack's alert topic.
 *
 * Errors that are expected are left out of the alarm. A notifier fails an invocation on purpose when
 * another invocation holds the same event (EventBridge and Lambda deliver at least once), so that
 * Lambda runs it again later; Lambda counts that in its Errors metric. The notifier also emits
 * ExpectedRetries for it, and the alarm watches `Errors - ExpectedRetries` in metric math
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html).
 * An alarm's metric math takes at most 10 metrics
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html): more functions
 * than that are split over several alarms, the notifiers and ExpectedRetries always in the first.
 */

const PERIOD = 300;
const MAX_ALARM_METRICS = 10;

/**
 * The packaged functions with their capability, notifiers first.
 * @param {Record<string, string[]>} capabilities capability -> function keys (custom.sentinel.functions)
 * @param {string[]} keys the function keys a stage keeps
 */
const functionsByCapability = (capabilities, keys, logicalIdOf) =>
  Object.entries(capabilities).flatMap(([capability, names]) =>
    names.filter((key) => keys.includes(key)).map((key) => ({ key, capability, logicalId: logicalIdOf(key) })),
  );

const titleOf = (name) => name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

/** One graph of a service metric: every dimension value it was emitted with (a search), or the one series. */
const metricWidget = (name, spec, { namespace, service, stage }) => {
  const stat = spec.statistic;
  const metrics =
    spec.dimensions.length > 0
      ? [
          {
            expression: `SEARCH('{${namespace},${['service', 'stage', ...spec.dimensions].join(',')}} MetricName="${name}" service="${service}" stage="${stage}"', '${stat}', ${PERIOD})`,
            id: 's1',
          },
        ]
      : [[namespace, name, 'service', service, 'stage', stage, { label: titleOf(name) }]];
  return { title: titleOf(name), metrics, stat };
};

/**
 * The dashboard body, for `Fn::Sub`: `${AWS::Region}`, `${<function logical id>}` (its name), the
 * dead-letter queue's name and the alarms' ARNs are filled in by CloudFormation.
 */
const dashboardBody = ({ service, stage, functions, metrics, namespace, alarmIds }) => {
  const region = '${AWS::Region}';
  const graph = (title, series, extra = {}) => ({
    type: 'metric',
    width: 8,
    height: 6,
    properties: { title, region, view: 'timeSeries', stacked: false, period: PERIOD, metrics: series, ...extra },
  });
  const perFunction = (metricName) =>
    functions.map((f) => ['AWS/Lambda', metricName, 'FunctionName', `\${${f.logicalId}}`, { label: f.key }]);
  const capabilities = new Set(functions.map((f) => f.capability));
  const own = Object.entries(metrics)
    .filter(([, spec]) => capabilities.has(spec.capability))
    .map(([name, spec]) => {
      const w = metricWidget(name, spec, { namespace, service, stage });
      return graph(w.title, w.metrics, { stat: w.stat });
    });
  const widgets = [
    {
      type: 'text',
      width: 24,
      height: 2,
      properties: {
        markdown: `## ${service} (${stage})\nFunction errors, throttles and duration; the dead-letter queue; then the service's own metrics (namespace ${namespace}, dimensions service and stage). The error alarm leaves out ExpectedRetries: a notifier failing on purpose while another invocation holds the same event.`,
      },
    },
    graph('Function errors', perFunction('Errors'), { stat: 'Sum' }),
    graph('Function throttles', perFunction('Throttles'), { stat: 'Sum' }),
    graph('Function duration (p99)', perFunction('Duration'), { stat: 'p99' }),
    graph(
      'Dead-letter queue depth',
      [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', '${DeadLetterQueue.QueueName}']],
      { stat: 'Maximum' },
    ),
    {
      type: 'alarm',
      width: 16,
      height: 6,
      properties: {
        title: 'Alarms',
        alarms: [...alarmIds, 'DeadLetterAlarm'].map((id) => `\${${id}.Arn}`),
      },
    },
    ...own,
  ];
  return JSON.stringify({ widgets });
};

/**
 * The alarm resources: `Errors` of every function, summed, less ExpectedRetries where the notifiers are.
 * @returns {Record<string, object>} logical id -> AWS::CloudWatch::Alarm
 */
const errorAlarms = ({ service, stage, functions, namespace }) => {
  const chunks = [];
  let current = [];
  for (const f of functions) {
    const hasRetries = current.some((c) => c.capability === 'alerts') || f.capability === 'alerts';
    if (current.length + 1 + (hasRetries ? 1 : 0) > MAX_ALARM_METRICS) {
      chunks.push(current);
      current = [];
    }
    current.push(f);
  }
  if (current.length > 0) chunks.push(current);
  return Object.fromEntries(
    chunks.map((chunk, i) => {
      const id = i === 0 ? 'FunctionErrorsAlarm' : `FunctionErrorsAlarm${i + 1}`;
      const retries = chunk.some((f) => f.capability === 'alerts');
      const errors = chunk.map((f, n) => ({
        Id: `e${n}`,
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: 'Errors',
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: f.logicalId } }],
          },
          Period: PERIOD,
          Stat: 'Sum',
        },
      }));
      const expected = retries
        ? [
            {
              Id: 'expected',
              ReturnData: false,
              MetricStat: {
                Metric: {
                  Namespace: namespace,
                  MetricName: 'ExpectedRetries',
                  Dimensions: [
                    { Name: 'service', Value: service },
                    { Name: 'stage', Value: stage },
                  ],
                },
                Period: PERIOD,
                Stat: 'Sum',
              },
            },
          ]
        : [];
      const sum = errors.map((e) => `FILL(${e.Id}, 0)`).join(' + ');
      const expression = retries ? `(${sum}) - FILL(expected, 0)` : sum;
      return [
        id,
        {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: `${service}-${stage}-function-errors${i === 0 ? '' : `-${i + 1}`}`,
            AlarmDescription: `${service} functions failed (${chunk.map((f) => f.key).join(', ')}), apart from expected retries of an event another invocation holds. Their logs say why; events that keep failing reach the dead-letter queue.`,
            Metrics: [
              ...errors,
              ...expected,
              { Id: 'unexpected', Label: 'Unexpected function errors', Expression: expression, ReturnData: true },
            ],
            EvaluationPeriods: 1,
            DatapointsToAlarm: 1,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            TreatMissingData: 'notBreaching',
            AlarmActions: [{ Ref: 'AlertTopic' }],
            OKActions: [{ Ref: 'AlertTopic' }],
          },
        },
      ];
    }),
  );
};

/**
 * The dashboard and the error alarm(s) for the functions a stage keeps; nothing without functions.
 * @returns {Record<string, object>} resources to add to the template
 */
const telemetryResources = ({ service, stage, functions, metrics, namespace }) => {
  if (functions.length === 0) return {};
  const alarms = errorAlarms({ service, stage, functions, namespace });
  const body = dashboardBody({ service, stage, functions, metrics, namespace, alarmIds: Object.keys(alarms) });
  return {
    ...alarms,
    Dashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: { DashboardName: `${service}-${stage}`, DashboardBody: { 'Fn::Sub': body } },
    },
  };
};

module.exports = { telemetryResources, functionsByCapability, dashboardBody, errorAlarms };
