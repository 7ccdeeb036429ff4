import * as z from 'zod/mini';
import '../zod.js';
import { issueLines } from '../events/issues.js';

/**
 * The `reasonData` of a CloudWatch alarm state, a JSON string whose shape depends on the alarm
 * (samples in awsdocs/amazon-cloudwatch-user-guide, cloudwatch-and-eventbridge.md):
 * - threshold and metric-math alarms: `version`, `queryDate`, `startDate`, `statistic` (absent for
 *   metric math), `period`, `recentDatapoints`, `threshold`, and `evaluatedDatapoints` when
 *   the alarm evaluates several datapoints;
 * - anomaly-detection alarms: `recentLowerThresholds` / `recentUpperThresholds` instead of `threshold`;
 * - composite alarms: `triggeringAlarms[{arn, state{value, timestamp}}]`.
 * Every field is optional: which ones appear is AWS's choice, not a contract.
 */
export const reasonDataSchema = z.looseObject({
  version: z.optional(z.string()),
  queryDate: z.optional(z.string()),
  startDate: z.optional(z.string()),
  statistic: z.optional(z.string()),
  unit: z.optional(z.string()),
  period: z.optional(z.number()),
  recentDatapoints: z.optional(z.array(z.number())),
  threshold: z.optional(z.number()),
  recentLowerThresholds: z.optional(z.array(z.number())),
  recentUpperThresholds: z.optional(z.array(z.number())),
  evaluatedDatapoints: z.optional(
    z.array(
      z.looseObject({
        timestamp: z.string(),
        sampleCount: z.optional(z.number()),
        // A period with missing data is listed with its timestamp only.
        value: z.optional(z.number()),
      }),
    ),
  ),
  triggeringAlarms: z.optional(
    z.array(
      z.looseObject({
        arn: z.string(),
        state: z.optional(z.looseObject({ value: z.string(), timestamp: z.optional(z.string()) })),
      }),
    ),
  ),
});

export type ReasonData = z.infer<typeof reasonDataSchema>;

/** What could be made of a `reasonData` string: it may be absent, and a bad one must not stop the alert. */
export type ReasonDataResult =
  { status: 'parsed'; data: ReasonData } | { status: 'absent' } | { status: 'malformed'; problem: string };

/** Parses a `reasonData` string (pure, never throws). */
export const parseReasonData = (raw: string | undefined): ReasonDataResult => {
  if (raw === undefined || raw.trim() === '') return { status: 'absent' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    // Typically a payload cut short somewhere between CloudWatch and us.
    return { status: 'malformed', problem: `not JSON (${(error as Error).message})` };
  }
  const parsed = reasonDataSchema.safeParse(json);
  if (!parsed.success) return { status: 'malformed', problem: issueLines(parsed.error, 3).join('; ') };
  return { status: 'parsed', data: parsed.data };
};
