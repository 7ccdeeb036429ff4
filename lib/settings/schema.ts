import { z } from 'zod';
import { deploymentStateSchema } from '../events/codedeploy.js';
import { issueLines } from '../events/issues.js';
import { ALARM_STATES } from '../events/alarm.js';
import { SEVERITIES } from '../alerts/blocks.js';
import type { HooksSettings } from '../hooks/settings.js';
import { webhookParameterSchema } from './ssm-parameter.js';

/**
 * The structured settings of a stage (`settings/<stage>.yml`): Slack routing, mentions and filters,
 * and the hook checks. Validated whole when the service is packaged (an invalid file stops
 * `serverless package`, lib/settings/all.ts) and again at cold start: a hook function validates the
 * whole file, every other function the sections it reads, so that the hooks' checks (their schema
 * and its RE2 pattern engine) are bundled with the hooks alone.
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

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const mention = z
  .string()
  .regex(
    /^<(!here|!channel|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)>$/,
    'must be <!here>, <!channel>, <!subteam^ID> or <@USERID>',
  );

/**
 * A Slack channel ID (C… public, G… private): chat.postMessage and chat.update take the ID; an update
 * refuses a name (https://docs.slack.dev/reference/methods/chat.update).
 */
export const channelIdSchema = z
  .string()
  .regex(/^[CG][A-Z0-9]{8,}$/, 'must be a Slack channel ID such as C0123ABCDE (not a #name): open the channel details');

export const routeSchema = z
  .object({
    name: z.string().min(1).describe('Names the route; each delivery reports the route it took.'),
    match: z
      .object({
        kind: matcherList(z.enum(['deployment', 'instance', 'alarm', 'cleanup'])).optional(),
        application: oneOrMany.optional().describe('A CodeDeploy application, or a list of them.'),
        deploymentGroup: oneOrMany.optional().describe('A deployment group, or a list of them.'),
        alarmPrefix: oneOrMany.optional().describe('The start of an alarm name, or a list of them.'),
        alarmTag: z.record(z.string(), z.string()).optional().describe('Tags the alarm must carry, all of them.'),
        severity: matcherList(z.enum(SEVERITIES)).optional(),
        account: oneOrMany
          .optional()
          .describe('An AWS account (its 12-digit id, or its name under `accounts`), or a list of them.'),
      })
      .strict()
      .describe('Every key given must match; `{}` matches everything.'),
    webhookParameter: webhookParameter
      .optional()
      .describe(
        'Webhook mode: the SSM SecureString parameter that holds the Slack webhook URL (never the URL), under /deploy-sentinel/.',
      ),
    channel: channelIdSchema
      .optional()
      .describe("App mode: the channel ID the stage's Slack app posts to with its bot token."),
  })
  .strict()
  .superRefine((route, ctx) => {
    if ((route.webhookParameter === undefined) === (route.channel === undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'name either webhookParameter (webhook mode) or channel (app mode), not both and not neither',
      });
  })
  // What the refinement checks, for editors that read the JSON Schema.
  .meta({
    oneOf: ['webhookParameter', 'channel'].map((key) => ({
      type: 'object',
      properties: { [key]: { type: 'string' } },
      required: [key],
    })),
  });

