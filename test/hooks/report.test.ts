import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { clientConfig } from '../../lib/aws/config.js';
import { REPORT_ATTEMPTS, reportHookStatus } from '../../lib/hooks/report.js';
import { deadlineAt } from '../../lib/time.js';

/**
 * The hook's status report through the CodeDeploy port, with the service's client settings,
 * against a local server standing in for CodeDeploy: how many requests one report makes.
 */

type Answer = (req: IncomingMessage, res: ServerResponse) => void;
const fault =
  (type: string, status = 400): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ __type: type, message: `${type} happened` }));
  };

let server: Server;
let url: string;
let answer: Answer;
let requests: Array<Record<string, unknown>> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push(JSON.parse(body) as Record<string, unknown>);
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = [];
});

const EXECUTION = {
  deploymentId: 'd-EC5H00K01',
  lifecycleEventHookExecutionId: '2b01599b-b984-499d-8835-97f389a7dc3b',
};

const report = (deadlineMs = 60_000) => {
  const waits: number[] = [];
  const port = codeDeployPortOver(
    new CodeDeployClient({
      ...clientConfig({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      endpoint: url,
    }),
  );
  const outcome = reportHookStatus(port, EXECUTION, 'Failed', {
    deadline: deadlineAt(Date.now() + deadlineMs),
    sleep: async (ms) => void waits.push(ms),
    random: () => 1,
  });
  return { outcome, waits };
};

describe('reportHookStatus', () => {
  it('sends the status once when CodeDeploy accepts it', async () => {
    answer = (_req, res) =>
      res.end(JSON.stringify({ lifecycleEventHookExecutionId: EXECUTION.lifecycleEventHookExecutionId }));
    expect(await report().outcome).toEqual({ outcome: 'reported', attempts: 1 });
    expect(requests).toEqual([{ ...EXECUTION, status: 'Failed' }]);
  });

  it('sends a report CodeDeploy keeps throttling six times in all, backing off up to 1 s', async () => {
    answer = fault('ThrottlingException');
    const { outcome, waits } = report();
    expect(await outcome).toMatchObject({
      outcome: 'failed',
      attempts: REPORT_ATTEMPTS,
      error: { name: 'ThrottlingException' },
    });
    expect(requests).toHaveLength(6);
    expect(waits).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('counts a status CodeDeploy already has as reported, without another try', async () => {
    answer = fault('LifecycleEventAlreadyCompletedException');
    expect(await report().outcome).toEqual({ outcome: 'already-completed', attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('does not retry a report CodeDeploy refuses', async () => {
    answer = fault('AccessDeniedException');
    expect(await report().outcome).toMatchObject({
      outcome: 'failed',
      attempts: 1,
      error: { name: 'AccessDeniedException' },
    });
    expect(requests).toHaveLength(1);
  });

  it('abandons a report that gets no answer at the deadline', async () => {
    answer = () => {};
    const { outcome, waits } = report(300);
    expect(await outcome).toMatchObject({ outcome: 'failed', attempts: 1, error: { name: 'DeadlineExceededError' } });
    expect(requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});
