import type { Logger } from '../log.js';
import { log as processLog } from '../log.js';
import { type Metrics, metrics as processMetrics } from '../metrics.js';
import { retry } from '../retry.js';
import { keepStart } from '../text.js';
import { type Deadline, type Sleep, realSleep } from '../time.js';
import { type SlackMessage, textOnly } from './blocks.js';

/**
 * Posts to a Slack incoming webhook with the semantics `@slack/webhook` 8.x lacks (its
 * IncomingWebhook has no request timeout by default and does not read Retry-After): a
 * timeout on every request, Retry-After honoured on 429, bounded retries on 5xx and network
 * errors within the invocation's remaining time, and permanent errors surfaced at once, so that
 * the invocation fails and the event reaches the dead-letter queue instead of looking delivered.
 */

/** Slack's plain-text error bodies that no retry will fix. */
export const PERMANENT_ERRORS = [
  'invalid_payload',
  'invalid_blocks',
  'action_prohibited',
  'channel_not_found',
  'channel_is_archived',
  'no_service',
  'no_team',
  'invalid_token',
  'user_not_found',
  'team_disabled',
  'posting_to_general_channel_denied',
] as const;

export class SlackDeliveryError extends Error {
  override name = 'SlackDeliveryError';
  constructor(
    message: string,
    readonly details: {
      status?: number;
      code?: string;
      permanent: boolean;
      attempts: number;
      /** Slack may have taken the message even so (app mode's `fatal_error`): a retry may post it twice. */
      uncertain?: boolean;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

class AttemptError extends Error {
  override name = 'AttemptError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly retryAfterMs: number | undefined,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface WebhookSenderOptions {
  fetch?: typeof fetch;
  sleep?: Sleep;
  /** Per-request timeout. */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Used when a 429 carries no usable Retry-After. */
  defaultRetryAfterMs?: number;
  random?: () => number;
  log?: Logger;
  /** Counts Slack's 429s (default: the process's recorder). */
  metrics?: Metrics;
}

export interface DeliveryResult {
  attempts: number;
  /** True when Slack rejected the blocks and the text-only fallback was delivered instead. */
  degraded: boolean;
}

export interface WebhookSender {
  send(url: string, message: SlackMessage, deadline: Deadline): Promise<DeliveryResult>;
}

const parseRetryAfter = (value: string | null, fallbackMs: number): number => {
  if (!value) return fallbackMs;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - Date.now());
};

export const createWebhookSender = (options: WebhookSenderOptions = {}): WebhookSender => {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const logger = options.log ?? processLog;

  const post = async (url: string, message: SlackMessage, deadline: Deadline): Promise<void> => {
    const budget = Math.min(timeoutMs, deadline.remainingMs());
    if (budget <= 0) throw new AttemptError('no time left to post', undefined, 'deadline', undefined, false);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(budget),
        // A webhook URL answers or fails; a redirect would carry the message (and the URL's
        // secret path) somewhere else. `@slack/webhook` refuses redirects the same way.
        redirect: 'error',
      });
    } catch (error) {
      if (error instanceof Error && error.cause instanceof Error && /redirect/i.test(error.cause.message))
        throw new AttemptError(
          'the webhook answered with a redirect, which is not followed',
          undefined,
          'redirect',
          undefined,
          false,
          {
            cause: error,
          },
        );
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new AttemptError(
        timedOut ? `no answer within ${budget} ms` : 'network error',
        undefined,
        timedOut ? 'timeout' : 'network',
        undefined,
        true,
        { cause: error },
      );
    }
    const body = keepStart((await response.text().catch(() => '')).trim(), 200);
    if (response.ok) return;
    const code = body.split(/\s/)[0] || undefined;
    if (response.status === 429) {
      const after = parseRetryAfter(response.headers.get('retry-after'), options.defaultRetryAfterMs ?? 1_000);
      throw new AttemptError('rate limited', 429, code ?? 'rate_limited', after, true);
    }
    const transient = response.status >= 500 && !(PERMANENT_ERRORS as readonly string[]).includes(code ?? '');
    throw new AttemptError(
      `HTTP ${response.status}${body ? `: ${body}` : ''}`,
      response.status,
      code,
      undefined,
      transient,
    );
  };

  const deliver = async (url: string, message: SlackMessage, deadline: Deadline) => {
    let attempts = 0;
    try {
      await retry(
        async () => {
          attempts += 1;
          await post(url, message, deadline);
        },
        {
          maxAttempts,
          deadline,
          sleep: options.sleep ?? realSleep,
          random: options.random,
          baseDelayMs: 500,
          maxDelayMs: 8_000,
          classify: (error) => {
            if (error instanceof AttemptError && error.status === 429)
              (options.metrics ?? processMetrics).add('SlackRateLimited', { mode: 'webhook' });
            if (!(error instanceof AttemptError) || !error.transient) return false;
            return error.retryAfterMs === undefined ? true : { afterMs: error.retryAfterMs };
          },
          onRetry: (error, attempt, delayMs) =>
            logger.warn('slack delivery failed, retrying', { attempt, delayMs, error }),
        },
      );
      return attempts;
    } catch (error) {
      const last =
        error instanceof AttemptError
          ? error
          : error instanceof Error && error.cause instanceof AttemptError
            ? error.cause
            : undefined;
      throw new SlackDeliveryError(
        `Slack webhook delivery failed after ${attempts} attempt(s): ${last?.message ?? String(error)}`,
        { status: last?.status, code: last?.code, permanent: last ? !last.transient : false, attempts },
        { cause: error },
      );
    }
  };

  return {
    async send(url, message, deadline) {
      try {
        return { attempts: await deliver(url, message, deadline), degraded: false };
      } catch (error) {
        // A message Slack cannot render must still reach people: resend its plain text once.
        if (
          error instanceof SlackDeliveryError &&
          error.details.code === 'invalid_blocks' &&
          message.attachments?.length
        ) {
          logger.warn('slack rejected the blocks, sending the text-only fallback', { status: error.details.status });
          const attempts = await deliver(url, textOnly(message), deadline);
          return { attempts: error.details.attempts + attempts, degraded: true };
        }
        throw error;
      }
    },
  };
};
