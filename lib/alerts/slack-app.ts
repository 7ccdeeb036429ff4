import type { ChatPostMessageArguments, Logger as SlackLogger, WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';
import { log as processLog } from '../log.js';
import { type Metrics, metrics as processMetrics } from '../metrics.js';
import { DeadlineExceededError, retry } from '../retry.js';
import { type Deadline, type Sleep, realSleep } from '../time.js';
import { type SlackMessage, textOnly } from './blocks.js';
import type { BotTokenSource } from './bot-token.js';
import { SlackDeliveryError } from './webhook.js';

/**
 * App mode: chat.postMessage with the Slack app's bot token, through the official `@slack/web-api`
 * client configured for a Lambda. Its defaults suit a long-running process, not an invocation with
 * a deadline: no request timeout, ten retries over about thirty minutes, and rate-limited calls
 * paused for Retry-After. Here every request has a timeout, the client never retries on its own
 * (`retries: 0`) and hands a 429 back (`rejectRateLimitedCalls`), and the service's own retry loop
 * waits for Retry-After only while the invocation has time.
 *
 * What Slack's errors mean (https://docs.slack.dev/reference/methods/chat.postMessage#errors,
 * https://docs.slack.dev/apis/web-api/rate-limits):
 * - `ratelimited` (HTTP 429), `service_unavailable`, `internal_error`, `request_timeout`, HTTP 5xx and
 *   network failures are transient: retried.
 * - `fatal_error` means the server failed part way: the message may or may not exist. Retrying at
 *   once could post it twice, so it is not retried here; the invocation fails and says so.
 * - Everything else (`channel_not_found`, `not_in_channel`, `is_archived`, `invalid_auth`,
 *   `missing_scope`, `msg_too_long`, …) is permanent: no retry will fix it.
 */

export const TRANSIENT_ERRORS = ['ratelimited', 'service_unavailable', 'internal_error', 'request_timeout'] as const;
/** The token is not (or no longer) good: the cached one is dropped. */
export const TOKEN_ERRORS = [
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
] as const;
export const UNCERTAIN_ERRORS = ['fatal_error'] as const;

/** Where a posted message is: what threads and edits need. */
export interface PostedMessage {
  channel: string;
  ts: string;
}

export interface AppPostResult extends PostedMessage {
  attempts: number;
  degraded: boolean;
}

/** How a reply is posted: `broadcast` also shows it in the channel (`reply_broadcast`). */
export interface PostOptions {
  broadcast?: boolean;
}

export interface AppPoster {
  /** Posts to a channel ID, in the thread of `threadTs` when given; throws SlackDeliveryError. */
  post(
    channel: string,
    message: SlackMessage,
    deadline: Deadline,
    threadTs?: string,
    options?: PostOptions,
  ): Promise<AppPostResult>;
}

/** App mode's edits and links, on top of posting: what a conversation per deployment needs. */
export interface AppEditor extends AppPoster {
  /**
   * Replaces a message with `message`, whole: chat.update keeps the blocks and attachments it is
   * not sent, so absent ones are sent empty. Throws SlackDeliveryError.
   */
  update(channel: string, ts: string, message: SlackMessage, deadline: Deadline): Promise<{ attempts: number }>;
  /** The message's permalink (chat.getPermalink). Throws SlackDeliveryError. */
  permalink(channel: string, ts: string, deadline: Deadline): Promise<string>;
}

export interface AppPosterOptions {
  tokens: BotTokenSource;
  /** The Web API's base URL: Slack's own deployed (SLACK_API_URL in config). */
  apiUrl: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  maxAttempts?: number;
  sleep?: Sleep;
  random?: () => number;
  log?: Logger;
  /** Counts Slack's 429s (default: the process's recorder). */
  metrics?: Metrics;
}

/** The Web API client and its error classes, loaded on the first call (see slack-web-api.ts). */
type WebApi = typeof import('./slack-web-api.js');
let webApi: Promise<WebApi> | undefined;
const loadWebApi = (): Promise<WebApi> =>
  (webApi ??= import('./slack-web-api.js').catch((error: unknown) => {
    webApi = undefined; // a failed load is retried by the next call
    throw error;
  }));

/** The client's own lines go to the service's logger, at debug level, as JSON like every other. */
const slackLogger = (logger: Logger, { LogLevel }: WebApi): SlackLogger => {
  let level = LogLevel.WARN;
  const line = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  return {
    debug: (...args) => logger.debug(`slack web api: ${line(args)}`),
    info: (...args) => logger.debug(`slack web api: ${line(args)}`),
    warn: (...args) => logger.debug(`slack web api: ${line(args)}`),
    error: (...args) => logger.debug(`slack web api: ${line(args)}`),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
};

/** Slack's error code, HTTP status and whether to retry, for any error the client throws. */
const classify = (
  error: unknown,
  api: WebApi | undefined,
): { code?: string; status?: number; verdict: boolean | { afterMs: number } } => {
  if (!api) return { verdict: false };
  const { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } = api;
  if (error instanceof WebAPIRateLimitedError)
    return { code: 'ratelimited', status: 429, verdict: { afterMs: error.retryAfter * 1000 } };
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    return { code, verdict: (TRANSIENT_ERRORS as readonly string[]).includes(code) };
  }
  if (error instanceof WebAPIHTTPError)
    return { code: `http_${error.statusCode}`, status: error.statusCode, verdict: error.statusCode >= 500 };
  if (error instanceof WebAPIRequestError) {
    const timedOut = error.original.name === 'TimeoutError' || error.original.name === 'AbortError';
    return { code: timedOut ? 'timeout' : 'network', verdict: true };
  }
  return { verdict: false };
};

export const createAppPoster = (options: AppPosterOptions): AppEditor => {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const logger = options.log ?? processLog;
  const apiUrl = options.apiUrl.replace(/\/?$/, '/');
  let api: WebApi | undefined;
  let clientLogger: SlackLogger | undefined;

  /** One attempt of a Web API call, with a client whose timeout is the request's share of the invocation. */
  const once = async <T>(deadline: Deadline, run: (client: WebClient) => Promise<T>): Promise<T> => {
    const budget = Math.min(timeoutMs, deadline.remainingMs());
    if (budget <= 0) throw new DeadlineExceededError('no time left to call Slack');
    api ??= await loadWebApi();
    clientLogger ??= slackLogger(logger, api);
    const token = await options.tokens.token(deadline);
    const client = new api.WebClient(token, {
      slackApiUrl: apiUrl,
      timeout: budget,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: clientLogger,
    });
    return run(client);
  };

  /** A Web API call retried as the module comment says; failures end in SlackDeliveryError. */
  const call = async <T>(
    method: string,
    deadline: Deadline,
    run: (client: WebClient) => Promise<T>,
  ): Promise<T & { attempts: number }> => {
    let attempts = 0;
    let last: ReturnType<typeof classify> = { verdict: false };
    try {
      const answer = await retry(
        async () => {
          attempts += 1;
          return once(deadline, run);
        },
        {
          maxAttempts,
          deadline,
          sleep: options.sleep ?? realSleep,
          random: options.random,
          baseDelayMs: 500,
          maxDelayMs: 8_000,
          classify: (error) => {
            last = classify(error, api);
            if (last.status === 429) (options.metrics ?? processMetrics).add('SlackRateLimited', { mode: 'app' });
            if (last.code && (TOKEN_ERRORS as readonly string[]).includes(last.code)) options.tokens.forget();
            return last.verdict;
          },
          onRetry: (error, attempt, delayMs) =>
            logger.warn('slack delivery failed, retrying', { method, attempt, delayMs, code: last.code, error }),
        },
      );
      return { ...answer, attempts };
    } catch (error) {
      const code = last.code;
      const uncertain = (UNCERTAIN_ERRORS as readonly string[]).includes(code ?? '');
      throw new SlackDeliveryError(
        `Slack ${method} failed after ${attempts} attempt(s): ${code ?? (error instanceof Error ? error.message : String(error))}`,
        {
          status: last.status,
          code,
          permanent: last.verdict === false && !uncertain && !(error instanceof DeadlineExceededError),
          attempts,
          ...(uncertain ? { uncertain } : {}),
        },
        { cause: error },
      );
    }
  };

  const deliver = (
    channel: string,
    message: SlackMessage,
    deadline: Deadline,
    threadTs?: string,
    postOptions: PostOptions = {},
  ) =>
    call('chat.postMessage', deadline, async (client) => {
      const content = {
        channel,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
        ...(message.attachments ? { attachments: message.attachments } : {}),
        // Console links would otherwise unfurl into previews that bury the alert.
        unfurl_links: false,
        unfurl_media: false,
      };
      // The client's argument types are a union per message shape; this one is assembled field by field.
      const answer = await client.chat.postMessage(
        (threadTs
          ? { ...content, thread_ts: threadTs, ...(postOptions.broadcast ? { reply_broadcast: true } : {}) }
          : content) as ChatPostMessageArguments,
      );
      return { channel: String(answer.channel ?? channel), ts: String(answer.ts) };
    });

  const replace = (channel: string, ts: string, message: SlackMessage, deadline: Deadline) =>
    call('chat.update', deadline, async (client) => {
      // The whole message every time (https://docs.slack.dev/reference/methods/chat.update): what
      // is not sent would be kept from the earlier version.
      await client.chat.update({
        channel,
        ts,
        text: message.text,
        blocks: message.blocks ?? [],
        attachments: message.attachments ?? [],
      });
      return {};
    });

  /** As with a webhook: a message Slack cannot render must still reach people, as plain text. */
  const orText = async <T extends { attempts: number }>(
    message: SlackMessage,
    send: (m: SlackMessage) => Promise<T>,
  ): Promise<T & { degraded: boolean }> => {
    try {
      return { ...(await send(message)), degraded: false };
    } catch (error) {
      if (
        error instanceof SlackDeliveryError &&
        error.details.code === 'invalid_blocks' &&
        (message.attachments?.length || message.blocks?.length)
      ) {
        logger.warn('slack rejected the blocks, sending the text-only fallback', { code: error.details.code });
        const sent = await send(textOnly(message));
        return { ...sent, attempts: error.details.attempts + sent.attempts, degraded: true };
      }
      throw error;
    }
  };

  return {
    post: (channel, message, deadline, threadTs, postOptions) =>
      orText(message, (m) => deliver(channel, m, deadline, threadTs, postOptions)),
    async update(channel, ts, message, deadline) {
      const { attempts } = await orText(message, (m) => replace(channel, ts, m, deadline));
      return { attempts };
    },
    async permalink(channel, ts, deadline) {
      const answer = await call('chat.getPermalink', deadline, async (client) => {
        const found = await client.chat.getPermalink({ channel, message_ts: ts });
        return { permalink: String(found.permalink ?? '') };
      });
      return answer.permalink;
    },
  };
};
