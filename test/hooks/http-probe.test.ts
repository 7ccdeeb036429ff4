import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment, Lookup } from '../../lib/hooks/discovery.js';
import { type Measure, runCheck } from '../../lib/hooks/evaluate.js';
import { createHttpFetch, type HttpFetch } from '../../lib/hooks/http-probe.js';
import { prepareCheck } from '../../lib/hooks/measures.js';
import { checkSchema, type HttpCheck } from '../../lib/hooks/settings.js';
import { deadlineAt, realClock, realSleep } from '../../lib/time.js';
import { fakeTime } from './support.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const CERT = readFileSync(join(FIXTURES, 'orders-test.crt'));
const KEY = readFileSync(join(FIXTURES, 'orders-test.key'));

/** The green task set as a local server: one route per behaviour a probe must tell apart. */
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/health': (_, res) => json(res, 200, { status: 'ok', checks: { database: 'ok' } }),
  '/degraded': (_, res) => json(res, 200, { status: 'degraded', checks: { database: 'timeout' } }),
  '/down': (_, res) => json(res, 503, { status: 'down' }),
  '/html': (_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>502 Bad Gateway</body></html>');
  },
  '/slow': (_, res) => {
    setTimeout(() => json(res, 200, { status: 'ok' }), 300);
  },
  '/hang': () => {},
  '/echo': (req, res) =>
    json(res, 200, {
      method: req.method,
      host: req.headers.host,
      tag: req.headers['x-deployment'],
      servername: (req.socket as TLSSocket).servername ?? null,
    }),
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const handler = (req: IncomingMessage, res: ServerResponse) => {
  const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
  if (route) route(req, res);
  else json(res, 404, {});
};

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};
const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

let http: Server;
let https: Server;
let httpUrl: string;
let httpsPort: number;
let refusedUrl: string;

beforeAll(async () => {
  http = createServer(handler);
  httpUrl = `http://127.0.0.1:${await listen(http)}`;
  https = createHttpsServer({ cert: CERT, key: KEY }, handler);
  httpsPort = await listen(https);
  const closed = createServer();
  refusedUrl = `http://127.0.0.1:${await listen(closed)}`;
  await close(closed);
});
afterAll(async () => {
  await close(http);
  await close(https);
});

/** An environment whose test listener is the given base URL. */
const environment = (baseUrl: string, host?: string): Environment => ({
  deployment: async () => ({ reason: 'not used' }),
  lambdaFunction: async () => ({ reason: 'not used' }),
  listener: async (): Promise<Lookup<{ baseUrl: string; host?: string }>> => ({ value: { baseUrl, host } }),
  targetGroup: async () => ({ reason: 'not used' }),
  deploymentGroupAlarms: async () => ({ reason: 'not used' }),
  variable: async (name) => (name === 'deploymentId' ? { value: 'd-EC5H00K01' } : { reason: 'not used' }),
});

const httpCheck = (fields: Record<string, unknown>) =>
  checkSchema.parse({ name: 'probe', type: 'http', target: 'test', consecutiveErrorLimit: 0, ...fields }) as HttpCheck;

const measureOf = async (
  check: HttpCheck,
  env: Environment,
  fetch: HttpFetch = createHttpFetch(),
): Promise<Measure> => {
  const prepared = await prepareCheck(check, env, {
    fetch,
    clock: realClock,
    sleep: realSleep,
    deadline: deadlineAt(Date.now() + 60_000),
    cloudwatch: undefined as never,
    lambda: undefined as never,
    elbv2: undefined as never,
  });
  if (!('measure' in prepared)) throw new Error(prepared.unresolved);
  return prepared.measure;
};

/** One scheduled run of the check against the environment, as a hook would run it. */
const probe = async (check: HttpCheck, env: Environment, fetch?: HttpFetch) => {
  const time = fakeTime();
  const measurements: Array<{ outcome: string; reason: string; status?: number }> = [];
  const result = await runCheck(check, await measureOf(check, env, fetch), {
    sleep: time.sleep,
    deadline: time.deadlineIn(60_000),
    signal: new AbortController().signal,
    onMeasurement: (m) => measurements.push(m),
  });
  return { result, measurements };
};

