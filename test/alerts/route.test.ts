import { describe, expect, it } from 'vitest';
import { type RouteSubject, mentionsFor, selectDestination, usesAppMode } from '../../lib/alerts/route.js';
import { parseSettings } from '../../lib/settings/all.js';

const settings = parseSettings({
  slack: {
    routes: [
      {
        name: 'payments-alarms',
        match: { kind: ['alarm'], alarmTag: { team: 'payments' } },
        webhookParameter: '/deploy-sentinel/p/payments',
      },
      {
        name: 'checkout-critical',
        match: { application: 'checkout', severity: ['critical'] },
        webhookParameter: '/deploy-sentinel/p/checkout-oncall',
      },
      {
        name: 'checkout',
        match: { application: ['checkout', 'cart'] },
        webhookParameter: '/deploy-sentinel/p/checkout',
      },
      { name: 'latency', match: { alarmPrefix: ['latency-', 'p99-'] }, webhookParameter: '/deploy-sentinel/p/perf' },
      { name: 'prod-groups', match: { deploymentGroup: 'search-prod' }, webhookParameter: '/deploy-sentinel/p/search' },
    ],
    mentions: { critical: ['<!here>', '<!subteam^S012AB3CD>'], warning: ['<@U024BE7LH>'] },
  },
});

const cases: Array<[string, RouteSubject, string]> = [
  [
    'a tagged alarm goes to its team',
    { kind: 'alarm', severity: 'critical', alarmName: 'queue-depth', alarmTags: { team: 'payments' } },
    'payments-alarms',
  ],
  [
    'the tag must match exactly',
    { kind: 'alarm', severity: 'critical', alarmName: 'queue-depth', alarmTags: { team: 'pay' } },
    'default',
  ],
  [
    'a deployment cannot match an alarm-only route',
    { kind: 'deployment', severity: 'critical', application: 'payments' },
    'default',
  ],
  [
    'first match wins: critical checkout goes on call',
    { kind: 'deployment', severity: 'critical', application: 'checkout', deploymentGroup: 'checkout-prod' },
    'checkout-critical',
  ],
  [
    'a routine checkout deployment goes to the team channel',
    { kind: 'deployment', severity: 'success', application: 'checkout' },
    'checkout',
  ],
  ['lists match any of their values', { kind: 'deployment', severity: 'info', application: 'cart' }, 'checkout'],
  ['alarm name prefixes', { kind: 'alarm', severity: 'warning', alarmName: 'p99-search' }, 'latency'],
  ['a prefix is not a substring', { kind: 'alarm', severity: 'warning', alarmName: 'search-p99-' }, 'default'],
  [
    'deployment group',
    { kind: 'deployment', severity: 'info', application: 'search', deploymentGroup: 'search-prod' },
    'prod-groups',
  ],
  ['unknown events go to the default webhook', { kind: 'unknown', severity: 'warning' }, 'default'],
];

describe('routing', () => {
  it.each(cases)('%s', (_name, subject, route) => {
    expect(selectDestination(subject, settings.slack.routes).route).toBe(route);
  });

  it('names the webhook parameter of the chosen route, and none for the default', () => {
    expect(selectDestination(cases[0]![1], settings.slack.routes)).toEqual({
      route: 'payments-alarms',
      webhookParameter: '/deploy-sentinel/p/payments',
    });
    expect(selectDestination(cases[1]![1], settings.slack.routes)).toEqual({ route: 'default' });
  });

  it('gives the mentions configured for a severity, none otherwise', () => {
    expect(mentionsFor('critical', settings.slack.mentions)).toEqual(['<!here>', '<!subteam^S012AB3CD>']);
    expect(mentionsFor('warning', settings.slack.mentions)).toEqual(['<@U024BE7LH>']);
    expect(mentionsFor('info', settings.slack.mentions)).toEqual([]);
  });
});

describe('app mode routing', () => {
  const app = parseSettings({
    slack: {
      routes: [
        { name: 'orders', match: { application: 'orders' }, channel: 'C0ORDERS01' },
        {
          name: 'payments',
          match: { alarmTag: { team: 'payments' } },
          webhookParameter: '/deploy-sentinel/p/payments',
        },
      ],
      defaultChannel: 'C0DEPLOYS1',
    },
  });

  it('sends a route with a channel through the app, and one with a webhook parameter through that webhook', () => {
    expect(
      selectDestination({ kind: 'deployment', severity: 'info', application: 'orders' }, app.slack.routes),
    ).toEqual({ route: 'orders', channel: 'C0ORDERS01' });
    expect(
      selectDestination({ kind: 'alarm', severity: 'critical', alarmTags: { team: 'payments' } }, app.slack.routes),
    ).toEqual({ route: 'payments', webhookParameter: '/deploy-sentinel/p/payments' });
  });

  it('sends what no route matches to defaultChannel when set, else to the default webhook as before', () => {
    const subject = { kind: 'deployment' as const, severity: 'info' as const, application: 'search' };
    expect(selectDestination(subject, app.slack.routes, app.slack.defaultChannel)).toEqual({
      route: 'default',
      channel: 'C0DEPLOYS1',
    });
    expect(selectDestination(subject, app.slack.routes)).toEqual({ route: 'default' });
    expect(usesAppMode(app.slack)).toBe(true);
    expect(usesAppMode(settings.slack)).toBe(false);
  });

  it.each([
    ['neither a webhook parameter nor a channel', { name: 'x', match: {} }, /either webhookParameter .* or channel/],
    [
      'both a webhook parameter and a channel',
      { name: 'x', match: {}, channel: 'C0ORDERS01', webhookParameter: '/deploy-sentinel/p/x' },
      /not both/,
    ],
    [
      'a channel name instead of its ID',
      { name: 'x', match: {}, channel: '#deploys' },
      /channel: must be a Slack channel ID/,
    ],
  ])('refuses a route with %s', (_, route, why) => {
    expect(() => parseSettings({ slack: { routes: [route] } })).toThrow(why);
  });

  it('refuses a defaultChannel that is not a channel ID', () => {
    expect(() => parseSettings({ slack: { defaultChannel: 'deploys' } })).toThrow(
      /slack\.defaultChannel: must be a Slack channel ID/,
    );
  });
});

describe('routes by account', () => {
  const byAccount = parseSettings({
    accounts: { '111122223333': 'payments-prod' },
    slack: {
      routes: [
        { name: 'payments', match: { account: 'payments-prod' }, webhookParameter: '/deploy-sentinel/p/payments' },
        {
          name: 'sandboxes',
          match: { account: ['444455556666', '777788889999'], severity: ['critical'] },
          webhookParameter: '/deploy-sentinel/p/sandboxes',
        },
      ],
    },
  });
  const route = (subject: Partial<RouteSubject>) =>
    selectDestination({ kind: 'deployment', severity: 'critical', ...subject }, byAccount.slack.routes).route;

  it('matches an account by its name from the settings, or by its id', () => {
    expect(route({ account: '111122223333', accountName: 'payments-prod' })).toBe('payments');
    expect(route({ account: '777788889999' })).toBe('sandboxes');
    expect(route({ account: '777788889999', severity: 'info' })).toBe('default');
  });

  it('never matches an alert whose account is not known', () => {
    expect(route({})).toBe('default');
    expect(route({ account: '999999999999' })).toBe('default');
  });
});
