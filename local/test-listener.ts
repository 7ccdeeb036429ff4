import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMain, runCommand, UsageError, wholeNumberOption } from '../tools/cli.js';

/**
 * A local stand-in for the green task set behind the test listener, for the hook demo and tests:
 * in `pass` mode it is healthy, in `fail` mode its health check reports a failing dependency.
 *
 *   GET /health          200 {"status":"ok","version":...}  |  503 {"status":"degraded",...}
 *   GET /api/orders/ping 200 {"ok":true}                    |  500 {"ok":false,...}
 *
 * Run alone: `npx tsx local/test-listener.ts --port 8080 --mode fail`.
 */

export type TestListenerMode = 'pass' | 'fail';

export interface TestListenerOptions {
  port?: number;
  mode?: TestListenerMode;
  /** Reported in the body and the `x-served-by` header. */
  version?: string;
}

export interface TestListener {
  url: string;
  port: number;
  readonly mode: TestListenerMode;
  setMode(mode: TestListenerMode): void;
  /** Every request received, in order. */
  requests: Array<{ method: string; path: string; host?: string }>;
  close(): Promise<void>;
}

/** Starts the test listener on 127.0.0.1 (a free port unless one is given). */
export const startTestListener = async (options: TestListenerOptions = {}): Promise<TestListener> => {
  let mode: TestListenerMode = options.mode ?? 'pass';
  const version = options.version ?? 'orders:58';
  const requests: TestListener['requests'] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requests.push({ method: req.method ?? 'GET', path, host: req.headers.host });
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': version });
      res.end(JSON.stringify(body));
    };
    if (path === '/health') {
      return mode === 'pass'
        ? answer(200, { status: 'ok', version, checks: { database: 'ok', payments: 'ok' } })
        : answer(503, { status: 'degraded', version, checks: { database: 'timeout', payments: 'ok' } });
    }
    if (path === '/api/orders/ping') {
      return mode === 'pass'
        ? answer(200, { ok: true, version })
        : answer(500, { ok: false, error: 'database connection pool exhausted' });
    }
    answer(404, { message: `no route for ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get mode() {
      return mode;
    },
    setMode: (next) => {
      mode = next;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

if (isMain(import.meta.url)) {
  process.exitCode = await runCommand(
    process.argv.slice(2),
    {
      usage: 'usage: npx tsx local/test-listener.ts [--port 8080] [--mode pass|fail]',
      options: { port: { type: 'string', default: '8080' }, mode: { type: 'string', default: 'pass' } },
    },
    async (values) => {
      const mode = values.mode;
      if (mode !== 'pass' && mode !== 'fail') throw new UsageError(`--mode must be pass or fail, got ${mode}`);
      const listener = await startTestListener({ port: wholeNumberOption('port', values.port), mode });
      console.log(`test listener (${listener.mode}) on ${listener.url}: GET /health, GET /api/orders/ping`);
      return 0;
    },
  );
}
