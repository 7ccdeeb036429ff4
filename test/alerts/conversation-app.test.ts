import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { dynamoDbPortOver } from '../../lib/aws/dynamodb.js';
import type { DeploymentDetails } from '../../lib/codedeploy/deployment.js';
import { createLogger } from '../../lib/log.js';
import { createBotTokenSource } from '../../lib/alerts/bot-token.js';
import { type Conversations, ParentPendingError } from '../../lib/alerts/converse.js';
import { EventInProgressError } from '../../lib/alerts/once.js';
import { deploymentRowKey } from '../../lib/alerts/conversation.js';
import type { DeliveryDeps } from '../../lib/alerts/deliver.js';
import { createDeploymentRows } from '../../lib/alerts/deployment-rows.js';
import { createEventLedger } from '../../lib/alerts/ledger.js';
import { notifyAlarmEvent } from '../../lib/alerts/notify-alarm.js';
import { notifyDeploymentEvent } from '../../lib/alerts/notify-deployment.js';
import { createAppPoster } from '../../lib/alerts/slack-app.js';
import { createWebhookSender } from '../../lib/alerts/webhook.js';
import { parseSettings } from '../../lib/settings/all.js';
import { type Settings } from '../../lib/settings/schema.js';
import { deadlineAt, realSleep } from '../../lib/time.js';
import { type DynamoDbStandIn, startDynamoDbStandIn } from '../../local/standins/dynamodb.js';
import { type ApiCall, type ShownMessage, type SlackReceiver, startSlackReceiver } from '../../local/standins/slack.js';
import { loadEvent } from '../support/fixtures.js';
import { sampleDetails } from '../support/sample-deployments.js';

/**
 * One conversation per deployment, for real: the SDK against dynalite, @slack/web-api over HTTP
 * against the Slack stand-in, which keeps each channel as a person sees it (parents, threads,
 * broadcast replies, edits).
 */

const TABLE = 'deploy-sentinel-test-state';
const TOKEN_PARAMETER = '/deploy-sentinel/test/slack-bot-token';
const TOKEN = ['xoxb', '100000000001', '200000000002', 'C0nversationT0ken'].join('-');
const TEAM = 'C0CHECKOUT1';
const ONCALL = 'C0ONCALL001';
const ALARMS = 'C0ALARMS001';
const FAILED = 'd-F41LED001';
const ROLLBACK = 'd-R0LLBK001';

let table: DynamoDbStandIn;
let slack: SlackReceiver;
let script: (call: ApiCall, index: number) => any = () => undefined;
let account: string;
let lines: any[] = [];
const sleeps: number[] = [];
const log = createLogger({ level: 'debug', write: (line) => void lines.push(JSON.parse(line)) });

beforeAll(async () => {
  table = await startDynamoDbStandIn({ tables: [TABLE] });
});
afterAll(() => table.close());

beforeEach(async () => {
  script = () => undefined;
  lines = [];
  sleeps.length = 0;
  // Every test its own account: its rows and event records never meet another test's.
  account = String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));
  slack = await startSlackReceiver({
    api: {
      tokens: [TOKEN],
      channels: {
        [TEAM]: { name: 'checkout-team' },
        [ONCALL]: { name: 'checkout-oncall' },
        [ALARMS]: { name: 'alarms' },
      },
      script: (call, i) => script(call, i),
    },
  });
});
afterEach(() => slack.close());

const teamOnly = parseSettings({
  slack: { routes: [{ name: 'checkout-team', match: { application: 'checkout' }, channel: TEAM }] },
  deployments: { instanceStates: ['FAILURE'] },
});

/** What CodeDeploy says of each deployment, changed by a test as the deployment moves. */
let described: Record<string, Partial<DeploymentDetails>> = {};
beforeEach(() => {
  described = {};
});
const codedeploy = {
  getDeployment: async (id: string) => {
    const details = sampleDetails(id, false);
    return details && { ...details, ...described[id] };
  },
  failedTargets: async (id: string) => {
    const targets = sampleDetails(id, true)?.failedTargets ?? [];
    return { failedTargets: targets, failedTargetCount: targets.length };
  },
};
const inProgress = (id: string) => {
  described[id] = { status: 'InProgress', completeTime: undefined, rolledBackBy: undefined, errorCode: undefined };
};

