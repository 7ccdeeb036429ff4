import { describe, expect, it } from 'vitest';
import { MemberAccessError } from '../../lib/aws/accounts.js';
import { consoleLink } from '../../lib/alerts/links.js';
import { notifyAlarmEvent } from '../../lib/alerts/notify-alarm.js';
import { notifyDeploymentEvent } from '../../lib/alerts/notify-deployment.js';
import type { SlackMessage } from '../../lib/alerts/blocks.js';
import { classifyEvent } from '../../lib/events/classify.js';
import { createLogger } from '../../lib/log.js';
import { parseSettings } from '../../lib/settings/all.js';
import { toStateRecord } from '../../lib/stream/record.js';
import { deadlineAt } from '../../lib/time.js';
import { loadEvent } from '../support/fixtures.js';
import { sampleDetails } from '../support/sample-deployments.js';

// A hub's alerts and records: every one names the account and region it is about, by name when the
// settings give one, and its console links open there.

const HUB = '123456789012';
const MEMBER = '111122223333';
const START_URL = 'https://d-1234567890.awsapps.com/start';

const memberEvent = (file: string, region = 'eu-west-1') => {
  const event = loadEvent(file);
  event.account = MEMBER;
  event.region = region;
  if (event.detail.region) event.detail.region = region;
  return event;
};

/** A cleanup event as the hub publishes it: its own envelope, the member's group in the detail. */
const publishedCleanup = () => {
  const event = loadEvent('deploy-sentinel/cleanup.deleted.json');
  event.account = HUB;
  event.region = 'us-east-1';
  event.detail.account = MEMBER;
  event.detail.region = 'ap-southeast-2';
  return event;
};

const settingsWith = (extra: Record<string, unknown> = {}) =>
  parseSettings({
    accounts: { [MEMBER]: 'payments-prod' },
    slack: {
      routes: [{ name: 'payments', match: { account: 'payments-prod' }, webhookParameter: '/deploy-sentinel/t/pay' }],
    },
    ...extra,
  });

/** Delivery into memory: what would be posted, and where. */
const capture = (settings = settingsWith(), codedeploy: Record<string, unknown> = {}) => {
  const posted: Array<{ url: string; message: SlackMessage }> = [];
  return {
    posted,
    deps: {
      settings,
      defaultWebhookParameter: '/deploy-sentinel/t/default',
      urls: { resolve: async (name: string) => `http://127.0.0.1/${name.split('/').pop()}` },
      sender: {
        send: async (url: string, message: SlackMessage) => {
          posted.push({ url, message });
          return { attempts: 1, degraded: false };
        },
      },
      deadline: deadlineAt(Date.now() + 30_000),
      log: createLogger({ write: () => {} }),
      codedeploy: {
        getDeployment: async (id: string) => sampleDetails(id, false),
        failedTargets: async () => ({ failedTargets: [], failedTargetCount: 0 }),
        ...codedeploy,
      },
      impactOf: async () => [],
    },
  };
};

