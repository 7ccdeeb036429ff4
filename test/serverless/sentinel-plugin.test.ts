import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The packaging plugin as osls runs it: its `initialize` hook validates the stage before anything is built.
const require = createRequire(import.meta.url);
const DeploySentinelPlugin = require('../../serverless/sentinel-plugin.cjs');
const ROOT = join(import.meta.dirname, '..', '..');

class FrameworkError extends Error {}

/** A service as osls hands it to the plugin once variables are resolved, with the stage's parameters. */
const serviceWith = (params: { alerts?: string; slackWebhookParameter?: string; slackBotTokenParameter?: string }) => ({
  serviceDir: ROOT,
  classes: { Error: FrameworkError },
  service: {
    service: 'deploy-sentinel',
    provider: { stage: 'prod' },
    functions: { notifyDeployment: {}, notifyAlarm: {} },
    custom: {
      sentinel: {
        capabilities: { alerts: params.alerts ?? 'true', stream: 'true', cleanup: 'true', hooks: 'false' },
        functions: { alerts: ['notifyDeployment', 'notifyAlarm'], stream: [], cleanup: [], hooks: [] },
        reservedConcurrency: {},
        hookVpc: { subnetIds: '', securityGroupIds: '' },
        slackWebhookParameter: params.slackWebhookParameter ?? '/deploy-sentinel/prod/slack-webhook',
        slackBotTokenParameter: params.slackBotTokenParameter ?? '/deploy-sentinel/prod/slack-bot-token',
        resources: { alerts: ['StateTable', 'StateTableName'] },
      },
    },
    resources: {
      Resources: { StateTable: { Type: 'AWS::DynamoDB::Table' }, DeadLetterQueue: { Type: 'AWS::SQS::Queue' } },
      Outputs: { StateTableName: { Value: { Ref: 'StateTable' } }, DeadLetterQueueUrl: {} },
    },
  },
});

const initialize = (params: Parameters<typeof serviceWith>[0]) => () =>
  new DeploySentinelPlugin(serviceWith(params)).hooks.initialize();

describe('packaging checks the stage parameter slackWebhookParameter', () => {
  it('accepts the default name', () => {
    expect(initialize({})).not.toThrow();
  });

  it.each([
    ['an empty level', '/deploy-sentinel/prod//slack-webhook', /empty level/],
    ['a trailing slash', '/deploy-sentinel/prod/slack-webhook/', /ends with \//],
    ['16 levels', `/deploy-sentinel/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`, /16 levels/],
    ['a name too long for SSM', `/deploy-sentinel/${'x'.repeat(2_048)}`, /characters/],
    ['a name the notifiers may not read', '/team/slack-webhook', /under \/deploy-sentinel\//],
  ])('stops packaging on a name with %s, naming the parameter', (_, name, why) => {
    expect(initialize({ slackWebhookParameter: name })).toThrow(FrameworkError);
    expect(initialize({ slackWebhookParameter: name })).toThrow(/stage parameter slackWebhookParameter/);
    expect(initialize({ slackWebhookParameter: name })).toThrow(why);
  });

  it('ignores the name when the stage has no alerts, which never read it', () => {
    expect(initialize({ alerts: 'false', slackWebhookParameter: '/team//x/' })).not.toThrow();
  });
});

describe('packaging checks the stage parameter slackBotTokenParameter', () => {
  it('stops packaging on a token parameter the notifiers may not read, naming it', () => {
    expect(initialize({ slackBotTokenParameter: '/team/slack-bot-token' })).toThrow(
      /stage parameter slackBotTokenParameter .*under \/deploy-sentinel\//,
    );
  });
});

describe('packaging leaves out what a stage switched off', () => {
  it('drops the state table and its output with the alerts, and keeps them with the alerts', () => {
    const off = serviceWith({ alerts: 'false' });
    new DeploySentinelPlugin(off).hooks.initialize();
    expect(Object.keys(off.service.resources.Resources)).toEqual(['DeadLetterQueue']);
    expect(Object.keys(off.service.resources.Outputs)).toEqual(['DeadLetterQueueUrl']);
    expect(off.service.functions).toEqual({});

    const on = serviceWith({});
    new DeploySentinelPlugin(on).hooks.initialize();
    expect(Object.keys(on.service.resources.Resources)).toEqual(['StateTable', 'DeadLetterQueue']);
  });
});
