import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDynamoDbPort, dynamoDbPortOver } from '../../lib/aws/dynamodb.js';
import { createLogger } from '../../lib/log.js';
import { createMetrics } from '../../lib/metrics.js';
import { createBotTokenSource } from '../../lib/alerts/bot-token.js';
import { type DeliveryDeps, postSteps } from '../../lib/alerts/deliver.js';
import { createEventLedger, recordKey } from '../../lib/alerts/ledger.js';
import { notifyDeploymentEvent } from '../../lib/alerts/notify-deployment.js';
import { EventInProgressError, type EventKey } from '../../lib/alerts/once.js';
import { createAppPoster } from '../../lib/alerts/slack-app.js';
import { SlackDeliveryError, createWebhookSender } from '../../lib/alerts/webhook.js';
import { parseSettings } from '../../lib/settings/all.js';
import { deadlineAt } from '../../lib/time.js';
import { type DynamoDbStandIn, startDynamoDbStandIn } from '../../local/standins/dynamodb.js';
import { type ApiAnswer, type SlackReceiver, startSlackReceiver } from '../../local/standins/slack.js';
import { loadEvent } from '../support/fixtures.js';
import { sampleDetails } from '../support/sample-deployments.js';

/**
 * App mode and the event ledger, for real: the SDK against dynalite, @slack/web-api over HTTP
 * against the Slack stand-in. Every log line of every test is kept, and none may hold the token.
 */

const TABLE = 'deploy-sentinel-test-state';
const TOKEN_PARAMETER = '/deploy-sentinel/test/slack-bot-token';
// Assembled at run time: no string in the repository looks like a real token.
const TOKEN = ['xoxb', '100000000001', '200000000002', 'T0kenT0kenT0kenT0ken'].join('-');
const ORDERS = 'C0ORDERS01';

let table: DynamoDbStandIn;
let slack: SlackReceiver;
let script: Array<ApiAnswer | undefined> = [];
let tokenReads = 0;
let now = Date.now();
const clock = () => now;
const allLines: string[] = [];
let lines: any[] = [];
const sleeps: number[] = [];
const log = createLogger({
  level: 'debug',
  write: (line) => {
    allLines.push(line);
    lines.push(JSON.parse(line));
  },
});

beforeAll(async () => {
  table = await startDynamoDbStandIn({ tables: [TABLE] });
});
afterAll(async () => {
  await table.close();
  // Every line any test wrote, at debug level, the Web API client's own included.
  expect(allLines.length).toBeGreaterThan(50);
  for (const line of allLines) expect(line).not.toContain(TOKEN.slice(5));
});

beforeEach(async () => {
  script = [];
  lines = [];
  sleeps.length = 0;
  tokenReads = 0;
  now = Date.now();
  table.setMode('up');
  slack = await startSlackReceiver({
    script: () => undefined,
    api: {
      tokens: [TOKEN],
      channels: {
        [ORDERS]: { name: 'orders' },
        C0ARCHIVED: { name: 'old-orders', archived: true },
        C0NOTJOINED: { name: 'payments', member: false },
      },
      script: (_call, i) => script[i],
    },
  });
});
afterEach(() => slack.close());

const settings = parseSettings({
  slack: {
    routes: [
      { name: 'orders', match: { application: 'orders' }, channel: ORDERS },
      { name: 'checkout', match: { application: 'checkout' }, webhookParameter: '/deploy-sentinel/test/checkout' },
    ],
    defaultChannel: ORDERS,
  },
});

const ssm = { getParameter: async (name: string) => (tokenReads++, name === TOKEN_PARAMETER ? TOKEN : undefined) };

