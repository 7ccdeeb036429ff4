import * as z from 'zod/mini';
import './zod.js';
import { CLEANUP_MODES } from './events/sentinel.js';
import { type Level, setLogLevel } from './log.js';
import { configureMetrics } from './metrics.js';
import { type CommonSettings, formatIssues, parseCommonSettings } from './settings/schema.js';
import { webhookParameterSchema } from './settings/ssm-parameter.js';
import { usesAppMode } from './alerts/route.js';

/**
 * The only reader of process.env. Each function's loader checks every key it needs and reports
 * all problems at once, so a misconfigured stage fails at cold start with one readable message.
 */

/** Replaced at bundle time by the stage's validated settings file (see esbuild.config.cjs). */
declare const __DEPLOY_SENTINEL_SETTINGS__: unknown;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const base = z.object({
  SERVICE_NAME: z._default(z.string().check(z.minLength(1)), 'deploy-sentinel'),
  STAGE: z._default(z.string().check(z.minLength(1)), 'local'),
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
});

/**
 * Organisation hub settings, set by packaging on a hub's notifiers, stream and cleanup only
 * (serverless/organization.cjs, hubEnvironment): the hub's own account, where no role is needed,
 * and the role the function assumes in every other account.
 */
const hubEnv = z.object({
  DEPLOYMENT_MODE: z._default(z.enum(['standalone', 'hub']), 'standalone'),
  HUB_ACCOUNT_ID: z.optional(z.string().check(z.regex(/^\d{12}$/, 'must be the 12-digit account id of the hub'))),
  MEMBER_ROLE_NAME: z.optional(z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name'))),
});

const hubProblems = (env: Env): string[] =>
  env.DEPLOYMENT_MODE === 'hub'
    ? [
        ...(env.HUB_ACCOUNT_ID ? [] : ['HUB_ACCOUNT_ID: a hub needs its own account id']),
        ...(env.MEMBER_ROLE_NAME ? [] : ['MEMBER_ROLE_NAME: a hub needs the role it assumes in members']),
      ]
    : [];

/** In hub mode, the hub's account and the member role; undefined for a standalone install. */
export interface HubConfig {
  homeAccount: string;
  memberRole: string;
}

const hubOf = (values: z.output<typeof hubEnv>): HubConfig | undefined =>
  values.DEPLOYMENT_MODE === 'hub' && values.HUB_ACCOUNT_ID && values.MEMBER_ROLE_NAME
    ? { homeAccount: values.HUB_ACCOUNT_ID, memberRole: values.MEMBER_ROLE_NAME }
    : undefined;

const parseEnv = <T extends z.ZodMiniObject>(
  schema: T,
  env: Env,
  what: string,
  extra: (env: Env) => string[] = () => [],
): z.output<typeof base> & z.output<T> => {
  const parsed = z.extend(base, schema.shape).safeParse(env);
  const problems = [
    ...(parsed.success ? [] : formatIssues(parsed.error).split('\n')),
    ...extra(env).map((p) => `  - ${p}`),
  ];
  if (problems.length > 0 || !parsed.success)
    throw new ConfigError(`${what} configuration is invalid:\n${problems.join('\n')}`);
  setLogLevel(parsed.data.LOG_LEVEL as Level);
  configureMetrics({ service: String(parsed.data.SERVICE_NAME), stage: String(parsed.data.STAGE) });
  return parsed.data as z.output<typeof base> & z.output<T>;
};

const common = (values: z.output<typeof base>) => ({
  service: values.SERVICE_NAME,
  stage: values.STAGE,
  region: values.AWS_REGION,
});

/** The stage's settings as embedded at bundle time; unbundled (tests), none: the documented defaults. */
const embeddedSettings = (): unknown =>
  (typeof __DEPLOY_SENTINEL_SETTINGS__ === 'undefined' ? undefined : __DEPLOY_SENTINEL_SETTINGS__) ?? {};

/** The stage's settings but the hooks' checks, validated. */
export const loadSettings = (embedded: unknown = embeddedSettings()): CommonSettings =>
  parseCommonSettings(embedded, 'the embedded settings');

/** Slack's Web API (https://docs.slack.dev/apis/web-api/); SLACK_API_URL points local runs elsewhere. */
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

const notifierEnv = z.object({
  SLACK_WEBHOOK_URL: z.optional(z.url({ protocol: /^https?$/ })),
  // The same rules packaging applies to the stage parameter: a name SSM cannot hold fails every alert.
  SLACK_WEBHOOK_PARAMETER: z.optional(webhookParameterSchema),
  SLACK_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 5_000),
  // App mode. The token itself only for local runs and tests; deployed, it is read from SSM.
  SLACK_BOT_TOKEN: z.optional(z.string().check(z.regex(/^(xoxe\.)?xox[a-z]-\S+$/, 'is not a Slack token (xoxb-…)'))),
  SLACK_BOT_TOKEN_PARAMETER: z.optional(webhookParameterSchema),
  SLACK_API_URL: z._default(z.url({ protocol: /^https?$/ }), DEFAULT_SLACK_API_URL),
  // The state table of per-event records; without it (local runs) duplicates are not turned away.
  STATE_TABLE_NAME: z.optional(z.string().check(z.regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'is not a DynamoDB table name'))),
});

