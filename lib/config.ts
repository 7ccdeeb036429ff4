import { z } from 'zod';
import { type Level, setLogLevel } from './log.js';
import { type Settings, formatIssues, parseSettings } from './settings/schema.js';

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
  SERVICE_NAME: z.string().min(1).default('deploy-sentinel'),
  STAGE: z.string().min(1).default('local'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

const parseEnv = <T extends z.ZodType>(schema: T, env: Env, what: string): z.output<T> => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`${what} configuration is invalid:\n${formatIssues(parsed.error)}`);
  return parsed.data;
};

/** The stage's settings: embedded at bundle time; unbundled (tests) the documented defaults. */
export const loadSettings = (embedded: unknown = typeof __DEPLOY_SENTINEL_SETTINGS__ === 'undefined' ? undefined : __DEPLOY_SENTINEL_SETTINGS__): Settings =>
  parseSettings(embedded ?? {}, 'the embedded settings');

const common = (env: Env) => {
  const values = parseEnv(base, env, 'Common');
  setLogLevel(values.LOG_LEVEL as Level);
  return { service: values.SERVICE_NAME, stage: values.STAGE, region: values.AWS_REGION };
};

const notifierEnv = z
  .object({
    SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    SLACK_WEBHOOK_PARAMETER: z.string().startsWith('/').optional(),
    SLACK_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  })
  .refine((v) => v.SLACK_WEBHOOK_URL || v.SLACK_WEBHOOK_PARAMETER, {
    message: 'set SLACK_WEBHOOK_PARAMETER (deployed) or SLACK_WEBHOOK_URL (local runs)',
    path: ['SLACK_WEBHOOK_PARAMETER'],
  });

export const loadNotifierConfig = (env: Env = process.env) => {
  const values = parseEnv(notifierEnv, env, 'Notifier');
  return {
    ...common(env),
    settings: loadSettings(),
    slack: {
      webhookUrlOverride: values.SLACK_WEBHOOK_URL,
      defaultWebhookParameter: values.SLACK_WEBHOOK_PARAMETER ?? '(SLACK_WEBHOOK_URL)',
      timeoutMs: values.SLACK_TIMEOUT_MS,
    },
  };
};
export type NotifierConfig = ReturnType<typeof loadNotifierConfig>;

export const loadStreamConfig = (env: Env = process.env) => {
  const values = parseEnv(z.object({ STATE_STREAM_NAME: z.string().min(1).max(128) }), env, 'Stream');
  return { ...common(env), streamName: values.STATE_STREAM_NAME };
};

export const loadCleanupConfig = (env: Env = process.env) => {
  const values = parseEnv(
    z.object({
      CLEANUP_MODE: z.enum(['delete', 'report']).default('delete'),
      CLEANUP_MIN_AGE_MINUTES: z.coerce.number().int().nonnegative().default(60),
      EVENT_BUS_NAME: z.string().min(1).default('default'),
    }),
    env,
    'Cleanup',
  );
  return {
    ...common(env),
    mode: values.CLEANUP_MODE,
    minAgeMs: values.CLEANUP_MIN_AGE_MINUTES * 60_000,
    eventBusName: values.EVENT_BUS_NAME,
  };
};

/**
 * A hook must never fail at init (a hook that throws never reports and hangs the deployment for an
 * hour), so its loader returns the problem instead of throwing; the hook then reports Failed.
 */
export const loadHookConfig = (env: Env = process.env) => {
  try {
    const values = parseEnv(z.object({ HOOK_ID: z.string().min(1) }), env, 'Hook');
    return { ok: true as const, config: { ...common(env), hookId: values.HOOK_ID, settings: loadSettings() } };
  } catch (error) {
    return { ok: false as const, error: error instanceof Error ? error : new ConfigError(String(error)), hookId: env.HOOK_ID ?? 'unknown' };
  }
};