const ssm = { getParameter: async (name: string) => (name === TOKEN_PARAMETER ? TOKEN : undefined) };

const deps = (settings: Settings = teamOnly, overrides: Partial<Conversations> = {}) => {
  const app = createAppPoster({
    tokens: createBotTokenSource({ ssm, parameterName: TOKEN_PARAMETER }),
    apiUrl: slack.apiUrl,
    sleep: async (ms) => void sleeps.push(ms),
    log,
  });
  const dynamodb = dynamoDbPortOver(table.client());
  return {
    settings,
    defaultWebhookParameter: '/deploy-sentinel/test/default',
    urls: { resolve: async (name: string) => slack.urlFor(name.split('/').pop()!) },
    sender: createWebhookSender({ sleep: async () => {}, log }),
    app,
    ledger: createEventLedger({ dynamodb, table: TABLE }),
    conversations: {
      rows: createDeploymentRows({ dynamodb, table: TABLE }),
      app,
      pollMs: 20,
      sleep: (ms: number) => realSleep(ms),
      ...overrides,
    },
    deadline: deadlineAt(Date.now() + 30_000),
    log,
    codedeploy,
  } satisfies DeliveryDeps & { codedeploy: unknown };
};

const base = () => loadEvent('codedeploy/deployment.failure.json');
const deployment = (deploymentId: string, state: string, time: string) => {
  const e = base();
  return { ...e, id: randomUUID(), account, time, detail: { ...e.detail, deploymentId, state } };
};
const instance = (instanceId: string, time = '2026-11-20T15:10:00Z') => {
  const e = loadEvent('codedeploy/instance.failure.json');
  return { ...e, id: randomUUID(), account, time, detail: { ...e.detail, instanceId } };
};

const parents = (channel = TEAM) => slack.api.channel(channel).filter((m) => !m.threadTs);
const onlyParent = (channel = TEAM): ShownMessage => {
  const all = parents(channel);
  expect(all).toHaveLength(1);
  return all[0]!;
};
const headerOf = (m: ShownMessage) => JSON.stringify((m.attachments?.[0] as any)?.blocks?.[0]?.text?.text ?? m.text);
const methods = () => slack.api.calls.map((c) => c.method);
const count = (method: string) => methods().filter((m) => m === method).length;

describe('out of order', () => {
  it('SUCCESS before START: the parent shows the success, and the late START changes nothing', async () => {
    await notifyDeploymentEvent(deployment(FAILED, 'SUCCESS', '2026-11-20T15:20:00Z'), deps());
    const before = slack.api.calls.length;
    await notifyDeploymentEvent(deployment(FAILED, 'START', '2026-11-20T15:00:00Z'), deps());
    expect(headerOf(onlyParent())).toContain('deployment succeeded');
    expect(onlyParent().edited).toBeUndefined();
    expect(slack.api.calls.length).toBe(before);
  });

  it('FAILURE before READY: the parent stays failed, the why is in the thread', async () => {
    await notifyDeploymentEvent(deployment(FAILED, 'FAILURE', '2026-11-20T15:12:44Z'), deps());
    expect(await notifyDeploymentEvent(deployment(FAILED, 'READY', '2026-11-20T15:05:00Z'), deps())).toEqual({
      posted: false,
      skipped: 'older than the state the parent shows: nothing to change',
    });
    const parent = onlyParent();
    expect(headerOf(parent)).toContain('deployment failed');
    expect(parent.replies.map((r) => r.text)).toEqual([
      expect.stringContaining('Why checkout/checkout-prod failed'),
      '❌ checkout/checkout-prod failed (d-F41LED001): HEALTH_CONSTRAINTS',
    ]);
    expect(JSON.stringify(parent.attachments)).not.toContain('scripts/validate.sh');
    expect(JSON.stringify(parent.replies[0])).toContain('scripts/validate.sh');
    expect(count('chat.update')).toBe(0);
  });

  it('a tie in the same second: READY after FAILURE changes nothing; READY after START does', async () => {
    const second = '2026-11-20T15:12:44Z';
    await notifyDeploymentEvent(deployment(FAILED, 'FAILURE', second), deps());
    await notifyDeploymentEvent(deployment(FAILED, 'READY', second), deps());
    expect(headerOf(onlyParent())).toContain('deployment failed');
    expect(count('chat.update')).toBe(0);

    inProgress(ROLLBACK);
    await notifyDeploymentEvent(deployment(ROLLBACK, 'START', second), deps());
    await notifyDeploymentEvent(deployment(ROLLBACK, 'READY', second), deps());
    const rollback = parents().find((m) => m.text.includes(ROLLBACK))!;
    expect(headerOf(rollback)).toContain('replacement ready');
    expect(count('chat.update')).toBe(1);
  });
});

