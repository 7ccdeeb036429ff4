import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readStreamRecords } from '../../tools/metrics/reader.js';
import { HOOK_EXECUTION_IDS } from '../../local/scenario.js';
import { type Runner, STREAM_NAME, type World, createRunner, startWorld } from '../../local/world.js';
import { emittedMetrics } from '../../local/harness.js';
import { METRICS, METRIC_NAMES } from '../../lib/metric-names.js';
import { loadEvent } from '../support/fixtures.js';

/**
 * The packaged service end to end: the real bundles from the zips, routed by the template's rules,
 * against local stand-ins reached through the SDK's standard endpoint settings.
 */

let world: World;
let runner: Runner;

beforeAll(async () => {
  world = await startWorld();
  // Every line is written and kept (debug); only errors are shown.
  runner = createRunner(world, undefined, { LOG_LEVEL: 'debug' }, { showLevel: 'error' });
});
afterAll(() => world.close());

const messagesTo = (webhook: string) => world.slack.messages.filter((m) => m.path === `/hooks/${webhook}`);
const groups = () => world.scenario.autoScalingGroups.map((g) => g.name).sort();

describe('a failed blue/green deployment', () => {
  it('alerts on call with why, streams the record, and deletes only the orphaned group', async () => {
    const invocations = await runner.deliver(loadEvent('codedeploy/deployment.failure.json'));
    expect(invocations.map((i) => [i.function, i.ok])).toEqual([
      ['notifyDeployment', true],
      ['streamState', true],
      ['cleanUpOrphans', true],
    ]);
    const [alert] = messagesTo('checkout-oncall');
    expect(alert!.body.text).toContain(
      '<!here> ❌ checkout/checkout-prod: deployment failed (d-F41LED001): HEALTH_CONSTRAINTS',
    );
    expect(JSON.stringify(alert!.body)).toContain('scripts/validate.sh');
    expect(groups()).not.toContain('CodeDeploy_checkout-prod_d-F41LED001');
    expect(groups()).toContain('CodeDeploy_checkout-prod_d-SUCC3SS01');
  });

  it('reports the deletion through the bus, to Slack and to the stream', async () => {
    const routed = await runner.drainBus();
    expect(routed).toHaveLength(1);
    expect(routed[0]!.event.detail).toMatchObject({
      action: 'deleted',
      autoScalingGroupName: 'CodeDeploy_checkout-prod_d-F41LED001',
      deploymentId: 'd-F41LED001',
    });
    expect(routed[0]!.invocations.map((i) => [i.function, i.ok])).toEqual([
      ['notifyDeployment', true],
      ['streamState', true],
    ]);
    expect(world.slack.messages.at(-1)!.body.text).toContain(
      'deleted orphaned Auto Scaling group: CodeDeploy_checkout-prod_d-F41LED001',
    );
  });
});

describe('a failed blue/green deployment that used existing instances', () => {
  it('names the green instances still running, read through EC2 on that path only', async () => {
    const event = loadEvent('codedeploy/deployment.failure.json') as { detail: Record<string, string> };
    Object.assign(event.detail, { deploymentId: 'd-D1SC0V3R1', application: 'search', deploymentGroup: 'search-prod' });
    const before = world.ec2.calls.length;
    const cleanup = await runner.invoke('cleanUpOrphans', event);
    expect(cleanup.ok).toBe(true);
    const { greenInstances } = cleanup.result as {
      greenInstances: Array<{ deploymentId: string; instanceIds: string[] }>;
    };
    expect(greenInstances).toHaveLength(1);
    expect(greenInstances[0]!.deploymentId).toBe('d-D1SC0V3R1');
    expect(greenInstances[0]!.instanceIds.length).toBeGreaterThan(0);
    expect(world.ec2.calls.length).toBeGreaterThan(before);
    await runner.drainBus();
  });
});

describe('the scheduled sweep', () => {
  it("deletes the stopped deployment's orphan and keeps the live, in-progress and unrelated groups", async () => {
    const sweep = await runner.invoke('cleanUpOrphans', runner.schedule('cleanUpOrphans'));
    expect(sweep.ok).toBe(true);
    expect(groups()).toEqual([
      'CodeDeploy_checkout-prod_d-SUCC3SS01',
      'CodeDeploy_payments_blue_d-PAYM3NT01',
      'bastion-asg',
      'payments-web',
    ]);
    const deletes = world.aws.calls
      .filter((c) => c.operation === 'DeleteAutoScalingGroup')
      .map((c) => (c.input as Record<string, string>).AutoScalingGroupName);
    expect(deletes.sort()).toEqual(['CodeDeploy_checkout-prod_d-F41LED001', 'CodeDeploy_checkout-prod_d-ST0PPED01']);
    await runner.drainBus();
  });
});