const deps = (overrides: Partial<DeliveryDeps> = {}): DeliveryDeps & { codedeploy: any } => ({
  settings,
  defaultWebhookParameter: '/deploy-sentinel/test/default',
  urls: { resolve: async (name: string) => slack.urlFor(name.split('/').pop()!) },
  sender: createWebhookSender({ sleep: async () => {}, log }),
  app: createAppPoster({
    tokens: createBotTokenSource({ ssm, parameterName: TOKEN_PARAMETER }),
    apiUrl: slack.apiUrl,
    sleep: async (ms) => void sleeps.push(ms),
    log,
  }),
  ledger: createEventLedger({ dynamodb: dynamoDbPortOver(table.client()), table: TABLE, clock }),
  deadline: deadlineAt(Date.now() + 30_000),
  log,
  codedeploy: {
    getDeployment: async (id: string) => sampleDetails(id, false),
    failedTargets: async () => ({ failedTargets: [], failedTargetCount: 0 }),
  },
  ...overrides,
});

/** A sample event as EventBridge delivers it, with an id of its own. */
const event = (file: string, id: string = randomUUID()) => ({ ...(loadEvent(file) as object), id }) as any;
const ordersStart = (id?: string) => event('codedeploy/deployment.ecs-start.json', id);
const checkoutFailure = (id?: string) => event('codedeploy/deployment.failure.json', id);
const keyOf = (e: any): EventKey => ({ account: e.account, region: e.region, eventId: e.id });

const shown = () => slack.api.channel(ORDERS);
const errorsLogged = () => lines.filter((l) => l.level === 'error');