describe('races', () => {
  it('two invocations of one deployment at once end with one parent, showing the later state', async () => {
    inProgress(FAILED);
    const start = deployment(FAILED, 'START', '2026-11-20T15:00:00Z');
    const failure = deployment(FAILED, 'FAILURE', '2026-11-20T15:12:44Z');
    const failing = { ...deps() };
    await Promise.all([notifyDeploymentEvent(start, deps()), notifyDeploymentEvent(failure, failing)]);
    const parent = onlyParent();
    expect(parent.text).toContain('deployment failed');
    expect(parent.replies.map((r) => r.text)).toEqual(
      expect.arrayContaining([expect.stringContaining('Why checkout/checkout-prod failed')]),
    );
    const row = await dynamoDbPortOver(table.client()).getItem(
      TABLE,
      { pk: deploymentRowKey({ account, region: 'us-east-1', deploymentId: FAILED }) },
      { deadline: deadlineAt(Date.now() + 5_000) },
    );
    expect(row).toMatchObject({
      version: 2,
      parent: { channel: TEAM, ts: parent.ts },
      shown: { change: { id: failure.id } },
    });
  });

  it('two edits that reach Slack out of order end on the newest state', async () => {
    inProgress(FAILED);
    await notifyDeploymentEvent(deployment(FAILED, 'START', '2026-11-20T15:00:00Z'), deps());
    // The READY invocation's edit is held back until the FAILURE invocation's edit has landed.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = deps();
    const app = slow.conversations.app;
    const late = {
      ...app,
      update: async (...args: Parameters<typeof app.update>) => (await held, app.update(...args)),
    };
    const ready = notifyDeploymentEvent(deployment(FAILED, 'READY', '2026-11-20T15:05:00Z'), {
      ...slow,
      conversations: { ...slow.conversations, app: late },
    });
    const rows = createDeploymentRows({ dynamodb: dynamoDbPortOver(table.client()), table: TABLE });
    const key = { account, region: 'us-east-1', deploymentId: FAILED };
    await vi.waitFor(async () => expect((await rows.read(key, deadlineAt(Date.now() + 5_000)))?.version).toBe(2));
    delete described[FAILED];
    await notifyDeploymentEvent(deployment(FAILED, 'FAILURE', '2026-11-20T15:12:44Z'), deps());
    expect(onlyParent().text).toContain('deployment failed');
    release();
    await ready;
    // READY's edit landed last, so it read the row again and showed the newest state once more.
    expect(onlyParent().text).toContain('deployment failed');
    expect(count('chat.update')).toBe(3);
  });

  it('an invocation that finds the parent claimed and not posted in time fails, for Lambda to retry', async () => {
    let now = Date.now();
    const clock = () => now;
    const rows = createDeploymentRows({ dynamodb: dynamoDbPortOver(table.client()), table: TABLE, clock });
    // Another invocation claimed the parent and has not posted it (it is slow, or it died).
    const key = { account, region: 'us-east-1', deploymentId: FAILED };
    const start = deployment(FAILED, 'START', '2026-11-20T15:00:00Z');
    await rows.create(
      key,
      { version: 1, route: 'checkout-team', channel: TEAM, shown: { eventId: start.id, change: start as any } },
      { id: 'the-other-one', until: now + 60_000 },
      deadlineAt(Date.now() + 5_000),
    );
    const failure = deployment(FAILED, 'FAILURE', '2026-11-20T15:12:44Z');
    const d = { ...deps(teamOnly, { rows, clock, reserveMs: 100 }), deadline: deadlineAt(Date.now() + 600) };
    const error = await notifyDeploymentEvent(failure, d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParentPendingError);
    // An expected retry (another invocation is posting the parent), not an error the alarm counts.
    expect(error).toBeInstanceOf(EventInProgressError);
    expect(slack.api.calls).toEqual([]);

    // Lambda's retry, after the other claim ran out: it posts the parent, showing the failure.
    now += 120_000;
    expect(await notifyDeploymentEvent(failure, deps(teamOnly, { rows, clock }))).toMatchObject({ posted: true });
    const parent = onlyParent();
    expect(parent.text).toContain('deployment failed');
    expect(parent.replies).toHaveLength(2);
  });
});