describe('alarms', () => {
  it('routes a team-tagged alarm to the team webhook and skips target-tracking noise', async () => {
    await runner.deliver(loadEvent('cloudwatch/alarm.tagged.json'));
    expect(messagesTo('payments-team').at(-1)!.body.text).toContain('payments-queue-depth: OK → ALARM');
    const before = world.slack.messages.length;
    const [noise] = await runner.deliver(loadEvent('cloudwatch/alarm.target-tracking.json'));
    expect(noise!.result).toMatchObject({ posted: false });
    expect(world.slack.messages.length).toBe(before);
  });

  it('says which deployment group the alarm guards', async () => {
    await runner.deliver(loadEvent('cloudwatch/alarm.threshold-alarm.json'));
    expect(JSON.stringify(messagesTo('checkout-oncall').at(-1)!.body)).toContain('checkout/checkout-prod');
  });
});

describe('Slack app mode and exactly-once posting', () => {
  it('posts the orders route with the bot token from SSM once per event, and no log line holds the token', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const event = loadEvent('codedeploy/deployment.ecs-start.json');
      const first = await runner.invoke('notifyDeployment', event);
      const again = await runner.invoke('notifyDeployment', event);
      expect(first.result).toEqual({ posted: true, route: 'orders-team' });
      expect(again.result).toEqual({ posted: false, skipped: 'duplicate: already posted', duplicate: true });
    } finally {
      spy.mockRestore();
    }
    const channel = world.slack.api.channel('C0ORDERS01');
    expect(channel).toHaveLength(1);
    expect(channel[0]!.text).toContain('orders/orders-ecs');
    expect(world.slack.api.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(world.dynamodb.calls).toEqual(expect.arrayContaining(['UpdateItem', 'GetItem']));
    for (const line of written) expect(line).not.toMatch(/xox[a-z]-[0-9]/);
    for (const inv of runner.invocations.slice(-2))
      for (const line of inv.output.lines) expect(JSON.stringify(line)).not.toMatch(/xox[a-z]-[0-9]/);
  });
});

describe('a deployment state CodeDeploy adds later', () => {
  it('is alerted as a deployment and streamed into its deployment history', async () => {
    const invocations = await runner.deliver(loadEvent('codedeploy/deployment.paused.json'));
    expect(invocations.map((i) => [i.function, i.ok])).toEqual([
      ['notifyDeployment', true],
      ['streamState', true],
    ]);
    expect(world.slack.messages.at(-1)!.body.text).toBe('ℹ️ search/search-staging: deployment PAUSED (d-ST4RT0001)');
    const { records } = await readStreamRecords(world.kinesis.client(), STREAM_NAME);
    expect(records.filter((r) => r.state === 'PAUSED')).toEqual([
      expect.objectContaining({ kind: 'deployment', deploymentId: 'd-ST4RT0001', application: 'search' }),
    ]);
  });
});

describe('bad input', () => {
  it('gets a fallback alert and an unknown record, never a crash', async () => {
    const invocations = await runner.deliver(loadEvent('invalid/deployment.missing-fields.json'));
    expect(invocations.every((i) => i.ok)).toBe(true);
    expect(world.slack.messages.at(-1)!.body.text).toContain('could not read');
  });
});

describe('ECS hooks', () => {
  it('report Succeeded against a healthy test listener and Failed against a failing one, once each', async () => {
    world.testListener.setMode('pass');
    const pass = await runner.invoke('hookAfterAllowTestTraffic', loadEvent('hooks/after-allow-test-traffic.json'));
    expect(pass.result).toMatchObject({ status: 'Succeeded' });
    world.testListener.setMode('fail');
    const fail = await runner.invoke('hookBeforeAllowTraffic', loadEvent('hooks/before-allow-traffic.json'));
    expect(fail.result).toMatchObject({ status: 'Failed' });
    expect(world.scenario.hookReports.map((r) => [r.lifecycleEventHookExecutionId, r.status])).toEqual([
      [HOOK_EXECUTION_IDS.AfterAllowTestTraffic, 'Succeeded'],
      [HOOK_EXECUTION_IDS.BeforeAllowTraffic, 'Failed'],
    ]);
    expect(world.testListener.requests.length).toBeGreaterThan(0);
  });
});

