import { afterEach, describe, expect, it } from 'vitest';
import { type SlackReceiver, type ScriptedAnswer, startSlackReceiver } from '../../local/standins/slack.js';
import { DeadlineExceededError } from '../../lib/retry.js';
import { SlackDeliveryError, createWebhookSender } from '../../lib/alerts/webhook.js';
import { deadlineAt } from '../../lib/time.js';
import { createLogger } from '../../lib/log.js';
import { loneSurrogatesIn } from '../support/unicode.js';

const message = {
  text: 'checkout/checkout-prod: deployment failed',
  attachments: [
    { color: '#E01E5A', blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'hello' } }] },
  ],
};
const quiet = createLogger({ write: () => {} });
const roomy = () => deadlineAt(Date.now() + 60_000);

let receiver: SlackReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const serve = async (answers: ScriptedAnswer[]) => {
  receiver = await startSlackReceiver({ script: (_r, i) => answers[i] ?? { status: 200, body: 'ok' } });
  return receiver;
};

/** A sleep that records what it was asked to wait and returns at once. */
const recordingSleep = () => {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
};

describe('webhook delivery', () => {
  it('waits the Retry-After Slack asks for on 429, then delivers once', async () => {
    const slack = await serve([{ status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } }]);
    const { waits, sleep } = recordingSleep();
    const result = await createWebhookSender({ sleep, log: quiet }).send(slack.urlFor('a'), message, roomy());
    expect(waits).toEqual([1_000]);
    expect(result).toEqual({ attempts: 2, degraded: false });
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]!.body.text).toBe(message.text);
  });

  it('gives up with a transient error after repeated 500s', async () => {
    const slack = await serve(Array.from({ length: 10 }, () => ({ status: 500, body: 'rollup_error' })));
    const { waits, sleep } = recordingSleep();
    const error = await createWebhookSender({ sleep, maxAttempts: 4, log: quiet, random: () => 1 })
      .send(slack.urlFor('a'), message, roomy())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackDeliveryError);
    expect((error as SlackDeliveryError).details).toMatchObject({ status: 500, permanent: false, attempts: 4 });
    expect(slack.requests).toHaveLength(4);
    expect(waits).toHaveLength(3);
    expect(slack.messages).toHaveLength(0);
  });

  it('does not follow a redirect: the message stays unsent and the failure is permanent', async () => {
    const elsewhere = await startSlackReceiver({ script: () => ({ status: 200, body: 'ok' }) });
    try {
      const slack = await serve([{ status: 302, body: '', headers: { location: elsewhere.urlFor('stolen') } }]);
      const { waits, sleep } = recordingSleep();
      const error = await createWebhookSender({ sleep, log: quiet })
        .send(slack.urlFor('a'), message, roomy())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SlackDeliveryError);
      expect((error as SlackDeliveryError).details).toMatchObject({ code: 'redirect', permanent: true, attempts: 1 });
      expect(elsewhere.requests).toHaveLength(0);
      expect(waits).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('fails at once, permanently, on 404 channel_not_found', async () => {
    const slack = await serve([{ status: 404, body: 'channel_not_found' }]);
    const { waits, sleep } = recordingSleep();
    const error = await createWebhookSender({ sleep, log: quiet })
      .send(slack.urlFor('a'), message, roomy())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackDeliveryError);
    expect((error as SlackDeliveryError).details).toMatchObject({
      status: 404,
      code: 'channel_not_found',
      permanent: true,
      attempts: 1,
    });
    expect(slack.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('treats 410 channel_is_archived and 403 action_prohibited as permanent', async () => {
    for (const [status, body] of [
      [410, 'channel_is_archived'],
      [403, 'action_prohibited'],
    ] as const) {
      const slack = await serve([{ status, body }]);
      const error = await createWebhookSender({ sleep: async () => {}, log: quiet })
        .send(slack.urlFor('a'), message, roomy())
        .catch((e: unknown) => e);
      expect((error as SlackDeliveryError).details).toMatchObject({ status, code: body, permanent: true, attempts: 1 });
      await slack.close();
      receiver = undefined;
    }
  });

  it('abandons a request that gets no answer after its timeout, and retries', async () => {
    const slack = await serve(['hang', { status: 200, body: 'ok' }]);
    const { sleep } = recordingSleep();
    const result = await createWebhookSender({ sleep, timeoutMs: 200, log: quiet }).send(
      slack.urlFor('a'),
      message,
      roomy(),
    );
    expect(result.attempts).toBe(2);
    expect(slack.messages).toHaveLength(1);
  });

  it('ends in a timeout error when the server never answers', async () => {
    const slack = await serve(['hang', 'hang']);
    const error = await createWebhookSender({ sleep: async () => {}, timeoutMs: 150, maxAttempts: 2, log: quiet })
      .send(slack.urlFor('a'), message, roomy())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackDeliveryError);
    expect((error as SlackDeliveryError).details).toMatchObject({ code: 'timeout', permanent: false, attempts: 2 });
  });

  it('does not wait past the invocation deadline for a long Retry-After', async () => {
    const slack = await serve([{ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } }]);
    const { waits, sleep } = recordingSleep();
    const error = await createWebhookSender({ sleep, log: quiet })
      .send(slack.urlFor('a'), message, deadlineAt(Date.now() + 5_000))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackDeliveryError);
    expect((error as SlackDeliveryError).cause).toBeInstanceOf(DeadlineExceededError);
    expect(waits).toEqual([]);
  });

  it('resends the text alone when Slack rejects the blocks', async () => {
    const slack = await serve([{ status: 400, body: 'invalid_blocks' }]);
    const result = await createWebhookSender({ sleep: async () => {}, log: quiet }).send(
      slack.urlFor('a'),
      message,
      roomy(),
    );
    expect(result).toEqual({ attempts: 2, degraded: true });
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]!.body).toEqual({ text: message.text });
  });

  it('logs and reports an error body of emoji cut between characters, never inside one', async () => {
    const body = `rollup_error ${'🟢'.repeat(200)}`;
    const slack = await serve([
      { status: 500, body },
      { status: 500, body },
    ]);
    const lines: string[] = [];
    const error = await createWebhookSender({
      sleep: async () => {},
      maxAttempts: 2,
      log: createLogger({ write: (line) => void lines.push(line) }),
    })
      .send(slack.urlFor('a'), message, roomy())
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SlackDeliveryError);
    expect(loneSurrogatesIn((error as Error).message)).toEqual([]);
    expect((error as Error).message).toContain('rollup_error 🟢🟢');
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!);
    expect(logged.message).toBe('slack delivery failed, retrying');
    expect(loneSurrogatesIn(logged)).toEqual([]);
    expect(logged.error.message).toContain('rollup_error 🟢🟢');
  });
});