describe('app mode', () => {
  it('posts with the bot token to the channel the route names, and records where the message is', async () => {
    const e = ordersStart();
    const outcome = await notifyDeploymentEvent(e, deps());
    expect(outcome).toMatchObject({ posted: true, route: 'orders' });
    expect(shown()).toHaveLength(1);
    expect(shown()[0]!.text).toContain('orders/orders-ecs');
    expect(shown()[0]!.attachments).toEqual((outcome as any).message.attachments);
    expect(slack.api.calls[0]).toMatchObject({ method: 'chat.postMessage', token: TOKEN });
    const record = await dynamoDbPortOver(table.client()).getItem(
      TABLE,
      { pk: recordKey(keyOf(e)) },
      {
        deadline: deadlineAt(Date.now() + 5_000),
      },
    );
    expect(record).toMatchObject({
      state: 'completed',
      account: e.account,
      region: e.region,
      eventId: e.id,
      steps: { post: { route: 'orders', channel: ORDERS, ts: shown()[0]!.ts } },
    });
    // The TTL attribute: 14 days from the first claim, in epoch seconds.
    expect(record!.expiresAt).toBe(Math.floor(now / 1000) + 14 * 86_400);
    expect(lines.find((l) => l.message === 'alert posted')).toMatchObject({ mode: 'app', ts: shown()[0]!.ts });
  });

  it('turns a duplicate event away: one message in the channel', async () => {
    const e = ordersStart();
    await notifyDeploymentEvent(e, deps());
    const again = await notifyDeploymentEvent(e, deps());
    expect(again).toEqual({ posted: false, skipped: 'duplicate: already posted', duplicate: true });
    expect(shown()).toHaveLength(1);
    expect(slack.api.calls).toHaveLength(1);
    expect(lines.some((l) => l.message === 'duplicate event turned away: already posted' && l.eventId === e.id)).toBe(
      true,
    );
  });

  it('waits out a 429 for its Retry-After, then posts once', async () => {
    script = [{ rateLimited: 2 }];
    const outcome = await notifyDeploymentEvent(ordersStart(), deps());
    expect(outcome).toMatchObject({ posted: true, attempts: 2 });
    expect(sleeps).toEqual([2_000]);
    expect(shown()).toHaveLength(1);
    expect(lines.some((l) => l.message === 'slack delivery failed, retrying' && l.code === 'ratelimited')).toBe(true);
  });

  it('counts the 429s, the attempts and the alert posted in app mode', async () => {
    script = [{ rateLimited: 1 }];
    const metrics = createMetrics({ log });
    const app = createAppPoster({
      tokens: createBotTokenSource({ ssm, parameterName: TOKEN_PARAMETER }),
      apiUrl: slack.apiUrl,
      sleep: async () => {},
      log,
      metrics,
    });
    await notifyDeploymentEvent(ordersStart(), deps({ app, metrics }));
    expect(metrics.pending().map((d) => [d.name, d.dimensions, d.value])).toEqual([
      ['SlackRateLimited', { mode: 'app' }, 1],
      ['AlertsPosted', { kind: 'deployment', mode: 'app' }, 1],
      ['SlackAttempts', { mode: 'app' }, 2],
    ]);
  });

  it('does not wait for a Retry-After the invocation cannot afford; the event stays free for the retry', async () => {
    script = [{ rateLimited: 60 }];
    const e = ordersStart();
    const error = await notifyDeploymentEvent(e, deps({ deadline: deadlineAt(Date.now() + 10_000) })).catch((x) => x);
    expect(error).toBeInstanceOf(SlackDeliveryError);
    expect(error.details).toMatchObject({ code: 'ratelimited', permanent: false, attempts: 1 });
    expect(sleeps).toEqual([]);
    // Lambda's retry finds the claim released and posts.
    expect(await notifyDeploymentEvent(e, deps())).toMatchObject({ posted: true });
    expect(shown()).toHaveLength(1);
  });

  it('retries internal_error and service_unavailable', async () => {
    script = [{ error: 'internal_error' }, { error: 'service_unavailable' }];
    expect(await notifyDeploymentEvent(ordersStart(), deps())).toMatchObject({ posted: true, attempts: 3 });
    expect(shown()).toHaveLength(1);
  });

  const alone = (channel: string) => ({ routes: [{ name: 'orders', match: {}, channel }] });
  const permanent: Array<[string, object, ApiAnswer | undefined]> = [
    ['channel_not_found', alone('C0UNKNOWN1'), undefined],
    ['is_archived', alone('C0ARCHIVED'), undefined],
    ['not_in_channel', alone('C0NOTJOINED'), undefined],
    ...[
      'missing_scope',
      'restricted_action',
      'account_inactive',
      'token_revoked',
      'token_expired',
      'not_authed',
      'no_permission',
      'msg_too_long',
      'msg_blocks_too_long',
    ].map((code): [string, object, ApiAnswer] => [code, alone(ORDERS), { error: code }]),
  ];
  it.each(permanent)(
    'fails at once on %s, naming the Slack error and the route, for Lambda to dead-letter',
    async (code, slackSettings, answer) => {
      script = answer ? [answer] : [];
      const e = ordersStart();
      const error = await notifyDeploymentEvent(e, deps({ settings: parseSettings({ slack: slackSettings }) })).catch(
        (x) => x,
      );
      expect(error).toBeInstanceOf(SlackDeliveryError);
      expect(error.details).toMatchObject({ code, permanent: true, attempts: 1 });
      expect(slack.api.calls).toHaveLength(1);
      expect(errorsLogged()).toContainEqual(
        expect.objectContaining({
          message: 'slack refused the alert: no retry will fix it; it goes to the dead-letter queue',
          slackError: code,
          route: 'orders',
          mode: 'app',
          eventId: e.id,
        }),
      );
    },
  );

  it('sends the text alone when Slack refuses the blocks', async () => {
    script = [{ error: 'invalid_blocks' }];
    const outcome = await notifyDeploymentEvent(ordersStart(), deps());
    expect(outcome).toMatchObject({ posted: true, degraded: true, attempts: 2 });
    expect(shown()[0]!.attachments).toBeUndefined();
    expect(shown()[0]!.text).toContain('orders/orders-ecs');
  });

  it('refuses an unknown token (invalid_auth) and reads the token again on the next attempt', async () => {
    const wrong = createBotTokenSource({
      ssm: { getParameter: async () => (tokenReads++, TOKEN.replace('T0ken', 'Wr0ng')) },
      parameterName: TOKEN_PARAMETER,
    });
    const app = createAppPoster({ tokens: wrong, apiUrl: slack.apiUrl, log });
    const error = await notifyDeploymentEvent(ordersStart(), deps({ app })).catch((x) => x);
    expect(error.details).toMatchObject({ code: 'invalid_auth', permanent: true });
    expect(errorsLogged()[0]).toMatchObject({ slackError: 'invalid_auth', route: 'orders' });
    // A token rotated in SSM is picked up without waiting for the cache to expire.
    await notifyDeploymentEvent(ordersStart(), deps({ app })).catch(() => undefined);
    expect(tokenReads).toBe(2);
  });

  it('does not retry fatal_error: it says the alert may be in Slack and that a retry may post it twice', async () => {
    script = [{ error: 'fatal_error', after: true }];
    const error = await notifyDeploymentEvent(ordersStart(), deps()).catch((x) => x);
    expect(error.details).toMatchObject({ code: 'fatal_error', uncertain: true, permanent: false, attempts: 1 });
    expect(slack.api.calls).toHaveLength(1);
    expect(shown()).toHaveLength(1);
    expect(errorsLogged()[0]!.message).toMatch(/may have been posted, and a retry may post it twice/);
  });
});

