import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Slack incoming-webhook receiver: answers `ok` like Slack, keeps every message it was
 * sent (by path, so several webhooks can share it), and can be scripted to answer like Slack under
 * load or misconfiguration (429 with Retry-After, 5xx, `channel_not_found`, or no answer at all).
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
  close(): Promise<void>;
}

export const startSlackReceiver = async (
  options: {
    script?: (request: ReceivedMessage, index: number) => ScriptedAnswer | undefined;
    onMessage?: (m: ReceivedMessage) => void;
  } = {},
): Promise<SlackReceiver> => {
  const messages: ReceivedMessage[] = [];
  const requests: ReceivedMessage[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
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
    messages,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
