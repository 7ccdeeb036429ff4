import * as z from 'zod/mini';
import { defaulted } from '../zod.js';
import { deploymentStateSchema } from '../events/codedeploy.js';
import { issueLines } from '../events/issues.js';
import { ALARM_STATES } from '../events/alarm.js';
import { SEVERITIES } from '../alerts/blocks.js';
import type { HooksSettings } from '../hooks/settings.js';
import { webhookParameterSchema } from './ssm-parameter.js';

/**
 * The structured settings of a stage (`settings/<stage>.yml`): Slack routing, mentions and filters,
 * and the hook checks. Validated whole when the service is packaged (an invalid file stops
 * `serverless package`, lib/settings/all.ts) and again at cold start, where each function validates
 * the sections it reads: a hook its checks, every other function every section but the checks, so
 * that the hooks' checks (their schema and its RE2 pattern engine) are bundled with the hooks alone.
 */

/**
 * Webhook URLs are secrets, so settings name the SSM SecureString parameter that holds one, never
 * the URL: a name SSM can hold, under the prefix the notifiers' IAM policy may read.
 */
const webhookParameter = webhookParameterSchema;

/** A matcher list that is present must name something: an empty one would match no event at all. */
const matcherList = <T extends z.ZodMiniType>(item: T) =>
  z
    .array(item)
    .check(z.minLength(1, 'is empty, so the route never matches: list what it matches, or leave the key out'));

const oneOrMany = z.pipe(
  z.union([z.string().check(z.minLength(1)), z.array(z.string().check(z.minLength(1))).check(z.minLength(1))]),
  z.transform((v) => (Array.isArray(v) ? v : [v])),
);

const accountId = z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'));
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const mention = z
  .string()
  .check(
    z.regex(
      /^<(!here|!channel|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)>$/,
      'must be <!here>, <!channel>, <!subteam^ID> or <@USERID>',
    ),
  );

/**
 * A Slack channel ID (C… public, G… private): chat.postMessage and chat.update take the ID; an update
 * refuses a name (https://docs.slack.dev/reference/methods/chat.update).
 */
export const channelIdSchema = z
  .string()
  .check(
    z.regex(
      /^[CG][A-Z0-9]{8,}$/,
      'must be a Slack channel ID such as C0123ABCDE (not a #name): open the channel details',
    ),
  );

export const routeSchema = z
  .strictObject({
    name: z.string().check(z.minLength(1), z.describe('Names the route; each delivery reports the route it took.')),
    match: z
      .strictObject({
        kind: z.optional(matcherList(z.enum(['deployment', 'instance', 'alarm', 'cleanup']))),
        application: z.optional(oneOrMany).check(z.describe('A CodeDeploy application, or a list of them.')),
        deploymentGroup: z.optional(oneOrMany).check(z.describe('A deployment group, or a list of them.')),
        alarmPrefix: z.optional(oneOrMany).check(z.describe('The start of an alarm name, or a list of them.')),
        alarmTag: z
          .optional(z.record(z.string(), z.string()))
          .check(z.describe('Tags the alarm must carry, all of them.')),
        severity: z.optional(matcherList(z.enum(SEVERITIES))),
        account: z
          .optional(oneOrMany)
          .check(z.describe('An AWS account (its 12-digit id, or its name under `accounts`), or a list of them.')),
      })
      .check(z.describe('Every key given must match; `{}` matches everything.')),
    webhookParameter: z
      .optional(webhookParameter)
      .check(
        z.describe(
          'Webhook mode: the SSM SecureString parameter that holds the Slack webhook URL (never the URL), under /deploy-sentinel/.',
        ),
      ),
    channel: z
      .optional(channelIdSchema)
      .check(z.describe("App mode: the channel ID the stage's Slack app posts to with its bot token.")),
  })
  .check(
    z.superRefine((route, ctx) => {
      if ((route.webhookParameter === undefined) === (route.channel === undefined))
        ctx.addIssue({
          code: 'custom',
          message: 'name either webhookParameter (webhook mode) or channel (app mode), not both and not neither',
        });
    }),
    // What the refinement checks, for editors that read the JSON Schema.
    z.meta({
      oneOf: ['webhookParameter', 'channel'].map((key) => ({
        type: 'object',
        properties: { [key]: { type: 'string' } },
        required: [key],
      })),
    }),
  );