describe('webhook mode, with the same ledger', () => {
  it('turns a duplicate event away: one webhook post', async () => {
    const e = checkoutFailure();
    expect(await notifyDeploymentEvent(e, deps())).toMatchObject({ posted: true, route: 'checkout' });
    expect(await notifyDeploymentEvent(e, deps())).toMatchObject({ posted: false, duplicate: true });
    expect(slack.messages.map((m) => m.path)).toEqual(['/hooks/checkout']);
  });

  it('keeps the default on the stage webhook without defaultChannel', async () => {
    const plain = parseSettings({});
    const e = ordersStart();
    expect(await notifyDeploymentEvent(e, deps({ settings: plain }))).toMatchObject({ posted: true, route: 'default' });
    expect(slack.messages.map((m) => m.path)).toEqual(['/hooks/default']);
    expect(shown()).toEqual([]);
  });
});

describe('retries after a partial success', () => {
  it('a retry after the post succeeded but the invocation died posts nothing again', async () => {
    const e = ordersStart();
    const ledger = createEventLedger({ dynamodb: dynamoDbPortOver(table.client()), table: TABLE, clock });
    // The invocation dies right after the post was recorded, before it could say it was complete.
    const dying = { ...ledger, complete: () => new Promise<void>(() => {}) };
    const first = notifyDeploymentEvent(e, deps({ ledger: dying, deadline: deadlineAt(Date.now() + 20_000) }));
    await vi.waitFor(() => expect(shown()).toHaveLength(1));
    void first;
    // Lambda retries a timed-out invocation after its claim has run out.
    now += 60_000;
    const retried = await notifyDeploymentEvent(e, deps({ ledger }));
    expect(retried).toMatchObject({ posted: false, duplicate: true });
    expect(shown()).toHaveLength(1);
  });

  it('a retry after a failed reply posts only the reply, in the thread of the message posted before', async () => {
    const e = ordersStart();
    const steps = [
      { id: 'post', message: { text: 'deployment failed' } },
      { id: 'reply-1', message: { text: 'the failed hook' }, replyTo: 'post' },
      { id: 'reply-2', message: { text: 'the log tail' }, replyTo: 'post' },
    ];
    script = [undefined, undefined, { error: 'service_unavailable' }, { error: 'service_unavailable' }];
    const destination = { route: 'orders', channel: ORDERS };
    const app = createAppPoster({
      tokens: createBotTokenSource({ ssm, parameterName: TOKEN_PARAMETER }),
      apiUrl: slack.apiUrl,
      maxAttempts: 2,
      sleep: async () => {},
      log,
    });
    await expect(postSteps(destination, steps, keyOf(e), deps({ app }))).rejects.toThrow(SlackDeliveryError);
    expect(shown()).toHaveLength(1);
    expect(shown()[0]!.replies.map((r) => r.text)).toEqual(['the failed hook']);

    const retried = await postSteps(destination, steps, keyOf(e), deps({ app }));
    expect(retried).toMatchObject({ posted: true, attempts: 1 });
    expect(shown()).toHaveLength(1);
    expect(shown()[0]!.replies.map((r) => r.text)).toEqual(['the failed hook', 'the log tail']);
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'event retried: posting only the steps Slack does not have',
        done: ['post', 'reply-1'],
        pending: ['reply-2'],
      }),
    );
  });

  it('a second invocation of an event another one is posting fails, for Lambda to retry later', async () => {
    const e = ordersStart();
    const ledger = createEventLedger({ dynamodb: dynamoDbPortOver(table.client()), table: TABLE, clock });
    const held = await ledger.claim(keyOf(e), deadlineAt(Date.now() + 30_000));
    expect(held.status).toBe('claimed');
    await expect(notifyDeploymentEvent(e, deps())).rejects.toThrow(EventInProgressError);
    expect(shown()).toEqual([]);
  });
});

