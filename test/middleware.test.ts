import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventInProgressError } from '../lib/alerts/once.js';
import { createLogger } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { createMetrics } from '../lib/metrics.js';

const context = (requestId: string) =>
  ({
    awsRequestId: requestId,
    functionName: 'deploy-sentinel-prod-notifyDeployment',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:deploy-sentinel-prod-notifyDeployment',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 60_000,
  }) as unknown as Context;

const EVENT = {
  version: '0',
  id: 'c071bfbf-83c4-49ca-a6ff-3df053957145',
  'detail-type': 'CodeDeploy Deployment State-change Notification',
  source: 'aws.codedeploy',
  account: '123456789012',
  region: 'us-east-1',
  detail: { deploymentId: 'd-123456789', state: 'FAILURE' },
};

/** A handler as functions/ build them, whose use case logs through a child logger and counts. */
const setup = (body: (event: any) => Promise<unknown> = async () => 'done') => {
  const lines: string[] = [];
  const out: Array<{ line: string; afterHandler: boolean }> = [];
  let handlerDone = false;
  // What Lambda sets in an on-demand execution environment; Powertools reads it for the cold start.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  const write = (line: string) => {
    lines.push(line);
    out.push({ line, afterHandler: handlerDone });
  };
  const log = createLogger({ write, level: 'debug' });
  const metrics = createMetrics({ service: 'deploy-sentinel', stage: 'prod', write, log });
  const handler = middy(async (event: unknown) => {
    const child = log.child({ route: 'default' });
    child.info('alert posted', { mode: 'webhook' });
    metrics.add('AlertsPosted', { kind: 'deployment', mode: 'webhook' });
    try {
      return await body(event);
    } finally {
      handlerDone = true;
    }
  }).use(invocationLog(log, metrics));
  const parsed = () => lines.map((l) => JSON.parse(l));
  return { handler, lines, out, parsed, logLines: () => parsed().filter((l) => !l._aws) };
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('invocation telemetry', () => {
  it('gives every log line the request id, cold start, function name and the event id', async () => {
    const s = setup();
    await s.handler(EVENT, context('req-1'));
    await s.handler({ ...EVENT, id: 'second-event' }, context('req-2'));

    const logLines = s.logLines();
    expect(logLines.map((l) => l.message)).toEqual(['invocation', 'alert posted', 'invocation', 'alert posted']);
    for (const line of logLines.slice(0, 2))
      expect(line).toMatchObject({
        requestId: 'req-1',
        coldStart: true,
        functionName: 'deploy-sentinel-prod-notifyDeployment',
        correlationId: EVENT.id,
        deploymentId: 'd-123456789',
      });
    for (const line of logLines.slice(2))
      expect(line).toMatchObject({ requestId: 'req-2', coldStart: false, correlationId: 'second-event' });
    expect(logLines[1]).toMatchObject({ route: 'default', mode: 'webhook' });
  });

  it("gives a hook's lines its deployment and lifecycle execution ids, and drops the previous invocation's", async () => {
    const s = setup();
    await s.handler(EVENT, context('req-1'));
    await s.handler({ DeploymentId: 'd-EC5H00K01', LifecycleEventHookExecutionId: 'exec-1' }, context('req-2'));

    const hookLines = s.logLines().filter((l) => l.requestId === 'req-2');
    expect(hookLines).toHaveLength(2);
    for (const line of hookLines) {
      expect(line).toMatchObject({ deploymentId: 'd-EC5H00K01', lifecycleEventHookExecutionId: 'exec-1' });
      expect(line).not.toHaveProperty('correlationId');
    }
  });

  it('writes the recorded metrics as EMF after the handler returned, with service and stage', async () => {
    const s = setup();
    await s.handler(EVENT, context('req-1'));

    const emf = s.out.filter((o) => JSON.parse(o.line)._aws);
    expect(emf).toHaveLength(1);
    expect(emf[0]!.afterHandler).toBe(true);
    const blob = JSON.parse(emf[0]!.line);
    expect(blob._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'DeploySentinel',
        Dimensions: [['service', 'stage', 'kind', 'mode']],
        Metrics: [{ Name: 'AlertsPosted', Unit: 'Count' }],
      },
    ]);
    expect(blob).toMatchObject({
      service: 'deploy-sentinel',
      stage: 'prod',
      kind: 'deployment',
      mode: 'webhook',
      AlertsPosted: 1,
    });
  });

  it('counts an event in progress elsewhere as an expected retry, and still fails the invocation', async () => {
    const s = setup(async () => {
      throw new EventInProgressError('event is being posted by another invocation');
    });
    await expect(s.handler(EVENT, context('req-1'))).rejects.toThrow(EventInProgressError);

    const emf = s.parsed().filter((l) => l._aws);
    expect(emf.map((b) => Object.keys(b).filter((k) => /^[A-Z]/.test(k)))).toEqual([
      ['AlertsPosted'],
      ['ExpectedRetries'],
    ]);
    expect(emf[1]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'stage']]);
    expect(s.logLines().filter((l) => l.level === 'error')).toEqual([]);
  });

  it('logs any other error, writes the metrics, and fails the invocation', async () => {
    const s = setup(async () => {
      throw new Error('Slack said no');
    });
    await expect(s.handler(EVENT, context('req-1'))).rejects.toThrow('Slack said no');

    expect(s.logLines().find((l) => l.level === 'error')).toMatchObject({
      requestId: 'req-1',
      correlationId: EVENT.id,
      error: { name: 'Error', message: 'Slack said no' },
    });
    expect(s.parsed().filter((l) => l._aws)).toHaveLength(1);
  });

  it('never writes a webhook URL or a Slack token on any line, whatever holds it', async () => {
    // Assembled at run time: no string in the repository looks like a real webhook URL or token.
    const url = ['https://hooks.slack.com/services', 'T0123ABCD', 'B0123ABCD', 'fake'.repeat(6)].join('/');
    const token = ['xoxb', '1234567890', '0987654321', 'fake'.repeat(6)].join('-');
    const s = setup(async () => {
      throw new Error(`posting to ${url} with ${token} failed`, { cause: new Error(`Bearer ${token}`) });
    });
    await expect(s.handler({ ...EVENT, id: token, detail: { deploymentId: url } }, context(token))).rejects.toThrow();

    expect(s.lines.length).toBeGreaterThan(2);
    for (const line of s.lines) {
      expect(line).not.toContain('T0123ABCD/B0123ABCD');
      expect(line).not.toMatch(/1234567890|fakefake/);
    }
  });

  it('never fails the invocation when the metrics cannot be written', async () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const metrics = createMetrics({
      write: () => {
        throw new Error('stdout closed');
      },
      log,
    });
    const handler = middy(async () => {
      metrics.add('HookVerdicts', { hook: 'BeforeAllowTraffic', result: 'Succeeded' });
      return 'reported';
    }).use(invocationLog(log, metrics));

    await expect(handler({}, context('req-1'))).resolves.toBe('reported');
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'metrics not written; the invocation goes on without them' }),
    );
    expect(metrics.pending()).toEqual([]);
  });
});