/** The settings schema, with the schema of its `hooks` section given. */
export const settingsSchemaWith = <H extends z.core.$ZodType>(hooks: H) =>
  z
    .strictObject({
      slack: defaulted(
        z.strictObject({
          routes: defaulted(
            z.array(routeSchema),
            [],
            "First match wins; an event no route matches goes to defaultChannel when it is set, else to the stage's default webhook.",
          ),
          defaultChannel: z
            .optional(channelIdSchema)
            .check(
              z.describe(
                "Makes app mode the default: alerts no route matches go to this channel ID through the stage's Slack app. Without it they go to the stage's default webhook.",
              ),
            ),
          mentions: defaulted(
            z.partialRecord(z.enum(SEVERITIES), z.array(mention)),
            {},
            'Prepended to messages by severity: <!here>, <!channel>, <!subteam^ID>, <@USERID>.',
          ),
        }),
        { routes: [], mentions: {} },
        'Where alerts go and whom they mention.',
      ),
      deployments: defaulted(
        z.strictObject({
          states: z
            .optional(z.array(deploymentStateSchema))
            .check(
              z.describe(
                'The deployment states that post; absent: every state, including states CodeDeploy adds later.',
              ),
            ),
          instanceStates: defaulted(
            z.array(z.string().check(z.minLength(1))),
            [],
            "Instance events post on their own only in these states (a failed instance is in its deployment's alert).",
          ),
          quiet: defaulted(
            z.array(
              z.strictObject({
                application: z.string().check(z.minLength(1)),
                deploymentGroup: z.optional(z.string().check(z.minLength(1))),
                states: z._default(z.array(deploymentStateSchema), ['START', 'SUCCESS']),
              }),
            ),
            [],
            'Groups whose routine states stay quiet.',
          ),
        }),
        { instanceStates: [], quiet: [] },
        'Which deployment and instance state changes post.',
      ),
      alarms: defaulted(
        z.strictObject({
          states: defaulted(z.array(z.enum(ALARM_STATES)), ['ALARM', 'OK'], 'The alarm states that post.'),
          okOnlyAfterAlarm: defaulted(
            z.boolean(),
            true,
            'OK posts only when it ends an ALARM; OK after INSUFFICIENT_DATA is noise.',
          ),
          ignorePrefixes: defaulted(
            z.array(z.string().check(z.minLength(1))),
            ['TargetTracking-'],
            "Alarms whose names start with one of these never post (Auto Scaling's target-tracking alarms are noise).",
          ),
        }),
        { states: ['ALARM', 'OK'], okOnlyAfterAlarm: true, ignorePrefixes: ['TargetTracking-'] },
        'Which CloudWatch alarm state changes post.',
      ),
      cleanup: defaulted(
        z.strictObject({
          postKept: defaulted(
            z.boolean(),
            false,
            'Post groups the cleanup looked at and kept (with the reason), not only deletions.',
          ),
        }),
        { postKept: false },
        'Cleanup of orphaned blue/green Auto Scaling groups.',
      ),
      hooks,
      accounts: defaulted(
        z.record(accountId, z.string().check(z.minLength(1), z.maxLength(100))),
        {},
        'Names shown beside account ids in alerts and stream records, e.g. "111122223333": payments-prod.',
      ),
      consoleStartUrl: z
        .optional(
          z
            .string()
            .check(
              z.regex(/^https:\/\/[^\s#?]+$/, 'must be the https:// URL of the AWS access portal, without ? or #'),
            ),
        )
        .check(
          z.describe(
            'The IAM Identity Center AWS access portal URL (https://d-xxxxxxxxxx.awsapps.com/start): console links open through it, in the account of the event.',
          ),
        ),
      consoleRole: z
        .optional(z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/, 'must be a permission set (role) name')))
        .check(z.describe('The permission set console links sign in with, together with consoleStartUrl.')),
      hub: defaulted(
        z.strictObject({
          members: defaulted(
            z.array(
              z.strictObject({
                account: accountId,
                regions: z
                  .array(z.string().check(z.regex(REGION, 'must be a region name like eu-west-1')))
                  .check(z.minLength(1)),
              }),
            ),
            [],
            "The member accounts and regions the hub's scheduled sweep covers, besides its own account and region.",
          ),
        }),
        { members: [] },
        'deploymentMode=hub: the organisation the hub serves.',
      ),
    })
    .check(
      z.refine((s) => (s.consoleStartUrl === undefined) === (s.consoleRole === undefined), {
        message:
          'consoleStartUrl and consoleRole go together: set both (console links through IAM Identity Center) or neither',
        path: ['consoleRole'],
      }),
      z.describe(
        'The settings of a stage: Slack routing, mentions and filters, and the checks of the ECS hooks. Validated when the service is packaged.',
      ),
    );

/** Every section but the hooks' checks, which only the hook functions read and validate. */
export const commonSettingsSchema = settingsSchemaWith(z.optional(z.unknown()));

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
export const formatIssues = (error: z.core.$ZodError): string =>
  issueLines(error)
    .map((line) => `  - ${line}`)
    .join('\n');

/** Validates settings against a schema, listing every problem at once. */
export const parseWith = <S extends z.core.$ZodType>(schema: S, input: unknown, origin: string): z.output<S> => {
  const parsed = z.safeParse(schema, input ?? {});
  if (!parsed.success) throw new SettingsError(`${origin} is invalid:\n${formatIssues(parsed.error)}`);
  return parsed.data;
};

/** Validates every section but the hooks' checks, listing every problem at once. */
export const parseCommonSettings = (input: unknown, origin = 'settings'): CommonSettings =>
  parseWith(commonSettingsSchema, input, origin);
