import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Slack: an incoming-webhook receiver and a Web API (`/api/chat.postMessage`,
 * `/api/chat.update`) for a Slack app's bot token.
 *
 * Webhooks: answers `ok` like Slack, keeps every message it was sent (by path, so several webhooks
 * can share it), and can be scripted to answer like Slack under load or misconfiguration (429 with
 * Retry-After, 5xx, `channel_not_found`, or no answer at all).
 *
 * Web API (`chat.postMessage`, `chat.update`, `chat.getPermalink`): checks the bearer token and the channel as Slack does (`not_authed`, `invalid_auth`,
 * `channel_not_found`, `is_archived`, `not_in_channel`), takes JSON or form-encoded bodies (the
 * official client sends the latter, with blocks as JSON text), and keeps each channel as a person
 * would see it: top-level messages in order, each with its thread; a `reply_broadcast` reply shows
 * in both. Like Slack, chat.update replaces the text and keeps the blocks and attachments it is not
 * sent (`[]` clears them) (https://docs.slack.dev/reference/methods/chat.update). Calls can be
 * scripted to answer 429 with Retry-After, a Slack error code (the permanent ones, `fatal_error`),
 * an HTTP 5xx, or nothing.
 */

export interface ReceivedMessage {
  /** The webhook's path, e.g. `/hooks/default`. */
  path: string;
  body: any;
  headers: IncomingHttpHeaders;
  at: number;
}

export type ScriptedAnswer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface SlackReceiver {
  url: string;
  /** The URL of one named webhook on this receiver. */
  urlFor(name: string): string;
  /** Messages answered with 2xx. */
  messages: ReceivedMessage[];
  /** Every request, whatever was answered. */
  requests: ReceivedMessage[];
  /** The Web API's base URL (SLACK_API_URL). */
  apiUrl: string;
  /** The Web API: its calls and its channels. */
  api: WebApi;
  close(): Promise<void>;
}

export const startSlackReceiver = async (
  options: {
    script?: (request: ReceivedMessage, index: number) => ScriptedAnswer | undefined;
    onMessage?: (m: ReceivedMessage) => void;
    api?: WebApiOptions;
  } = {},
): Promise<SlackReceiver> => {
  const messages: ReceivedMessage[] = [];
  const requests: ReceivedMessage[] = [];
  const api = createWebApi(options.api ?? {});
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (req.url?.startsWith('/api/')) return api.handle(req, text, res);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // Slack answers invalid_payload to a body that is not JSON; so does this receiver.
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('invalid_payload');
      return;
    }
    const received: ReceivedMessage = { path: req.url ?? '/', body, headers: req.headers, at: Date.now() };
    requests.push(received);
    const answer = options.script?.(received, requests.length - 1) ?? { status: 200, body: 'ok' };
    if (answer === 'hang') return; // never answers: the sender's timeout must fire
    if (answer.status >= 200 && answer.status < 300) {
      messages.push(received);
      options.onMessage?.(received);
    }
    res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    urlFor: (name) => `${url}/hooks/${encodeURIComponent(name)}`,
    apiUrl: `${url}/api/`,
    api,
    messages,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** One channel the bot token may post to. */
export interface ChannelSetup {
  name: string;
  /** Whether the app is a member (without `chat:write.public` Slack answers `not_in_channel`). */
  member?: boolean;
  archived?: boolean;
}

/** A message as a person sees it in the channel. */
export interface ShownMessage {
  ts: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  /** Set by chat.update. */
  edited?: boolean;
  /** Thread replies, oldest first. */
  replies: ShownMessage[];
  /** A reply also shown in the channel. */
  broadcast?: boolean;
  threadTs?: string;
}

/** One Web API call as received. */
export interface ApiCall {
  method: string;
  args: Record<string, any>;
  /** The bearer token sent, if any. */
  token?: string;
  at: number;
}

/**
 * How to answer a call instead of doing it: a Slack error code (HTTP 200, `ok: false`), a 429 with
 * Retry-After, an HTTP status of its own, or no answer. `fatal_error` with `after: true` does the
 * call and then answers the error, as Slack may when it fails part way.
 */
export type ApiAnswer =
  { error: string; after?: boolean } | { rateLimited: number } | { status: number; body?: string } | 'hang';

export interface WebApiOptions {
  /** Bot tokens Slack knows; any other is `invalid_auth`. */
  tokens?: string[];
  channels?: Record<string, ChannelSetup>;
  script?: (call: ApiCall, index: number) => ApiAnswer | undefined;
  /** Called for every message posted or updated. */
  onPost?: (event: { method: string; channel: string; message: ShownMessage }) => void;
}

export interface WebApi {
  calls: ApiCall[];
  /** The channel's top-level messages (with their threads), as Slack shows them. */
  channel(id: string): ShownMessage[];
  /** Deletes a message as a person in the channel can (its thread goes with a parent). */
  remove(channel: string, ts: string): void;
  handle(req: IncomingMessage, text: string, res: ServerResponse): void;
}

// https://docs.slack.dev/reference/methods/chat.postMessage: Slack truncates text over 40,000
// characters and refuses longer messages with msg_too_long; at most 50 blocks.
const MAX_TEXT = 40_000;
const MAX_BLOCKS = 50;

const parseArgs = (req: IncomingMessage, text: string): Record<string, any> => {
  if (String(req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(text || '{}');
  const args: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    // The official client sends objects as JSON text and booleans as words.
    if (k === 'blocks' || k === 'attachments') args[k] = JSON.parse(v);
    else if (v === 'true' || v === 'false') args[k] = v === 'true';
    else args[k] = v;
  }
  return args;
};

export const createWebApi = (options: WebApiOptions): WebApi => {
  const calls: ApiCall[] = [];
  const channels = new Map<string, ShownMessage[]>();
  const setup = options.channels ?? {};
  const tokens = new Set(options.tokens ?? []);
  let clock = 0;
  const nextTs = () => {
    clock += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(clock).padStart(6, '0')}`;
  };
  const shown = (id: string) => {
    if (!channels.has(id)) channels.set(id, []);
    return channels.get(id)!;
  };
  const find = (id: string, ts: string): ShownMessage | undefined => {
    for (const m of shown(id)) {
      if (m.ts === ts) return m;
      const reply = m.replies.find((r) => r.ts === ts);
      if (reply) return reply;
    }
    return undefined;
  };

  const perform = (call: ApiCall): Record<string, unknown> => {
    if (!call.token) return { ok: false, error: 'not_authed' };
    if (!tokens.has(call.token)) return { ok: false, error: 'invalid_auth' };
    const { args } = call;
    const channelId = String(args.channel ?? '');
    const channel = setup[channelId];
    if (!channel) return { ok: false, error: 'channel_not_found' };
    if (channel.archived) return { ok: false, error: 'is_archived' };
    if (channel.member === false) return { ok: false, error: 'not_in_channel' };
    const text = typeof args.text === 'string' ? args.text : '';
    if (call.method !== 'chat.getPermalink' && !text && !args.blocks?.length && !args.attachments?.length)
      return { ok: false, error: 'no_text' };
    if (text.length > MAX_TEXT) return { ok: false, error: 'msg_too_long' };
    if (args.blocks && (!Array.isArray(args.blocks) || args.blocks.length > MAX_BLOCKS))
      return { ok: false, error: 'invalid_blocks' };

    if (call.method === 'chat.postMessage') {
      const message: ShownMessage = {
        ts: nextTs(),
        text,
        ...(args.blocks ? { blocks: args.blocks } : {}),
        ...(args.attachments ? { attachments: args.attachments } : {}),
        replies: [],
      };
      if (args.thread_ts) {
        // A reply belongs to its parent's thread; a reply to a reply joins the same thread.
        const target = find(channelId, String(args.thread_ts));
        const parent = target?.threadTs ? find(channelId, target.threadTs) : target;
        if (!parent) return { ok: false, error: 'thread_not_found' };
        message.threadTs = parent.ts;
        parent.replies.push(message);
        if (args.reply_broadcast) {
          message.broadcast = true;
          shown(channelId).push(message);
        }
      } else shown(channelId).push(message);
      options.onPost?.({ method: call.method, channel: channelId, message });
      return { ok: true, channel: channelId, ts: message.ts, message: { type: 'message', text, ts: message.ts } };
    }
    if (call.method === 'chat.getPermalink') {
      const ts = String(args.message_ts ?? '');
      const message = find(channelId, ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      const thread = message.threadTs ? `?thread_ts=${message.threadTs}&cid=${channelId}` : '';
      return {
        ok: true,
        channel: channelId,
        permalink: `https://deploy-sentinel-local.slack.com/archives/${channelId}/p${ts.replace('.', '')}${thread}`,
      };
    }
    if (call.method === 'chat.update') {
      const message = find(channelId, String(args.ts ?? ''));
      if (!message) return { ok: false, error: 'message_not_found' };
      message.text = text;
      // Kept unless sent; `[]` clears them.
      if (args.blocks !== undefined) message.blocks = args.blocks;
      if (args.attachments !== undefined) message.attachments = args.attachments;
      message.edited = true;
      options.onPost?.({ method: call.method, channel: channelId, message });
      return { ok: true, channel: channelId, ts: message.ts, text };
    }
    return { ok: false, error: 'unknown_method' };
  };

  return {
    calls,
    channel: (id) => shown(id),
    remove(id, ts) {
      const messages = shown(id);
      const i = messages.findIndex((m) => m.ts === ts);
      if (i >= 0) messages.splice(i, 1);
      for (const m of messages) m.replies = m.replies.filter((r) => r.ts !== ts);
    },
    handle(req, text, res) {
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(body));
      };
      let args: Record<string, any>;
      try {
        args = parseArgs(req, text);
      } catch {
        return json(200, { ok: false, error: 'invalid_json' });
      }
      const auth = String(req.headers.authorization ?? '');
      const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : args.token;
      const call: ApiCall = {
        method: (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!,
        args,
        token,
        at: Date.now(),
      };
      calls.push(call);
      const scripted = options.script?.(call, calls.length - 1);
      if (scripted === 'hang') return;
      if (scripted && 'rateLimited' in scripted)
        return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(scripted.rateLimited) });
      if (scripted && 'status' in scripted) {
        res.writeHead(scripted.status, { 'content-type': 'text/plain' });
        return res.end(scripted.body ?? '');
      }
      if (scripted && 'error' in scripted) {
        if (scripted.after) perform(call);
        return json(200, { ok: false, error: scripted.error });
      }
      json(200, perform(call));
    },
  };
};
