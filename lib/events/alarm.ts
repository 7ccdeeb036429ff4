import { z } from 'zod';

/**
 * CloudWatch alarm state changes as EventBridge delivers them (samples in
 * awsdocs/amazon-cloudwatch-user-guide, cloudwatch-and-eventbridge.md). Metric, metric-math,
 * anomaly-detection and composite alarms share this envelope; their differences live in
 * `configuration` and in `reasonData`, which is a JSON string and may be absent.
 */

export const ALARM_DETAIL_TYPE = 'CloudWatch Alarm State Change';
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmStateValue = (typeof ALARM_STATES)[number];

const stateSchema = z
  .object({
    value: z.enum(ALARM_STATES),
    reason: z.string().default(''),
    reasonData: z.string().optional(),
    timestamp: z.string().min(1),
    actionsSuppressedBy: z.string().optional(),
    actionsSuppressedReason: z.string().optional(),
  })
  .loose();

const metricStatSchema = z
  .object({
    metric: z
      .object({
        namespace: z.string().optional(),
        name: z.string().optional(),
        dimensions: z.record(z.string(), z.string()).optional(),
      })
      .loose(),
    period: z.number().optional(),
    stat: z.string().optional(),
    unit: z.string().optional(),
  })
  .loose();

export const alarmMetricSchema = z
  .object({
    id: z.string(),
    metricStat: metricStatSchema.optional(),
    expression: z.string().optional(),
    label: z.string().optional(),
    returnData: z.boolean().optional(),
  })
  .loose();

export const alarmStateChangeSchema = z.object({
  version: z.string().optional(),
  id: z.string().min(1),
  account: z.string().min(1),
  region: z.string().min(1),
  time: z.string().min(1),
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal(ALARM_DETAIL_TYPE),
  resources: z.array(z.string()).default([]),
  detail: z
    .object({
      alarmName: z.string().min(1),
      state: stateSchema,
      previousState: stateSchema.optional(),
      configuration: z
        .object({
          description: z.string().optional(),
          metrics: z.array(alarmMetricSchema).optional(),
          alarmRule: z.string().optional(),
          actionsSuppressor: z.string().optional(),
        })
        .loose()
        .default({}),
      alarmTags: z.record(z.string(), z.string()).optional(),
      alarmTagsStatus: z.string().optional(),
    })
    .loose(),
});

export type AlarmStateChange = z.infer<typeof alarmStateChangeSchema>;
export type AlarmMetric = z.infer<typeof alarmMetricSchema>;