describe('a parent that is gone', () => {
  it.each(['deleted', 'cant_update_message', 'edit_window_closed'])(
    '%s: a new parent replaces it, and the thread goes on under the new one',
    async (how) => {
      inProgress(FAILED);
      await notifyDeploymentEvent(deployment(FAILED, 'START', '2026-11-20T15:00:00Z'), deps());
      const first = onlyParent();
      if (how === 'deleted') slack.api.remove(TEAM, first.ts);
      else script = (call) => (call.method === 'chat.update' ? { error: how } : undefined);
      delete described[FAILED];
      await notifyDeploymentEvent(deployment(FAILED, 'FAILURE', '2026-11-20T15:12:44Z'), deps());
      const current = parents().filter((m) => m.text.includes('deployment failed'));
      expect(current).toHaveLength(1);
      expect(current[0]!.ts).not.toBe(first.ts);
      expect(current[0]!.replies).toHaveLength(2);
      expect(lines).toContainEqual(
        expect.objectContaining({ message: 'the parent message is gone or no longer editable: posting a new one' }),
      );
      const row = await createDeploymentRows({ dynamodb: dynamoDbPortOver(table.client()), table: TABLE }).read(
        { account, region: 'us-east-1', deploymentId: FAILED },
        deadlineAt(Date.now() + 5_000),
      );
      expect(row?.parent?.ts).toBe(current[0]!.ts);
    },
  );
});

describe('Slack rate limits', () => {
  it('a 429 on an update waits for its Retry-After, then edits once', async () => {
    inProgress(FAILED);
    await notifyDeploymentEvent(deployment(FAILED, 'START', '2026-11-20T15:00:00Z'), deps());
    let limited = false;
    script = (call) => {
      if (call.method !== 'chat.update' || limited) return undefined;
      limited = true;
      return { rateLimited: 3 };
    };
    delete described[FAILED];
    await notifyDeploymentEvent(deployment(FAILED, 'FAILURE', '2026-11-20T15:12:44Z'), deps());
    expect(sleeps).toEqual([3_000]);
    expect(count('chat.update')).toBe(2);
    const parent = onlyParent();
    expect(parent.edited).toBe(true);
    expect(parent.text).toContain('deployment failed');
  });
});