/** The settings schema, with the schema of its `hooks` section given. */
export const settingsSchemaWith = <H extends z.ZodType>(hooks: H) =>
  z
    .object({
      slack: z
        .object({
          routes: z
            .array(routeSchema)
            .default([])
            .describe(
              "First match wins; an event no route matches goes to defaultChannel when it is set, else to the stage's default webhook.",
            ),
          defaultChannel: channelIdSchema
            .optional()
            .describe(
              "Makes app mode the default: alerts no route matches go to this channel ID through the stage's Slack app. Without it they go to the stage's default webhook.",
            ),
          mentions: z
            .partialRecord(z.enum(SEVERITIES), z.array(mention))
            .default({})
            .describe('Prepended to messages by severity: <!here>, <!channel>, <!subteam^ID>, <@USERID>.'),
        })
        .strict()
        .default({ routes: [], mentions: {} })
        .describe('Where alerts go and whom they mention.'),
      deployments: z
        .object({
          states: z
            .array(deploymentStateSchema)
            .optional()
            .describe('The deployment states that post; absent: every state, including states CodeDeploy adds later.'),
          instanceStates: z
            .array(z.string().min(1))
            .default([])
            .describe(
              "Instance events post on their own only in these states (a failed instance is in its deployment's alert).",
            ),
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
            .default([])
            .describe('Groups whose routine states stay quiet.'),
        })
        .strict()
        .default({ instanceStates: [], quiet: [] })
        .describe('Which deployment and instance state changes post.'),
      alarms: z
        .object({
          states: z.array(z.enum(ALARM_STATES)).default(['ALARM', 'OK']).describe('The alarm states that post.'),
          okOnlyAfterAlarm: z
            .boolean()
            .default(true)
            .describe('OK posts only when it ends an ALARM; OK after INSUFFICIENT_DATA is noise.'),
          ignorePrefixes: z
            .array(z.string().min(1))
            .default(['TargetTracking-'])
            .describe(
              "Alarms whose names start with one of these never post (Auto Scaling's target-tracking alarms are noise).",
            ),
        })
        .strict()
        .default({ states: ['ALARM', 'OK'], okOnlyAfterAlarm: true, ignorePrefixes: ['TargetTracking-'] })
        .describe('Which CloudWatch alarm state changes post.'),
      cleanup: z
        .object({
          postKept: z
            .boolean()
            .default(false)
            .describe('Post groups the cleanup looked at and kept (with the reason), not only deletions.'),
        })
        .strict()
        .default({ postKept: false })
        .describe('Cleanup of orphaned blue/green Auto Scaling groups.'),
      hooks,
      accounts: z
        .record(accountId, z.string().min(1).max(100))
        .default({})
        .describe('Names shown beside account ids in alerts and stream records, e.g. "111122223333": payments-prod.'),
      consoleStartUrl: z
        .string()
        .regex(/^https:\/\/[^\s#?]+$/, 'must be the https:// URL of the AWS access portal, without ? or #')
        .optional()
        .describe(
          'The IAM Identity Center AWS access portal URL (https://d-xxxxxxxxxx.awsapps.com/start): console links open through it, in the account of the event.',
        ),
      consoleRole: z
        .string()
        .regex(/^[\w+=,.@-]{1,64}$/, 'must be a permission set (role) name')
        .optional()
        .describe('The permission set console links sign in with, together with consoleStartUrl.'),
      hub: z
        .object({
          members: z
            .array(
              z
                .object({
                  account: accountId,
                  regions: z.array(z.string().regex(REGION, 'must be a region name like eu-west-1')).min(1),
                })
                .strict(),
            )
            .default([])
            .describe(
              "The member accounts and regions the hub's scheduled sweep covers, besides its own account and region.",
            ),
        })
        .strict()
        .default({ members: [] })
        .describe('deploymentMode=hub: the organisation the hub serves.'),
    })
    .strict()
    .refine((s) => (s.consoleStartUrl === undefined) === (s.consoleRole === undefined), {
      message:
        'consoleStartUrl and consoleRole go together: set both (console links through IAM Identity Center) or neither',
      path: ['consoleRole'],
    })
    .describe(
      'The settings of a stage: Slack routing, mentions and filters, and the checks of the ECS hooks. Validated when the service is packaged.',
    );

/** Every section but the hooks' checks, which only the hook functions read and validate. */
export const commonSettingsSchema = settingsSchemaWith(z.unknown().optional());

/** The settings every function but the hooks reads. */
export type CommonSettings = Omit<z.output<typeof commonSettingsSchema>, 'hooks'>;
/** The whole settings file, validated (lib/settings/all.ts). */
export type Settings = CommonSettings & { hooks: HooksSettings };
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

/** Validates settings against a schema, listing every problem at once. */
export const parseWith = <S extends z.ZodType>(schema: S, input: unknown, origin: string): z.output<S> => {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw new SettingsError(`${origin} is invalid:\n${formatIssues(parsed.error)}`);
  return parsed.data;
};

/** Validates every section but the hooks' checks, listing every problem at once. */
export const parseCommonSettings = (input: unknown, origin = 'settings'): CommonSettings =>
  parseWith(commonSettingsSchema, input, origin);
