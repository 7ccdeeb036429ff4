import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readStreamRecords } from '../../tools/metrics/reader.js';
import { HOOK_EXECUTION_IDS } from '../../local/scenario.js';
import { type Runner, STREAM_NAME, type World, createRunner, startWorld } from '../../local/world.js';
import { loadEvent } from '../support/fixtures.js';

/**
 * The packaged service end to end: the real bundles from the zips, routed by the template's rules,
 * against local stand-ins reached through the SDK's standard endpoint settings.
 */

let world: World;
let runner: Runner;

beforeAll(async () => {
  world = await startWorld();
  runner = createRunner(world, undefined, { LOG_LEVEL: 'error' });
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