describe('HTTP probes against a local listener', () => {
  it('passes a healthy answer', async () => {
    const { result, measurements } = await probe(
      httpCheck({ path: '/health', expect: { status: 200, json: [{ path: '$.status', equals: 'ok' }] } }),
      environment(httpUrl),
    );
    expect(result.verdict).toBe('pass');
    expect(measurements[0]).toMatchObject({ outcome: 'pass', status: 200 });
  });

  it('fails a wrong status', async () => {
    const { result, measurements } = await probe(httpCheck({ path: '/down' }), environment(httpUrl));
    expect(result.verdict).toBe('fail');
    expect(measurements[0]).toMatchObject({ outcome: 'fail', status: 503, reason: 'status 503, expected 2xx' });
  });

  it('fails a wrong JSON value', async () => {
    const { result } = await probe(
      httpCheck({ path: '/degraded', expect: { json: [{ path: '$.checks.database', equals: 'ok' }] } }),
      environment(httpUrl),
    );
    expect(result).toMatchObject({
      verdict: 'fail',
      reason: expect.stringContaining('$.checks.database is "timeout", expected "ok"'),
    });
  });

  it('fails an answer slower than its latency budget', async () => {
    const { measurements } = await probe(
      httpCheck({ path: '/slow', timeout: '5s', expect: { maxLatency: '100ms' } }),
      environment(httpUrl),
    );
    expect(measurements[0]?.outcome).toBe('fail');
    expect(measurements[0]?.reason).toMatch(/^answered in \d+ ms, budget 100 ms$/);
  });

  it('counts a refused connection as an error, not a failure', async () => {
    const { result, measurements } = await probe(httpCheck({ path: '/health' }), environment(refusedUrl));
    expect(result).toMatchObject({ verdict: 'error', errors: 1, failures: 0 });
    expect(measurements[0]?.reason).toMatch(/ECONNREFUSED/);
  });

  it('fails a body that is not JSON where JSON is expected', async () => {
    const { measurements } = await probe(
      httpCheck({ path: '/html', expect: { json: [{ path: '$.status', equals: 'ok' }] } }),
      environment(httpUrl),
    );
    expect(measurements[0]).toMatchObject({
      outcome: 'fail',
      reason: 'body is not JSON: "<html><body>502 Bad Gateway</body></html>"',
    });
  });

  it('abandons a request without an answer at its timeout, as an error', async () => {
    const { measurements } = await probe(httpCheck({ path: '/hang', timeout: '150ms' }), environment(httpUrl));
    expect(measurements[0]).toMatchObject({ outcome: 'error', reason: 'no answer within 150 ms' });
  });

  it('sends the method, templated headers and a Host override', async () => {
    const measure = await measureOf(
      httpCheck({
        path: '/echo',
        method: 'POST',
        headers: { 'x-deployment': '${deploymentId}' },
        expect: {
          json: [
            { path: '$.host', equals: 'orders.internal.example.com' },
            { path: '$.tag', equals: 'd-EC5H00K01' },
            { path: '$.method', equals: 'POST' },
          ],
        },
      }),
      environment(httpUrl, 'orders.internal.example.com'),
    );
    expect(await measure(1, AbortSignal.timeout(5_000))).toMatchObject({ outcome: 'pass' });
  });

  it('reaches an HTTPS listener by address with the certificate host as TLS server name', async () => {
    const fetch = createHttpFetch({ ca: CERT });
    const base = `https://127.0.0.1:${httpsPort}`;
    const withHost = await measureOf(
      httpCheck({ path: '/echo', expect: { json: [{ path: '$.servername', equals: 'orders.internal.example.com' }] } }),
      environment(base, 'orders.internal.example.com'),
      fetch,
    );
    expect(await withHost(1, AbortSignal.timeout(5_000))).toMatchObject({ outcome: 'pass', status: 200 });
    // Without the override the certificate does not match the address: a transport error, never a pass.
    const withoutHost = await measureOf(httpCheck({ path: '/echo' }), environment(base), fetch);
    await expect(withoutHost(1, AbortSignal.timeout(5_000))).rejects.toThrow(/altnames|certificate/i);
  });

  it('marks a body cut at the size limit', async () => {
    const fetch = createHttpFetch({ maxBodyBytes: 10 });
    const answer = await fetch({
      url: `${httpUrl}/health`,
      method: 'GET',
      headers: {},
      signal: AbortSignal.timeout(5_000),
    });
    expect(answer).toMatchObject({ status: 200, truncated: true, body: '{"status":' });
  });
});
