import * as z from 'zod/mini';
import '../zod.js';

/**
 * CloudWatch alarm state changes as EventBridge delivers them (samples in
 * awsdocs/amazon-cloudwatch-user-guide, cloudwatch-and-eventbridge.md). Metric, metric-math,
 * anomaly-detection and composite alarms share this envelope; their differences live in
 * `configuration` and in `reasonData`, which is a JSON string and may be absent.
 */

export const ALARM_DETAIL_TYPE = 'CloudWatch Alarm State Change';
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmStateValue = (typeof ALARM_STATES)[number];

const stateSchema = z.looseObject({
  value: z.enum(ALARM_STATES),
  reason: z._default(z.string(), ''),
  reasonData: z.optional(z.string()),
  timestamp: z.string().check(z.minLength(1)),
  actionsSuppressedBy: z.optional(z.string()),
  actionsSuppressedReason: z.optional(z.string()),
});

const metricStatSchema = z.looseObject({
  metric: z.looseObject({
    namespace: z.optional(z.string()),
    name: z.optional(z.string()),
    dimensions: z.optional(z.record(z.string(), z.string())),
  }),
  period: z.optional(z.number()),
  stat: z.optional(z.string()),
  unit: z.optional(z.string()),
});

export const alarmMetricSchema = z.looseObject({
  id: z.string(),
  metricStat: z.optional(metricStatSchema),
  expression: z.optional(z.string()),
  label: z.optional(z.string()),
  returnData: z.optional(z.boolean()),
});

export const alarmStateChangeSchema = z.object({
  version: z.optional(z.string()),
  id: z.string().check(z.minLength(1)),
  account: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal(ALARM_DETAIL_TYPE),
  resources: z._default(z.array(z.string()), []),
  detail: z.looseObject({
    alarmName: z.string().check(z.minLength(1)),
    state: stateSchema,
    previousState: z.optional(stateSchema),
    configuration: z._default(
      z.looseObject({
        description: z.optional(z.string()),
        metrics: z.optional(z.array(alarmMetricSchema)),
        alarmRule: z.optional(z.string()),
        actionsSuppressor: z.optional(z.string()),
      }),
      {},
    ),
    alarmTags: z.optional(z.record(z.string(), z.string())),
    alarmTagsStatus: z.optional(z.string()),
  }),
});

export type AlarmStateChange = z.infer<typeof alarmStateChangeSchema>;
export type AlarmMetric = z.infer<typeof alarmMetricSchema>;