export const loadNotifierConfig = (env: Env = process.env, settings: CommonSettings = loadSettings()) => {
  const values = parseEnv(z.extend(notifierEnv, hubEnv.shape), env, 'Notifier', (e) => [
    ...(e.SLACK_WEBHOOK_URL || e.SLACK_WEBHOOK_PARAMETER
      ? []
      : ['SLACK_WEBHOOK_PARAMETER: set it (deployed) or SLACK_WEBHOOK_URL (local runs)']),
    ...(usesAppMode(settings.slack) && !e.SLACK_BOT_TOKEN && !e.SLACK_BOT_TOKEN_PARAMETER
      ? [
          'SLACK_BOT_TOKEN_PARAMETER: the settings name a Slack channel (app mode); set it (deployed) or SLACK_BOT_TOKEN (local runs)',
        ]
      : []),
    ...hubProblems(e),
  ]);
  return {
    ...common(values),
    hub: hubOf(values),
    settings,
    slack: {
      webhookUrlOverride: values.SLACK_WEBHOOK_URL,
      defaultWebhookParameter: values.SLACK_WEBHOOK_PARAMETER ?? '(SLACK_WEBHOOK_URL)',
      timeoutMs: values.SLACK_TIMEOUT_MS,
      /** Set when any route or the default names a channel. */
      app: usesAppMode(settings.slack)
        ? {
            tokenOverride: values.SLACK_BOT_TOKEN,
            tokenParameter: values.SLACK_BOT_TOKEN_PARAMETER ?? '(SLACK_BOT_TOKEN)',
            apiUrl: values.SLACK_API_URL,
          }
        : undefined,
    },
    stateTableName: values.STATE_TABLE_NAME,
  };
};
export type NotifierConfig = ReturnType<typeof loadNotifierConfig>;

export const loadStreamConfig = (env: Env = process.env) => {
  const values = parseEnv(
    z.extend(z.object({ STATE_STREAM_NAME: z.string().check(z.minLength(1), z.maxLength(128)) }), hubEnv.shape),
    env,
    'Stream',
    hubProblems,
  );
  return {
    ...common(values),
    streamName: values.STATE_STREAM_NAME,
    hub: hubOf(values),
    accountNames: loadSettings().accounts,
  };
};

export const loadCleanupConfig = (env: Env = process.env) => {
  const values = parseEnv(
    z.extend(
      z.object({
        CLEANUP_MODE: z._default(z.enum(CLEANUP_MODES), 'delete'),
        CLEANUP_MIN_AGE_MINUTES: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 60),
        EVENT_BUS_NAME: z._default(z.string().check(z.minLength(1)), 'default'),
        // The sweep's schedule: the hub rotates the account it starts with from one run to the next.
        SWEEP_SCHEDULE: z._default(z.string().check(z.minLength(1)), 'rate(1 hour)'),
      }),
      hubEnv.shape,
    ),
    env,
    'Cleanup',
    hubProblems,
  );
  return {
    ...common(values),
    hub: hubOf(values),
    members: loadSettings().hub.members,
    sweepPeriodMs: periodOfSchedule(values.SWEEP_SCHEDULE),
    mode: values.CLEANUP_MODE,
    minAgeMs: values.CLEANUP_MIN_AGE_MINUTES * 60_000,
    eventBusName: values.EVENT_BUS_NAME,
  };
};

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * How far apart scheduled runs are: `rate(N unit)` as written
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html); a cron
 * expression counts as hourly, which only changes how the hub's sweep rotates its starting account.
 */
export const periodOfSchedule = (schedule: string): number => {
  const rate = /^rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)$/.exec(schedule.trim());
  return rate ? Math.max(1, Number(rate[1])) * UNIT_MS[rate[2]!]! : UNIT_MS.hour!;
};

/**
 * A hook must never fail at init (a hook that throws never reports and hangs the deployment for an
 * hour), so its loader returns the problem instead of throwing; the hook then reports Failed. Like
 * every function, a hook validates at cold start the section of the embedded settings it reads, its
 * checks, with `parse` (lib/hooks/settings.ts), which the hook's handler passes so that no other
 * function bundles the checks' schema; packaging validated the whole file.
 */
export const loadHookConfig = <H>(
  parse: (section: unknown) => H | Error,
  env: Env = process.env,
  embedded: unknown = embeddedSettings(),
) => {
  try {
    const values = parseEnv(z.object({ HOOK_ID: z.string().check(z.minLength(1)) }), env, 'Hook');
    const section =
      typeof embedded === 'object' && embedded !== null ? (embedded as { hooks?: unknown }).hooks : undefined;
    const hooks = parse(section);
    if (hooks instanceof Error) throw hooks;
    return { ok: true as const, config: { ...common(values), hookId: values.HOOK_ID, hooks } };
  } catch (error) {
    return {
      ok: false as const,
      error: error instanceof Error ? error : new ConfigError(String(error)),
      hookId: env.HOOK_ID ?? 'unknown',
    };
  }
};