// Every URL as Slack reads it: in mrkdwn text `&` arrives escaped as `&amp;`, in a button's url as is.
const everyUrl = (message: SlackMessage): string[] =>
  [...JSON.stringify(message).matchAll(/https:\/\/[^"|>\\ ]+/g)].map((m) => m[0].replace(/&amp;/g, '&'));

describe("a member's alerts", () => {
  it('name the account, route on it, and link to the console in its region', async () => {
    const { deps, posted } = capture();
    const outcome = await notifyDeploymentEvent(memberEvent('codedeploy/deployment.failure.json'), deps as never);
    expect(outcome).toMatchObject({ posted: true, route: 'payments' });
    const json = JSON.stringify(posted[0]!.message);
    expect(json).toContain(`eu-west-1 · account payments-prod (${MEMBER})`);
    const urls = everyUrl(posted[0]!.message);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url).toMatch(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/.*region=eu-west-1/);
  });

  it('open through the IAM Identity Center shortcut, in the account of the event, when sign-in is set', async () => {
    const { deps, posted } = capture(settingsWith({ consoleStartUrl: START_URL, consoleRole: 'ReadOnly' }));
    await notifyDeploymentEvent(memberEvent('codedeploy/deployment.failure.json'), deps as never);
    const urls = everyUrl(posted[0]!.message);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      expect(url).toMatch(new RegExp(`^${START_URL}/#/console\\?account_id=${MEMBER}&role_name=ReadOnly&destination=`));
      const destination = decodeURIComponent(url.split('destination=')[1]!);
      expect(destination).toMatch(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/.*region=eu-west-1/);
    }
  });

  it('of an instance open through the shortcut as well, naming the account', async () => {
    const settings = settingsWith({
      consoleStartUrl: START_URL,
      consoleRole: 'ReadOnly',
      deployments: { instanceStates: ['FAILURE'] },
    });
    const { deps, posted } = capture(settings);
    const outcome = await notifyDeploymentEvent(memberEvent('codedeploy/instance.failure.json'), deps as never);
    expect(outcome).toMatchObject({ posted: true, route: 'payments' });
    expect(JSON.stringify(posted[0]!.message)).toContain(`account payments-prod (${MEMBER})`);
    const urls = everyUrl(posted[0]!.message);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url.startsWith(`${START_URL}/#/console?account_id=${MEMBER}&`)).toBe(true);
  });

  it("escape the shortcut's & inside mrkdwn links, as Slack asks, and leave button URLs as they are", async () => {
    const { deps, posted } = capture(settingsWith({ consoleStartUrl: START_URL, consoleRole: 'ReadOnly' }));
    await notifyDeploymentEvent(memberEvent('codedeploy/deployment.failure.json'), deps as never);
    const json = JSON.stringify(posted[0]!.message);
    const inText = [...json.matchAll(/<(https:\/\/[^|>]+)\|/g)].map((m) => m[1]!);
    expect(inText.length).toBeGreaterThan(0);
    for (const url of inText) {
      expect(url).toContain('&amp;role_name=');
      expect(url).not.toMatch(/&(?!amp;)/);
    }
    const buttons = [...json.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]!);
    expect(buttons.length).toBeGreaterThan(0);
    for (const url of buttons) expect(url).toContain('&role_name=');
  });

  it('build the shortcut exactly as the access portal reads it', () => {
    expect(
      consoleLink('https://eu-west-1.console.aws.amazon.com/x?region=eu-west-1#a:b', MEMBER, {
        console: { startUrl: `${START_URL}/`, role: 'Read Only' },
      }),
    ).toBe(
      `${START_URL}/#/console?account_id=${MEMBER}&role_name=Read%20Only&destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fx%3Fregion%3Deu-west-1%23a%3Ab`,
    );
  });

  it('still go out when the member role cannot be assumed, saying which role, where and why', async () => {
    const denied = new MemberAccessError(MEMBER, 'deploy-sentinel-prod-member-read', 'AccessDenied');
    const { deps, posted } = capture(settingsWith(), { getDeployment: async () => Promise.reject(denied) });
    const outcome = await notifyDeploymentEvent(memberEvent('codedeploy/deployment.failure.json'), deps as never);
    expect(outcome).toMatchObject({ posted: true });
    expect(JSON.stringify(posted[0]!.message)).toContain(
      `Details unavailable: cannot assume deploy-sentinel-prod-member-read in ${MEMBER}: AccessDenied`,
    );
  });

  it('of an alarm say the same when the deployment groups cannot be read', async () => {
    const denied = new MemberAccessError(MEMBER, 'deploy-sentinel-prod-member-read', 'AccessDenied');
    const { deps, posted } = capture();
    const outcome = await notifyAlarmEvent(memberEvent('cloudwatch/alarm.threshold-alarm.json'), {
      ...deps,
      impactOf: async () => Promise.reject(denied),
    } as never);
    expect(outcome).toMatchObject({ posted: true, route: 'payments' });
    const json = JSON.stringify(posted[0]!.message);
    expect(json).toContain(`cannot assume deploy-sentinel-prod-member-read in ${MEMBER}: AccessDenied`);
    expect(json).toContain(`account payments-prod (${MEMBER})`);
  });
});

describe("the cleanup's own events", () => {
  it('are about the account and region in their detail, not the hub that published them', async () => {
    const classified = classifyEvent(publishedCleanup());
    expect(classified).toMatchObject({ kind: 'cleanup', event: { account: MEMBER, region: 'ap-southeast-2' } });

    const { deps, posted } = capture();
    await notifyDeploymentEvent(publishedCleanup(), deps as never);
    expect(posted[0]!.url).toMatch(/\/pay$/);
    expect(JSON.stringify(posted[0]!.message)).toContain(`ap-southeast-2 · account payments-prod (${MEMBER})`);
    for (const url of everyUrl(posted[0]!.message)) expect(url).toContain('region=ap-southeast-2');
  });

  it("keep the envelope's account when their detail names none (a standalone install)", () => {
    expect(classifyEvent(loadEvent('deploy-sentinel/cleanup.deleted.json'))).toMatchObject({
      event: { account: HUB, region: 'us-east-1' },
    });
  });
});

describe('stream records', () => {
  it("carry the account, its name and the region, a cleanup's from its detail", () => {
    const accountNames = { [MEMBER]: 'payments-prod' };
    const deployment = toStateRecord(classifyEvent(memberEvent('codedeploy/deployment.start.json')), undefined, {
      accountNames,
    });
    expect(deployment).toMatchObject({ account: MEMBER, accountName: 'payments-prod', region: 'eu-west-1' });
    const cleanup = toStateRecord(classifyEvent(publishedCleanup()), undefined, { accountNames });
    expect(cleanup).toMatchObject({ account: MEMBER, accountName: 'payments-prod', region: 'ap-southeast-2' });
    expect(cleanup.cleanup).not.toHaveProperty('account');
    const unnamed = toStateRecord(classifyEvent(loadEvent('codedeploy/deployment.start.json')), undefined, {
      accountNames,
    });
    expect(unnamed).not.toHaveProperty('accountName');
  });
});