describe('a rollback', () => {
  it('gets its own parent, linked both ways', async () => {
    inProgress(FAILED);
    await notifyDeploymentEvent(deployment(FAILED, 'START', '2026-11-20T15:00:00Z'), deps());
    delete described[FAILED];
    await notifyDeploymentEvent(deployment(FAILED, 'FAILURE', '2026-11-20T15:12:44Z'), deps());
    inProgress(ROLLBACK);
    await notifyDeploymentEvent(deployment(ROLLBACK, 'START', '2026-11-20T15:12:49Z'), deps());
    delete described[ROLLBACK];
    await notifyDeploymentEvent(deployment(ROLLBACK, 'SUCCESS', '2026-11-20T15:20:46Z'), deps());

    const [failed, rollback] = parents();
    expect(failed!.text).toContain(FAILED);
    expect(rollback!.text).toContain(ROLLBACK);
    expect(headerOf(rollback!)).toContain('rollback succeeded');
    const permalink = (m: ShownMessage) => `/archives/${TEAM}/p${m.ts.replace('.', '')}`;
    // The rollback's parent says what it rolls back, with a link to that conversation.
    expect(JSON.stringify(rollback)).toContain('This rolls back');
    expect(JSON.stringify(rollback)).toContain(permalink(failed!));
    // The failed deployment's thread points to the rollback's parent.
    const link = failed!.replies.find((r) => r.text.startsWith('↩️ Rolled back by d-R0LLBK001'));
    expect(link?.text).toContain(permalink(rollback!));
    expect(failed!.replies.filter((r) => r.text.includes('Rolled back by'))).toHaveLength(1);
  });
});

describe('an alarm that names the deployment', () => {
  const impact = [
    {
      application: 'checkout',
      deploymentGroup: 'checkout-prod',
      effect: 'stop-and-roll-back' as const,
      inProgressDeployments: [FAILED],
    },
  ];
  const alarm = (): any => ({ ...loadEvent('cloudwatch/alarm.threshold-alarm.json'), id: randomUUID(), account });

  it('joins its thread with a link to the alarm, posted by the app', async () => {
    const settings = parseSettings({
      slack: {
        routes: [
          { name: 'alarms', match: { kind: ['alarm'] }, channel: ALARMS },
          { name: 'checkout-team', match: { application: 'checkout' }, channel: TEAM },
        ],
      },
    });
    inProgress(FAILED);
    await notifyDeploymentEvent(deployment(FAILED, 'START', '2026-11-20T15:00:00Z'), deps(settings));
    await notifyAlarmEvent(alarm(), { ...deps(settings), impactOf: async () => impact });
    const posted = onlyParent(ALARMS);
    const reply = onlyParent().replies.at(-1)!;
    expect(reply.text).toContain('checkout-5xx');
    expect(JSON.stringify(reply)).toContain(`/archives/${ALARMS}/p${posted.ts.replace('.', '')}`);
  });

  it('joins its thread repeating the alarm, when the alarm went by webhook', async () => {
    const settings = parseSettings({
      slack: {
        routes: [
          { name: 'alarms', match: { kind: ['alarm'] }, webhookParameter: '/deploy-sentinel/test/alarms' },
          { name: 'checkout-team', match: { application: 'checkout' }, channel: TEAM },
        ],
      },
    });
    inProgress(FAILED);
    await notifyDeploymentEvent(deployment(FAILED, 'START', '2026-11-20T15:00:00Z'), deps(settings));
    const event = alarm();
    await notifyAlarmEvent(event, { ...deps(settings), impactOf: async () => impact });
    expect(slack.messages.map((m) => m.path)).toEqual(['/hooks/alarms']);
    const reply = JSON.stringify(onlyParent().replies.at(-1));
    expect(reply).toContain('checkout-5xx');
    expect(reply).toContain('OK → ALARM');
    expect(reply).toContain('CodeDeploy stops this deployment and rolls it back');
    expect(reply).toContain(event.detail.state.reason.slice(0, 40));
    // Delivered again, the alarm leaves no second reply.
    await notifyAlarmEvent(event, { ...deps(settings), impactOf: async () => impact });
    expect(onlyParent().replies.filter((r) => r.text.includes('checkout-5xx'))).toHaveLength(1);
  });
});

