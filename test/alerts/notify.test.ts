import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallBudget } from '../../lib/aws/call.js';
import { createLogger } from '../../lib/log.js';
import { createMetrics } from '../../lib/metrics.js';
import { notifyAlarmEvent } from '../../lib/alerts/notify-alarm.js';
import { notifyDeploymentEvent } from '../../lib/alerts/notify-deployment.js';
import { parseSettings } from '../../lib/settings/all.js';
import { COLOUR, LIMITS, type Severity, type SlackMessage } from '../../lib/alerts/blocks.js';
import { SlackDeliveryError, createWebhookSender } from '../../lib/alerts/webhook.js';
import { createWebhookUrlResolver } from '../../lib/alerts/webhook-url.js';
import { deadlineAt } from '../../lib/time.js';
import { type ScriptedAnswer, type SlackReceiver, startSlackReceiver } from '../../local/standins/slack.js';
import { loadEvent } from '../support/fixtures.js';
import { sampleDetails } from '../support/sample-deployments.js';

let slack: SlackReceiver;
let script: ScriptedAnswer[] = [];
const lines: any[] = [];
const log = createLogger({ write: (l) => lines.push(JSON.parse(l)) });

beforeEach(async () => {
  script = [];
  lines.length = 0;
  slack = await startSlackReceiver({ script: (_r, i) => script[i] });
});
afterEach(() => slack.close());

const settings = parseSettings({
  slack: {
    routes: [
      { name: 'payments', match: { alarmTag: { team: 'payments' } }, webhookParameter: '/deploy-sentinel/t/payments' },
    ],
    mentions: { critical: ['<!here>'] },
  },
  deployments: { quiet: [{ application: 'search', states: ['START'] }] },
});

/** CodeDeploy as it answers for the sample deployments, in memory. */
const sampleCodeDeploy = (asked: string[] = []) => ({
  getDeployment: async (id: string) => {
    asked.push(id);
    return sampleDetails(id, false);
  },
  failedTargets: async (id: string) => {
    const { failedTargets = [], failedTargetCount = 0 } = sampleDetails(id) ?? {};
    return { failedTargets, failedTargetCount };
  },
});

/** Webhook parameters resolve to paths on the local receiver, as the SSM parameters would. */
const deps = (overrides: Record<string, unknown> = {}) => ({
  settings,
  defaultWebhookParameter: '/deploy-sentinel/t/default',
  urls: { resolve: async (name: string) => slack.urlFor(name.split('/').pop()!) },
  sender: createWebhookSender({ sleep: async () => {}, log }),
  deadline: deadlineAt(Date.now() + 30_000),
  log,
  codedeploy: sampleCodeDeploy(),
  impactOf: async () => [],
  ...overrides,
});

