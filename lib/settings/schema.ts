import { z } from 'zod';
import { deploymentStateSchema } from '../events/codedeploy.js';
import { issueLines } from '../events/issues.js';
import { ALARM_STATES } from '../events/alarm.js';
import { SEVERITIES } from '../alerts/blocks.js';
import { hooksSettingsSchema } from '../hooks/settings.js';
import { webhookParameterSchema } from './ssm-parameter.js';

/**
 * The structured settings of a stage (`settings/<stage>.yml`): Slack routing, mentions and filters,
 * and the hook checks. Validated when the service is packaged (an invalid file stops `serverless
 * package`) and again at cold start.
 */

/**
 * Webhook URLs are secrets, so settings name the SSM SecureString parameter that holds one, never
 * the URL: a name SSM can hold, under the prefix the notifiers' IAM policy may read.
 */
const webhookParameter = webhookParameterSchema;

/** A matcher list that is present must name something: an empty one would match no event at all. */
const matcherList = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, 'is empty, so the route never matches: list what it matches, or leave the key out');

const oneOrMany = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const mention = z
  .string()
  .regex(
    /^<(!here|!channel|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)>$/,
    'must be <!here>, <!channel>, <!subteam^ID> or <@USERID>',
  );

export const routeSchema = z
  .object({
    name: z.string().min(1),
    match: z
      .object({
        kind: matcherList(z.enum(['deployment', 'instance', 'alarm', 'cleanup'])).optional(),
        application: oneOrMany.optional(),
        deploymentGroup: oneOrMany.optional(),
        alarmPrefix: oneOrMany.optional(),
        alarmTag: z.record(z.string(), z.string()).optional(),
        severity: matcherList(z.enum(SEVERITIES)).optional(),
      })
      .strict(),
    webhookParameter,
  })
  .strict();

export const settingsSchema = z
  .object({
    slack: z
      .object({
        /** First match wins; an event no route matches goes to the stage's default webhook. */
        routes: z.array(routeSchema).default([]),
        mentions: z.partialRecord(z.enum(SEVERITIES), z.array(mention)).default({}),
      })
      .strict()
      .default({ routes: [], mentions: {} }),
    deployments: z
      .object({
        /** Absent: every state, including states CodeDeploy adds later. */
        states: z.array(deploymentStateSchema).optional(),
        /** Instance events post on their own only for these states (a failed instance is in its deployment's alert). */
        instanceStates: z.array(z.string().min(1)).default([]),
        /** Groups whose routine states stay quiet. */
        quiet: z
          .array(
            z
              .object({
                application: z.string().min(1),
                deploymentGroup: z.string().min(1).optional(),
                states: z.array(deploymentStateSchema).default(['START', 'SUCCESS']),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ instanceStates: [], quiet: [] }),
    alarms: z
      .object({
        states: z.array(z.enum(ALARM_STATES)).default(['ALARM', 'OK']),
        /** OK posts only when it ends an ALARM; OK after INSUFFICIENT_DATA is noise. */
        okOnlyAfterAlarm: z.boolean().default(true),
        ignorePrefixes: z.array(z.string().min(1)).default(['TargetTracking-']),
      })
      .strict()
      .default({ states: ['ALARM', 'OK'], okOnlyAfterAlarm: true, ignorePrefixes: ['TargetTracking-'] }),
    cleanup: z
      .object({
        /** Post groups the cleanup looked at and kept (with the reason), not only deletions. */
        postKept: z.boolean().default(false),
      })
      .strict()
      .default({ postKept: false }),
    hooks: hooksSettingsSchema.prefault({}),
  })
  .strict();

export type Settings = z.output<typeof settingsSchema>;
export type Route = z.output<typeof routeSchema>;

/** Thrown when a settings object does not validate; the message lists every problem with its path. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** Every problem on a line of its own, as packaging and cold start print them. */
export const formatIssues = (error: z.ZodError): string =>
  issueLines(error)
    .map((line) => `  - ${line}`)
    .join('\n');

/** Validates settings, listing every problem at once. */
export const parseSettings = (input: unknown, origin = 'settings'): Settings => {
  const parsed = settingsSchema.safeParse(input ?? {});
  if (!parsed.success) throw new SettingsError(`${origin} is invalid:\n${formatIssues(parsed.error)}`);
  return parsed.data;
};