describe('a deployment with 50 instance failures', () => {
  it('50 replies in the thread and no edit of the parent for them', async () => {
    inProgress(FAILED);
    await notifyDeploymentEvent(deployment(FAILED, 'START', '2026-11-20T15:00:00Z'), deps());
    const ids = Array.from({ length: 50 }, (_, i) => `i-0a1b2c3d4e5f7${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 10)
      await Promise.all(ids.slice(i, i + 10).map((id) => notifyDeploymentEvent(instance(id), deps())));
    const parent = onlyParent();
    expect(parent.replies).toHaveLength(50);
    expect(new Set(parent.replies.map((r) => r.text.match(/instance (\S+)/)?.[1]))).toEqual(new Set(ids));
    expect(count('chat.update')).toBe(0);
    expect(count('chat.postMessage')).toBe(51);
  });
});

describe('an on-call route', () => {
  it('also gets the failure, standalone and with the mentions, linking the parent', async () => {
    const settings = parseSettings({
      slack: {
        routes: [
          {
            name: 'checkout-oncall',
            match: { application: 'checkout', severity: ['critical'] },
            webhookParameter: '/deploy-sentinel/test/checkout-oncall',
          },
          { name: 'checkout-team', match: { application: 'checkout' }, channel: TEAM },
        ],
        mentions: { critical: ['<!here>'] },
      },
    });
    inProgress(FAILED);
    await notifyDeploymentEvent(deployment(FAILED, 'START', '2026-11-20T15:00:00Z'), deps(settings));
    delete described[FAILED];
    await notifyDeploymentEvent(deployment(FAILED, 'FAILURE', '2026-11-20T15:12:44Z'), deps(settings));
    const parent = onlyParent();
    expect(parent.text).toContain('deployment failed');
    expect(parent.text).not.toContain('<!here>');
    // In the team channel the mention arrives in a broadcast reply: an edit notifies nobody.
    const broadcast = slack.api.channel(TEAM).find((m) => m.broadcast);
    expect(broadcast?.text).toBe('<!here> ❌ checkout/checkout-prod failed (d-F41LED001): HEALTH_CONSTRAINTS');
    const [copy] = slack.messages.filter((m) => m.path === '/hooks/checkout-oncall');
    expect(copy!.body.text).toContain('<!here> ❌ checkout/checkout-prod: deployment failed (d-F41LED001)');
    expect(JSON.stringify(copy!.body)).toContain(`/archives/${TEAM}/p${parent.ts.replace('.', '')}`);
  });

  it('an event whose route is a webhook and whose deployment has no conversation is posted as before', async () => {
    const settings = parseSettings({
      slack: {
        routes: [
          {
            name: 'checkout-oncall',
            match: { application: 'checkout', severity: ['critical'] },
            webhookParameter: '/deploy-sentinel/test/checkout-oncall',
          },
          { name: 'checkout-team', match: { application: 'checkout', kind: ['deployment'] }, channel: TEAM },
        ],
      },
      deployments: { instanceStates: ['FAILURE'] },
    });
    await notifyDeploymentEvent(deployment(FAILED, 'FAILURE', '2026-11-20T15:12:44Z'), deps(settings));
    await notifyDeploymentEvent(instance('i-0a1b2c3d4e5f60001'), deps(settings));
    expect(slack.messages.map((m) => m.path)).toEqual(['/hooks/checkout-oncall', '/hooks/checkout-oncall']);
    expect(slack.api.calls).toEqual([]);
  });
});

describe('a stop caused by an alarm', () => {
  it('is critical in webhook mode too: its alert carries the critical mentions', async () => {
    const settings = parseSettings({ slack: { mentions: { critical: ['<!here>'] } } });
    described[FAILED] = { status: 'Stopped', errorCode: 'ALARM_ACTIVE', errorMessage: 'Alarm checkout-5xx is active' };
    await notifyDeploymentEvent(deployment(FAILED, 'STOP', '2026-11-20T15:12:44Z'), deps(settings));
    expect(slack.messages[0]!.body.text).toMatch(/^<!here> ⏹️ checkout\/checkout-prod: deployment stopped/);
    expect(slack.messages[0]!.body.attachments[0].color).toBe('#E01E5A');
  });
});