describe('the state table in trouble', () => {
  it.each([
    ['down', 'failing'],
    ['throttled past the deadline', 'throttled'],
  ] as const)('%s: the alert is posted anyway, with a warning', async (_, mode) => {
    table.setMode(mode);
    const e = ordersStart();
    expect(await notifyDeploymentEvent(e, deps())).toMatchObject({ posted: true });
    expect(shown()).toHaveLength(1);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'state table unavailable: posting without the exactly-once guarantee',
        eventId: e.id,
      }),
    );
    expect(errorsLogged()).toEqual([]);
  });

  it('not answering at all: the alert still goes out within the deadline', async () => {
    table.setMode('hang');
    // Each table call has a short budget of its own (here shorter still), so the post is never starved.
    const ledger = createEventLedger({
      dynamodb: dynamoDbPortOver(table.client()),
      table: TABLE,
      callBudgetMs: 300,
      attemptTimeoutMs: 100,
    });
    const deadline = deadlineAt(Date.now() + 2_000);
    expect(await notifyDeploymentEvent(ordersStart(), deps({ ledger, deadline }))).toMatchObject({ posted: true });
    expect(shown()).toHaveLength(1);
  });

  it('failing after the post: the alert counts as posted, and the lost record is an error line', async () => {
    const e = ordersStart();
    const local = await startSlackReceiver({
      api: {
        tokens: [TOKEN],
        channels: { [ORDERS]: { name: 'orders' } },
        // The table fails the moment Slack has the message.
        onPost: () => table.setMode('failing'),
      },
    });
    try {
      const app = createAppPoster({
        tokens: createBotTokenSource({ ssm, parameterName: TOKEN_PARAMETER }),
        apiUrl: local.apiUrl,
        log,
      });
      expect(await notifyDeploymentEvent(e, deps({ app }))).toMatchObject({ posted: true });
      expect(local.api.channel(ORDERS)).toHaveLength(1);
      expect(errorsLogged()).toContainEqual(
        expect.objectContaining({
          message: 'posted, but the state table did not record it: a retry of this event may post it again',
          eventId: e.id,
          route: 'orders',
        }),
      );
    } finally {
      await local.close();
    }
  });
});

describe('the DynamoDB endpoint', () => {
  it('follows AWS_ENDPOINT_URL_DYNAMODB on its own, wherever AWS_ENDPOINT_URL points', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:9');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', table.url);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    try {
      const ledger = createEventLedger({ dynamodb: createDynamoDbPort({ region: 'us-east-1' }), table: TABLE });
      const claim = await ledger.claim(
        { account: '111122223333', region: 'eu-west-1', eventId: randomUUID() },
        deadlineAt(Date.now() + 5_000),
      );
      expect(claim.status).toBe('claimed');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
