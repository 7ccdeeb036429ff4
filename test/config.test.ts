import { describe, expect, it } from 'vitest';
import { parseSettings } from '../lib/settings/all.js';
import { parseHooksSettings } from '../lib/hooks/settings.js';
import {
  ConfigError,
  loadCleanupConfig,
  loadHookConfig,
  loadNotifierConfig,
  loadSettings,
  loadStreamConfig,
} from '../lib/config.js';

describe('configuration', () => {
  it('lists every problem at once', () => {
    const error = (() => {
      try {
        loadNotifierConfig({ SLACK_TIMEOUT_MS: 'soon', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain('SLACK_WEBHOOK_PARAMETER');
    expect(error!.message).toContain('SLACK_TIMEOUT_MS');
  });

  it('accepts a local webhook URL in place of the SSM parameter', () => {
    const config = loadNotifierConfig({ SLACK_WEBHOOK_URL: 'http://127.0.0.1:1234/hooks/x', STAGE: 'local' });
    expect(config.slack.webhookUrlOverride).toBe('http://127.0.0.1:1234/hooks/x');
    expect(config.settings.alarms.ignorePrefixes).toEqual(['TargetTracking-']);
  });

  it('refuses at cold start a webhook parameter name SSM cannot hold, as packaging does', () => {
    expect(() => loadNotifierConfig({ SLACK_WEBHOOK_PARAMETER: '/deploy-sentinel//prod/' })).toThrow(
      /SLACK_WEBHOOK_PARAMETER.*empty level/s,
    );
    expect(
      loadNotifierConfig({ SLACK_WEBHOOK_PARAMETER: '/deploy-sentinel/prod/slack-webhook' }).slack
        .defaultWebhookParameter,
    ).toBe('/deploy-sentinel/prod/slack-webhook');
  });

  it('needs the bot token parameter (or a local token) when the settings name a channel, and never shows a token', () => {
    const app = parseSettings({ slack: { defaultChannel: 'C0DEPLOYS1' } });
    const webhook = { SLACK_WEBHOOK_PARAMETER: '/deploy-sentinel/prod/slack-webhook' };
    expect(() => loadNotifierConfig(webhook, app)).toThrow(
      /SLACK_BOT_TOKEN_PARAMETER: the settings name a Slack channel/,
    );
    const config = loadNotifierConfig(
      {
        ...webhook,
        SLACK_BOT_TOKEN_PARAMETER: '/deploy-sentinel/prod/slack-bot-token',
        STATE_TABLE_NAME: 'ds-prod-state',
      },
      app,
    );
    expect(config.slack.app).toEqual({
      tokenOverride: undefined,
      tokenParameter: '/deploy-sentinel/prod/slack-bot-token',
      apiUrl: 'https://slack.com/api/',
    });
    expect(config.stateTableName).toBe('ds-prod-state');
    // Webhook-only settings: no Slack app at all, as before.
    expect(loadNotifierConfig(webhook).slack.app).toBeUndefined();
    const notAToken = 'not-a-token-but-secret-4242';
    const error = (() => {
      try {
        loadNotifierConfig({ ...webhook, SLACK_BOT_TOKEN: notAToken, SLACK_BOT_TOKEN_PARAMETER: '/elsewhere/x' }, app);
      } catch (e) {
        return e as Error;
      }
    })()!;
    expect(error.message).toMatch(/SLACK_BOT_TOKEN: is not a Slack token/);
    expect(error.message).toMatch(/SLACK_BOT_TOKEN_PARAMETER: must be an SSM parameter name under \/deploy-sentinel\//);
    expect(error.message).not.toContain(notAToken);
  });

  it('requires the stream name for the stream function', () => {
    expect(() => loadStreamConfig({})).toThrow(/STATE_STREAM_NAME/);
    expect(loadStreamConfig({ STATE_STREAM_NAME: 's' }).streamName).toBe('s');
  });

  it('defaults the cleanup to delete with a one-hour minimum age, and rejects an unknown mode', () => {
    expect(loadCleanupConfig({})).toMatchObject({ mode: 'delete', minAgeMs: 3_600_000, eventBusName: 'default' });
    expect(() => loadCleanupConfig({ CLEANUP_MODE: 'yolo' })).toThrow(/CLEANUP_MODE/);
  });

  it('gives a hook its configuration problem as a value, never a throw', () => {
    const result = loadHookConfig(parseHooksSettings, {});
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/HOOK_ID/);
  });

  it('validates at cold start the section of the embedded settings a hook reads, its checks, and no other', () => {
    const env = { HOOK_ID: 'BeforeAllowTraffic' };
    const result = loadHookConfig(parseHooksSettings, env, { hooks: { nonsense: true } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/invalid hooks settings[\s\S]*nonsense/);
    // Packaging refuses this file; a hook still runs its checks, which do not depend on it.
    const elsewhere = loadHookConfig(parseHooksSettings, env, { slack: { mentions: { critical: ['@here'] } } });
    expect(elsewhere.ok && elsewhere.config.hooks.observeOnly).toBe(false);
  });

  it("validates every other function's embedded settings at cold start, every section it reads", () => {
    expect(() => loadSettings({ slack: { mentions: { critical: ['@here'] } } })).toThrow(
      /the embedded settings is invalid[\s\S]*slack\.mentions/,
    );
    expect(() => loadSettings({ surprise: 1 })).toThrow(/surprise/);
  });
});

describe('hub configuration', () => {
  const hub = { DEPLOYMENT_MODE: 'hub', HUB_ACCOUNT_ID: '111122223333', STATE_STREAM_NAME: 's' };

  it('gives the hub account and the member role to assume; standalone has none', () => {
    expect(loadStreamConfig({ ...hub, MEMBER_ROLE_NAME: 'deploy-sentinel-prod-member-read' }).hub).toEqual({
      homeAccount: '111122223333',
      memberRole: 'deploy-sentinel-prod-member-read',
    });
    expect(loadStreamConfig({ STATE_STREAM_NAME: 's' }).hub).toBeUndefined();
  });

  it('refuses a hub without its account or member role, naming both', () => {
    expect(() => loadCleanupConfig({ DEPLOYMENT_MODE: 'hub' })).toThrow(/HUB_ACCOUNT_ID.*MEMBER_ROLE_NAME/s);
  });

  it("reads the sweep's period from its schedule, a cron expression as hourly", () => {
    expect(loadCleanupConfig({ SWEEP_SCHEDULE: 'rate(30 minutes)' }).sweepPeriodMs).toBe(30 * 60_000);
    expect(loadCleanupConfig({ SWEEP_SCHEDULE: 'rate(1 day)' }).sweepPeriodMs).toBe(86_400_000);
    expect(loadCleanupConfig({ SWEEP_SCHEDULE: 'cron(0 * * * ? *)' }).sweepPeriodMs).toBe(3_600_000);
    expect(loadCleanupConfig({}).members).toEqual([]);
  });
});