describe('the Kinesis stream', () => {
  it("holds one record per event, a deployment's records on one shard in order", async () => {
    for (const file of ['codedeploy/instance.failure.json', 'codedeploy/deployment.rollback-success.json'])
      await runner.deliver(loadEvent(file));
    const { records } = await readStreamRecords(world.kinesis.client(), STREAM_NAME);
    const ids = records.map((r) => r.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    const failed = records.filter((r) => r.deploymentId === 'd-F41LED001');
    expect(failed.map((r) => r.kind)).toEqual(['deployment', 'cleanup', 'instance']);
    expect(records.find((r) => r.deploymentId === 'd-F41LED001' && r.kind === 'deployment')).toMatchObject({
      schemaVersion: 1,
      state: 'FAILURE',
      enrichment: { status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS' },
    });
    expect(records.some((r) => r.kind === 'unknown')).toBe(true);
  });
});

describe('lead time', () => {
  it("records a successful deployment's lead time, from its revision's registration to its completion", async () => {
    const invocations = await runner.deliver(loadEvent('codedeploy/deployment.success.json'));
    expect(invocations.map((i) => [i.function, i.ok])).toEqual([
      ['notifyDeployment', true],
      ['streamState', true],
    ]);
    const deployment = world.scenario.deployments.find((d) => d.deploymentId === 'd-SUCC3SS01')!;
    const registered = world.scenario.revisions.find((r) => r.revision === deployment.revision)!.registerTime;
    const { records } = await readStreamRecords(world.kinesis.client(), STREAM_NAME);
    const success = records.find((r) => r.deploymentId === 'd-SUCC3SS01' && r.state === 'SUCCESS');
    expect(success?.enrichment).toMatchObject({
      status: 'Succeeded',
      revisionRegisteredAt: registered.toISOString(),
      leadTimeMs: deployment.completeTime!.getTime() - registered.getTime(),
    });
    expect(world.aws.calls).toContainEqual(
      expect.objectContaining({
        operation: 'GetApplicationRevision',
        input: { applicationName: 'checkout', revision: expect.objectContaining({ revisionType: 'S3' }) },
      }),
    );
  });
});

describe("the service's own telemetry, over every invocation above", () => {
  it('gives every log line its request id and function name, and an event invocation its event id', () => {
    expect(runner.invocations.length).toBeGreaterThan(20);
    for (const inv of runner.invocations) {
      expect(inv.output.lines.length, inv.function).toBeGreaterThan(0);
      const fn = runner.functions.find((f) => f.key === inv.function)!;
      const invocation = inv.output.lines.find((l) => l.message === 'invocation')!;
      for (const line of inv.output.lines) {
        expect(line).toMatchObject({
          requestId: invocation.requestId,
          functionName: fn.name,
          service: 'deploy-sentinel',
        });
        if (typeof invocation.eventId === 'string') expect(line.correlationId).toBe(invocation.eventId);
        if (inv.function.startsWith('hook')) expect(line.lifecycleEventHookExecutionId).toEqual(expect.any(String));
      }
    }
    // A function's first invocation in its container is its cold start, and only that one.
    for (const fn of runner.functions) {
      const own = runner.invocations.filter((i) => i.function === fn.key).map((i) => i.output.lines[0]!.coldStart);
      if (own.length > 0) expect(own, fn.key).toEqual([true, ...own.slice(1).map(() => false)]);
    }
  });

  it('never writes the bot token or a Slack webhook URL on any line, at debug level', () => {
    const all = runner.invocations
      .flatMap((i) => [...i.output.lines, ...i.output.metrics])
      .map((l) => JSON.stringify(l));
    expect(all.length).toBeGreaterThan(100);
    for (const line of all) {
      expect(line).not.toMatch(/xox[a-z]-[0-9]/);
      expect(line).not.toMatch(/hooks\.slack(-gov)?\.com\/services\/[A-Z0-9]/);
    }
  });

  it('emits, as EMF, only metrics the dashboard knows, with the dimensions it searches by', () => {
    const emitted = emittedMetrics(runner.invocations.flatMap((i) => i.output.metrics));
    const names = new Set(emitted.map((m) => m.name));
    for (const m of emitted) {
      expect(METRIC_NAMES).toContain(m.name);
      expect(Object.keys(m.dimensions).sort(), m.name).toEqual(
        [...METRICS[m.name as keyof typeof METRICS].dimensions].sort(),
      );
    }
    for (const name of [
      'AlertsPosted',
      'SlackAttempts',
      'RecordsWritten',
      'GroupsDeleted',
      'GroupsKept',
      'HookVerdicts',
    ])
      expect(names, name).toContain(name);
    const sum = (name: string, dimensions: Record<string, string> = {}) =>
      emitted
        .filter((m) => m.name === name && Object.entries(dimensions).every(([k, v]) => m.dimensions[k] === v))
        .reduce((n, m) => n + m.value, 0);
    expect(sum('HookVerdicts', { hook: 'BeforeAllowTraffic', result: 'Failed' })).toBe(1);
    // One count per event posted, in the mode its route names: the app routes of settings/local.yml.
    const appRoutes = new Set(['orders-team', 'checkout-team']);
    const posted = runner.invocations.map((i) => i.result as { posted?: boolean; route?: string } | undefined);
    const byApp = posted.filter((r) => r?.posted && appRoutes.has(r.route ?? '')).length;
    expect(byApp).toBeGreaterThan(0);
    expect(sum('AlertsPosted', { mode: 'app' })).toBe(byApp);
    expect(sum('AlertsPosted', { mode: 'webhook' })).toBe(posted.filter((r) => r?.posted).length - byApp);
  });
});