describe('deployment notifier', () => {
  it('posts a failure with why it failed, mentioning on-call, to the default webhook', async () => {
    const outcome = await notifyDeploymentEvent(loadEvent('codedeploy/deployment.failure.json'), deps());
    expect(outcome).toMatchObject({ posted: true, route: 'default' });
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]!.path).toBe('/hooks/default');
    expect(slack.messages[0]!.body.text).toMatch(
      /^<!here> ❌ checkout\/checkout-prod: deployment failed \(d-F41LED001\): HEALTH_CONSTRAINTS/,
    );
  });

  it('still alerts, and says so, when CodeDeploy cannot be read', async () => {
    const outcome = await notifyDeploymentEvent(
      loadEvent('codedeploy/deployment.failure.json'),
      deps({
        codedeploy: {
          ...sampleCodeDeploy(),
          getDeployment: async () =>
            Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
        },
      }),
    );
    expect(outcome.posted).toBe(true);
    expect(JSON.stringify(slack.messages[0]!.body)).toContain(
      'Details unavailable: CodeDeploy did not answer (ThrottlingException: Rate exceeded)',
    );
    expect(lines.some((l) => l.level === 'warn' && l.message.includes('details unavailable'))).toBe(true);
  });

  it('asks why targets failed only for FAILURE and STOP, within a share of the invocation', async () => {
    const asked: string[] = [];
    const budgets: CallBudget[] = [];
    const codedeploy = {
      getDeployment: async (id: string, budget: CallBudget) => {
        budgets.push(budget);
        return sampleDetails(id, false);
      },
      failedTargets: async (id: string) => {
        asked.push(id);
        return { failedTargets: [], failedTargetCount: 0 };
      },
    };
    await notifyDeploymentEvent(loadEvent('codedeploy/deployment.success.json'), deps({ codedeploy }));
    await notifyDeploymentEvent(loadEvent('codedeploy/deployment.stop.json'), deps({ codedeploy }));
    await notifyDeploymentEvent(loadEvent('codedeploy/deployment.failure.json'), deps({ codedeploy }));
    expect(asked).toEqual(['d-ST0PPED01', 'd-F41LED001']);
    for (const budget of budgets) expect(budget.deadline.remainingMs()).toBeLessThanOrEqual(7_500);
  });

  it('still alerts, and says so, when CodeDeploy does not know the deployment', async () => {
    const outcome = await notifyDeploymentEvent(
      loadEvent('codedeploy/deployment.failure.json'),
      deps({ codedeploy: { ...sampleCodeDeploy(), getDeployment: async () => undefined } }),
    );
    expect(outcome.posted).toBe(true);
    expect(JSON.stringify(slack.messages[0]!.body)).toContain(
      'Details unavailable: CodeDeploy does not know this deployment',
    );
  });

  it('posts a state CodeDeploy adds later as a deployment alert, enriched, at severity info', async () => {
    const described: string[] = [];
    const outcome = await notifyDeploymentEvent(
      loadEvent('codedeploy/deployment.paused.json'),
      deps({ codedeploy: sampleCodeDeploy(described) }),
    );
    expect(outcome).toMatchObject({ posted: true, route: 'default' });
    expect(described).toEqual(['d-ST4RT0001']);
    const body = slack.messages[0]!.body;
    expect(body.text).toMatch(/^ℹ️ search\/search-staging: deployment PAUSED \(d-ST4RT0001\)$/);
    expect(JSON.stringify(body)).toContain('search-api 5e0c8d2 to staging');
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('filters a new state like any other: posted without a states list, skipped when a list leaves it out', async () => {
    const listed = parseSettings({ deployments: { states: ['FAILURE', 'STOP'] } });
    const skipped = await notifyDeploymentEvent(
      loadEvent('codedeploy/deployment.paused.json'),
      deps({ settings: listed }),
    );
    expect(skipped).toEqual({ posted: false, skipped: 'state PAUSED is not in deployments.states' });
    const named = parseSettings({ deployments: { states: ['PAUSED'] } });
    expect(
      (await notifyDeploymentEvent(loadEvent('codedeploy/deployment.paused.json'), deps({ settings: named }))).posted,
    ).toBe(true);
  });

  it('skips a quiet state and logs why', async () => {
    const outcome = await notifyDeploymentEvent(loadEvent('codedeploy/deployment.start.json'), deps());
    expect(outcome).toEqual({ posted: false, skipped: 'search/search-staging is quiet for START' });
    expect(slack.requests).toHaveLength(0);
    expect(lines.filter((l) => l.message === 'alert skipped')).toHaveLength(1);
  });

  it('does not post instance events on their own by default', async () => {
    const outcome = await notifyDeploymentEvent(loadEvent('codedeploy/instance.failure.json'), deps());
    expect(outcome.posted).toBe(false);
    expect(slack.requests).toHaveLength(0);
  });

  it.each([
    ['STOP', 'warning', '<!channel>', 'warning'],
    ['FAILURE', 'critical', '<!here>', 'critical'],
    ['SUCCESS', 'success', undefined, 'success'],
  ])('routes, mentions and colours an instance %s alike: as %s', async (state, severity, mention, colour) => {
    const bySeverity = parseSettings({
      slack: {
        routes: [
          {
            name: 'by-severity',
            match: { kind: ['instance'], severity: [severity] },
            webhookParameter: '/deploy-sentinel/t/sev',
          },
        ],
        mentions: { critical: ['<!here>'], warning: ['<!channel>'] },
      },
      deployments: { instanceStates: ['STOP', 'FAILURE', 'SUCCESS'] },
    });
    const event = loadEvent('codedeploy/instance.failure.json');
    event.detail.state = state;
    const outcome = await notifyDeploymentEvent(event, deps({ settings: bySeverity }));
    expect(outcome).toMatchObject({ posted: true, route: 'by-severity' });
    const message = (outcome as { message: SlackMessage }).message;
    expect(message.attachments?.[0]?.color).toBe(COLOUR[colour as Severity]);
    if (mention) expect(slack.messages[0]!.body.text).toMatch(new RegExp(`^${mention}`));
    else expect(slack.messages[0]!.body.text).not.toMatch(/^</);
  });

  it.each(['invalid/deployment.missing-fields.json', 'invalid/not-an-eventbridge-event.json'])(
    'answers %s with one log line and a fallback alert showing what arrived',
    async (file) => {
      const outcome = await notifyDeploymentEvent(loadEvent(file), deps());
      expect(outcome.posted).toBe(true);
      const errors = lines.filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toContain('not understood');
      const body = JSON.stringify(slack.messages[0]!.body);
      expect(body).toContain('could not read');
      expect(body).toContain(errors[0].reason.slice(0, 30).replace(/"/g, '\\"'));
    },
  );

  it('answers a huge event of an unknown shape with a fallback alert that still fits Slack', async () => {
    const huge = {
      source: 'aws.codedeploy',
      'detail-type': 'CodeDeploy Deployment State-change Notification',
      detail: { blob: 'x'.repeat(500_000) },
    };
    const outcome = await notifyDeploymentEvent(huge, deps());
    expect(outcome.posted).toBe(true);
    expect(JSON.stringify(slack.messages[0]!.body).length).toBeLessThanOrEqual(LIMITS.message);
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(JSON.stringify(lines).length).toBeLessThan(10_000);
  });

  it('fails the invocation when Slack refuses the message, so the event is not lost', async () => {
    script = [{ status: 404, body: 'channel_not_found' }];
    const error = await notifyDeploymentEvent(loadEvent('codedeploy/deployment.failure.json'), deps()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SlackDeliveryError);
    expect((error as SlackDeliveryError).details.permanent).toBe(true);
  });

  it('fails the invocation when the webhook URL cannot be read', async () => {
    const error = await notifyDeploymentEvent(
      loadEvent('codedeploy/deployment.success.json'),
      deps({ urls: { resolve: async () => Promise.reject(new Error('ParameterNotFound')) } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(slack.requests).toHaveLength(0);
  });

  it('reports a deletion by the cleanup', async () => {
    await notifyDeploymentEvent(loadEvent('deploy-sentinel/cleanup.deleted.json'), deps());
    expect(slack.messages[0]!.body.text).toContain(
      'deleted orphaned Auto Scaling group: CodeDeploy_checkout-prod_d-F41LED001',
    );
  });
});

describe('alert metrics', () => {
  /** Each metric with its dimensions, summed, as CloudWatch would aggregate them. */
  const counting = () => {
    const metrics = createMetrics({ log });
    const totals = () => {
      const out: Record<string, number> = {};
      for (const d of metrics.pending()) {
        const key = `${d.name} ${JSON.stringify(d.dimensions)}`;
        out[key] = (out[key] ?? 0) + d.value;
      }
      return out;
    };
    return {
      metrics,
      totals,
      deps: () => deps({ metrics, sender: createWebhookSender({ sleep: async () => {}, log, metrics }) }),
    };
  };

  it('counts a posted alert by kind and mode, with its Slack attempts and 429s', async () => {
    const c = counting();
    script = [{ status: 429, body: 'rate_limited', headers: { 'retry-after': '0' } }];
    await notifyDeploymentEvent(loadEvent('codedeploy/deployment.failure.json'), c.deps());
    await notifyAlarmEvent(loadEvent('cloudwatch/alarm.tagged.json'), c.deps());
    expect(c.totals()).toEqual({
      'SlackRateLimited {"mode":"webhook"}': 1,
      'AlertsPosted {"kind":"deployment","mode":"webhook"}': 1,
      'AlertsPosted {"kind":"alarm","mode":"webhook"}': 1,
      'SlackAttempts {"mode":"webhook"}': 3,
    });
  });

  it('counts an alert posted as plain text as degraded', async () => {
    const c = counting();
    script = [{ status: 400, body: 'invalid_blocks' }];
    await notifyDeploymentEvent(loadEvent('codedeploy/deployment.failure.json'), c.deps());
    expect(c.totals()).toMatchObject({
      'AlertsPosted {"kind":"deployment","mode":"webhook"}': 1,
      'AlertsDegraded {"kind":"deployment","mode":"webhook"}': 1,
      'SlackAttempts {"mode":"webhook"}': 2,
    });
  });

  it('counts an alert Slack refused, or whose webhook could not be read, as failed', async () => {
    const c = counting();
    script = [{ status: 404, body: 'channel_not_found' }];
    await expect(notifyDeploymentEvent(loadEvent('codedeploy/deployment.failure.json'), c.deps())).rejects.toThrow();
    await expect(
      notifyDeploymentEvent(loadEvent('deploy-sentinel/cleanup.deleted.json'), {
        ...c.deps(),
        urls: { resolve: async () => Promise.reject(new Error('ParameterNotFound')) },
      }),
    ).rejects.toThrow();
    expect(c.totals()).toEqual({
      'AlertsFailed {"kind":"deployment","mode":"webhook"}': 1,
      'SlackAttempts {"mode":"webhook"}': 1,
      'AlertsFailed {"kind":"cleanup","mode":"webhook"}': 1,
    });
  });
});

describe('alarm notifier', () => {
  it('routes a tagged alarm to its team webhook', async () => {
    const outcome = await notifyAlarmEvent(loadEvent('cloudwatch/alarm.tagged.json'), deps());
    expect(outcome).toMatchObject({ posted: true, route: 'payments' });
    expect(slack.messages[0]!.path).toBe('/hooks/payments');
  });

  it.each([
    ['cloudwatch/alarm.target-tracking.json', 'ignored prefix TargetTracking-'],
    ['cloudwatch/alarm.insufficient-data.json', 'INSUFFICIENT_DATA is not in alarms.states'],
  ])('skips %s', async (file, reason) => {
    const outcome = await notifyAlarmEvent(loadEvent(file), deps());
    expect(outcome.posted).toBe(false);
    expect((outcome as { skipped: string }).skipped).toContain(reason);
    expect(slack.requests).toHaveLength(0);
  });

  it('posts OK only when it ends an ALARM', async () => {
    const ok = loadEvent('cloudwatch/alarm.threshold-ok.json');
    expect((await notifyAlarmEvent(ok, deps())).posted).toBe(true);
    ok.detail.previousState.value = 'INSUFFICIENT_DATA';
    expect((await notifyAlarmEvent(ok, deps())).posted).toBe(false);
  });

  it('alerts without the deployment groups when CodeDeploy cannot be read', async () => {
    const outcome = await notifyAlarmEvent(
      loadEvent('cloudwatch/alarm.threshold-alarm.json'),
      deps({ impactOf: async () => Promise.reject(new Error('ListApplications failed')) }),
    );
    expect(outcome.posted).toBe(true);
    expect(JSON.stringify(slack.messages[0]!.body)).toContain('Deployment groups unavailable');
  });

  it('names the in-progress deployment the alarm will stop', async () => {
    await notifyAlarmEvent(
      loadEvent('cloudwatch/alarm.threshold-alarm.json'),
      deps({
        impactOf: async () => [
          {
            application: 'checkout',
            deploymentGroup: 'checkout-prod',
            effect: 'stop-and-roll-back',
            inProgressDeployments: ['d-ABCDEFGH1'],
          },
        ],
      }),
    );
    expect(JSON.stringify(slack.messages[0]!.body)).toContain('This alarm will stop and roll back');
  });
});

describe('webhook URLs', () => {
  const deadline = deadlineAt(Date.now() + 30_000);

  it('are read from SSM once, within the invocation, then cached for the TTL', async () => {
    const asked: Array<[string, CallBudget]> = [];
    let now = 0;
    const ssm = {
      getParameter: async (name: string, budget: CallBudget) => {
        asked.push([name, budget]);
        return 'https://127.0.0.1:9/hooks/ssm-held';
      },
    };
    const urls = createWebhookUrlResolver({ ssm, clock: () => now, ttlMs: 1_000 });
    expect(await urls.resolve('/deploy-sentinel/x', deadline)).toBe('https://127.0.0.1:9/hooks/ssm-held');
    await urls.resolve('/deploy-sentinel/x', deadline);
    expect(asked).toEqual([['/deploy-sentinel/x', expect.objectContaining({ deadline })]]);
    now = 1_001;
    await urls.resolve('/deploy-sentinel/x', deadline);
    expect(asked).toHaveLength(2);
  });

  it('fail clearly, and are not cached, when SSM cannot be read or holds no URL', async () => {
    let answer: () => Promise<string | undefined> = async () =>
      Promise.reject(Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' }));
    const urls = createWebhookUrlResolver({ ssm: { getParameter: async () => answer() } });
    const missing = await urls.resolve('/deploy-sentinel/x', deadline).catch((e: unknown) => e);
    expect(missing).toMatchObject({
      name: 'WebhookUrlError',
      message: 'could not read the webhook URL from SSM parameter /deploy-sentinel/x',
      cause: expect.objectContaining({ name: 'ParameterNotFound' }),
    });
    answer = async () => 'not a url';
    await expect(urls.resolve('/deploy-sentinel/x', deadline)).rejects.toThrow(/does not hold a webhook URL/);
  });

  it('the override wins, for local runs', async () => {
    const urls = createWebhookUrlResolver({
      ssm: {
        getParameter: async () => {
          throw new Error('must not be called');
        },
      },
      override: 'http://127.0.0.1:9/hook',
    });
    expect(await urls.resolve('/deploy-sentinel/any', deadline)).toBe('http://127.0.0.1:9/hook');
  });
});

describe("the service's own dead-letter alarm", () => {
  it('reaches Slack through the alarm notifier, saying how to re-drive', async () => {
    const outcome = await notifyAlarmEvent(loadEvent('cloudwatch/alarm.dead-letters.json'), deps());
    expect(outcome.posted).toBe(true);
    const body = JSON.stringify(slack.messages[0]!.body);
    expect(slack.messages[0]!.body.text).toContain('deploy-sentinel-prod-dead-letters: OK → ALARM');
    expect(body).toContain('npm run redrive -- --stage prod');
  });
});
