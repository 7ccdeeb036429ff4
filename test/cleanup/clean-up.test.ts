import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { autoScalingPortOver } from '../../lib/aws/autoscaling.js';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { clientConfig } from '../../lib/aws/config.js';
import { ec2PortOver } from '../../lib/aws/ec2.js';
import { eventBridgePortOver } from '../../lib/aws/eventbridge.js';
import { CleanupError, type CleanupDeps, cleanUpAfterDeployment, sweepOrphans } from '../../lib/cleanup/clean-up.js';
import { CleanupPublishError, createCleanupPublisher } from '../../lib/cleanup/publish.js';
import { cleanupEventSchema } from '../../lib/events/sentinel.js';
import { createLogger } from '../../lib/log.js';
import { createMetrics } from '../../lib/metrics.js';
import type { Deadline } from '../../lib/time.js';
import {
  type CleanupStandIns,
  generateAccount,
  startCleanupStandIns,
  standInClients,
} from '../../local/standins/generate-account.js';
import type { Scenario } from '../../local/standins/state.js';
import { CLEANUP_GROUPS, cleanupAccount } from '../support/accounts.js';
import { FIXED_NOW, fixedClock, HOUR } from '../support/builders.js';

const { stopped: STOPPED, failed: FAILED, live: LIVE, paymentsCopy: PAYMENTS_COPY } = CLEANUP_GROUPS;

let running: { standIns: CleanupStandIns; destroy: () => void } | undefined;
afterEach(async () => {
  running?.destroy();
  await running?.standIns.close();
  running = undefined;
});

/** The real ports and SDK clients against the stand-ins; time is injected and never waited. */
const setUp = async (
  scenario: Scenario,
  options: { busy?: Record<string, number>; deadline?: Deadline } & Partial<CleanupDeps> = {},
) => {
  const standIns = await startCleanupStandIns(scenario, { busy: options.busy });
  const clients = standInClients(standIns);
  running = { standIns, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
  const slept: number[] = [];
  const sleep = async (ms: number) => void slept.push(ms);
  const logLines: string[] = [];
  let ec2Loads = 0;
  const deadline = options.deadline ?? { remainingMs: () => 600_000 };
  const deps: CleanupDeps = {
    codedeploy: codeDeployPortOver(clients.codedeploy),
    autoscaling: autoScalingPortOver(clients.autoscaling),
    instances: async () => {
      ec2Loads += 1;
      return ec2PortOver(clients.ec2);
    },
    publish: createCleanupPublisher(eventBridgePortOver(clients.eventbridge), { sleep, random: () => 0.5, deadline }),
    mode: 'delete',
    minAgeMs: HOUR,
    deadline,
    clock: fixedClock,
    sleep,
    log: createLogger({ write: (line) => logLines.push(line) }),
    ...options,
  };
  const groupNames = () => standIns.autoscaling.groups.map((g) => g.name).sort();
  const details = () => standIns.bus.events.map((e) => cleanupEventSchema.parse(e).detail);
  return { standIns, deps, slept, logLines, groupNames, details, ec2Loads: () => ec2Loads };
};

describe('sweepOrphans against the stand-ins', () => {
  it('deletes only the orphans, oldest first, and publishes what it did and kept', async () => {
    const scenario = cleanupAccount();
    const before = scenario.autoScalingGroups.map((g) => g.name).sort();
    const { deps, standIns, groupNames, details } = await setUp(scenario);

    const summary = await sweepOrphans(deps);

    expect(standIns.autoscaling.deleted).toEqual([STOPPED, FAILED]);
    expect(groupNames()).toEqual(before.filter((n) => n !== STOPPED && n !== FAILED));
    expect(summary).toMatchObject({
      candidates: 4,
      examined: 4,
      deleted: [STOPPED, FAILED],
      wouldDelete: [],
      published: 4,
    });
    // Every published event is a valid cleanup event (the parse in details() throws otherwise).
    expect(details().map((d) => [d.action, d.autoScalingGroupName, d.reason])).toEqual([
      ['kept', LIVE, 'deployment-not-failed'],
      ['deleted', STOPPED, 'orphan'],
      ['deleted', FAILED, 'orphan'],
      ['kept', PAYMENTS_COPY, 'deployment-not-failed'],
    ]);
    const deleted = details().find((d) => d.autoScalingGroupName === FAILED)!;
    expect(deleted).toMatchObject({
      trigger: 'sweep',
      mode: 'delete',
      application: 'checkout',
      deploymentGroup: 'checkout-prod',
      deploymentId: 'd-F41LED001',
      deploymentStatus: 'Failed',
      instanceCount: 3,
      instanceTypes: ['m6i.large'],
      instanceIds: ['i-0a1b2c3d4e5f60001', 'i-0a1b2c3d4e5f60002', 'i-0a1b2c3d4e5f60003'],
      reasonText: expect.stringContaining('failed or stopped'),
    });
  });

  it('counts the groups deleted, the groups kept by reason, and none left by the sweep', async () => {
    const metrics = createMetrics();
    const { deps } = await setUp(cleanupAccount(), { metrics });
    await sweepOrphans(deps);
    expect(metrics.pending().map((d) => [d.name, d.dimensions, d.value])).toEqual([
      ['GroupsDeleted', {}, 2],
      ['GroupsKept', { reason: 'deployment-not-failed' }, 1],
      ['GroupsKept', { reason: 'deployment-not-failed' }, 1],
      ['SweepGroupsLeft', {}, 0],
    ]);
  });

  it('counts what report mode would delete as kept, for report mode', async () => {
    const metrics = createMetrics();
    const { deps } = await setUp(cleanupAccount(), { metrics, mode: 'report' });
    await sweepOrphans(deps);
    expect(metrics.pending()).toContainEqual({ name: 'GroupsKept', dimensions: { reason: 'report-mode' }, value: 2 });
    expect(metrics.pending().map((d) => d.name)).not.toContain('GroupsDeleted');
  });

  it('never calls anything but DescribeAutoScalingGroups and DeleteAutoScalingGroup on Auto Scaling', async () => {
    const { deps, standIns } = await setUp(cleanupAccount());
    await sweepOrphans(deps);
    const autoScalingOps = new Set(
      standIns.aws.calls.filter((c) => c.service === '2011-01-01').map((c) => c.operation),
    );
    expect(autoScalingOps).toEqual(new Set(['DescribeAutoScalingGroups', 'DeleteAutoScalingGroup']));
    for (const call of standIns.aws.calls.filter((c) => c.operation === 'DeleteAutoScalingGroup')) {
      expect(call.input).toMatchObject({ ForceDelete: 'true' });
    }
  });

  it('deletes nothing in report mode and says what it would delete', async () => {
    const scenario = cleanupAccount();
    const { deps, standIns, details } = await setUp(scenario, { mode: 'report' });
    const summary = await sweepOrphans(deps);
    expect(standIns.autoscaling.deleted).toEqual([]);
    expect(scenario.autoScalingGroups).toHaveLength(6);
    expect(summary.wouldDelete).toEqual([STOPPED, FAILED]);
    expect(
      details()
        .filter((d) => d.action === 'would-delete')
        .map((d) => [d.autoScalingGroupName, d.mode]),
    ).toEqual([
      [STOPPED, 'report'],
      [FAILED, 'report'],
    ]);
  });

  it('keeps a copy whose deployment completed within the minimum age', async () => {
    const { deps, standIns, details } = await setUp(cleanupAccount(), { minAgeMs: 3 * HOUR });
    await sweepOrphans(deps);
    expect(standIns.autoscaling.deleted).toEqual([STOPPED]);
    expect(details().find((d) => d.autoScalingGroupName === FAILED)).toMatchObject({
      action: 'kept',
      reason: 'too-recent',
    });
  });

  it('keeps every copy of a deployment group while one of its deployments runs', async () => {
    const scenario = cleanupAccount();
    const failed = scenario.deployments.find((d) => d.deploymentId === 'd-F41LED001')!;
    scenario.deployments.push({
      ...failed,
      deploymentId: 'd-QUEU3D001',
      status: 'Queued',
      completeTime: undefined,
      createTime: new Date(FIXED_NOW),
    });
    const { deps, standIns, details } = await setUp(scenario);
    await sweepOrphans(deps);
    expect(standIns.autoscaling.deleted).toEqual([]);
    expect(
      details()
        .filter((d) => d.reason === 'deployment-in-progress')
        .map((d) => d.autoScalingGroupName),
    ).toEqual([STOPPED, FAILED]);
  });

  it('waits out a scaling activity with the injected sleep, then deletes', async () => {
    const { deps, standIns, slept } = await setUp(cleanupAccount(), { busy: { [FAILED]: 2 } });
    await sweepOrphans(deps);
    expect(standIns.autoscaling.deleted).toEqual([STOPPED, FAILED]);
    expect(slept).toHaveLength(2);
  });

  it('finishes the others, publishes the failure, then throws when a group cannot be deleted', async () => {
    const { deps, standIns, details } = await setUp(cleanupAccount(), { busy: { [STOPPED]: 1_000 } });
    const error = await sweepOrphans(deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleanupError);
    const { summary } = error as CleanupError;
    expect(summary.deleteFailed).toEqual([
      { groupName: STOPPED, error: expect.stringContaining('ScalingActivityInProgress') },
    ]);
    expect(standIns.autoscaling.deleted).toEqual([FAILED]);
    expect(details().find((d) => d.autoScalingGroupName === STOPPED)).toMatchObject({
      action: 'delete-failed',
      error: expect.any(String),
    });
  });

  it('deletes, then throws, when the events cannot be published', async () => {
    const { deps, standIns } = await setUp(cleanupAccount());
    standIns.bus.refuse = () => 'InternalFailure';
    const error = await sweepOrphans(deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleanupError);
    expect(standIns.autoscaling.deleted).toEqual([STOPPED, FAILED]);
    expect((error as CleanupError).summary.published).toBe(0);
    expect(JSON.stringify((error as CleanupError).summary.errors)).toContain('publishing 4 cleanup events');
    expect((error as Error).cause).toBeInstanceOf(CleanupPublishError);
  });

  it('stops cleanly before the deadline and says how much is left', async () => {
    const account = generateAccount({ groups: 200, seed: 3, now: FIXED_NOW });
    const ref: { standIns?: CleanupStandIns } = {};
    // Time runs out once the first batch of 25 deployments has been read.
    const deadline: Deadline = {
      remainingMs: () =>
        (ref.standIns?.aws.calls.filter((c) => c.operation === 'BatchGetDeployments').length ?? 0) >= 1
          ? 1_000
          : 600_000,
    };
    const metrics = createMetrics();
    const { deps, standIns, details } = await setUp(account.scenario, { deadline, sweepReserveMs: 5_000, metrics });
    ref.standIns = standIns;

    const summary = await sweepOrphans(deps);

    expect(summary.incomplete).toBeDefined();
    const { examined, remaining } = summary.incomplete!;
    expect(examined).toBeGreaterThanOrEqual(25);
    expect(examined + remaining).toBe(summary.candidates);
    expect(remaining).toBeGreaterThan(0);
    expect(metrics.pending()).toContainEqual({ name: 'SweepGroupsLeft', dimensions: {}, value: remaining });
    expect(details().at(-1)).toEqual({
      action: 'sweep-incomplete',
      trigger: 'sweep',
      mode: 'delete',
      reason: 'deadline',
      reasonText: expect.any(String),
      examined,
      remaining,
    });
  });

  it('on generated accounts, deletes exactly the generated orphans and no live group', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const account = generateAccount({ groups: 80, seed, now: FIXED_NOW });
        const live = new Set(
          account.scenario.deploymentGroups.flatMap((g) => g.autoScalingGroups!.map((a) => a.name!)),
        );
        const { deps, standIns, details } = await setUp(account.scenario, { minAgeMs: account.minAgeMs });
        try {
          const summary = await sweepOrphans(deps);
          expect(new Set(standIns.autoscaling.deleted)).toEqual(new Set(account.orphans));
          expect(standIns.autoscaling.deleted.filter((n) => live.has(n))).toEqual([]);
          expect(Object.fromEntries(summary.kept.map((k) => [k.groupName, k.reason]))).toEqual(account.kept);
          expect(details()).toHaveLength(summary.candidates);
        } finally {
          running?.destroy();
          await standIns.close();
          running = undefined;
        }
      }),
      { numRuns: 5 },
    );
  });
});

describe('cleanUpAfterDeployment against the stand-ins', () => {
  it('deletes the copy of a failed deployment at once, whatever the minimum age', async () => {
    const { deps, standIns, details } = await setUp(cleanupAccount(), { minAgeMs: 24 * HOUR });
    const summary = await cleanUpAfterDeployment('d-F41LED001', deps);
    expect(standIns.autoscaling.deleted).toEqual([FAILED]);
    expect(summary.deleted).toEqual([FAILED]);
    expect(details()).toEqual([
      expect.objectContaining({ action: 'deleted', trigger: 'event', autoScalingGroupName: FAILED, instanceCount: 3 }),
    ]);
  });

  it('keeps the live copy of a successful deployment', async () => {
    const { deps, standIns, details } = await setUp(cleanupAccount());
    await cleanUpAfterDeployment('d-SUCC3SS01', deps);
    expect(standIns.autoscaling.deleted).toEqual([]);
    expect(details()).toEqual([
      expect.objectContaining({ action: 'kept', autoScalingGroupName: LIVE, reason: 'deployment-not-failed' }),
    ]);
  });

  it('does nothing for an in-place deployment: no group was created, EC2 is never loaded', async () => {
    const { deps, standIns, ec2Loads } = await setUp(cleanupAccount());
    const summary = await cleanUpAfterDeployment('d-ST4RT0001', deps);
    expect(summary.kept).toEqual([{ deploymentId: 'd-ST4RT0001', reason: 'not-copied-group' }]);
    expect(standIns.aws.calls.filter((c) => c.service === '2011-01-01')).toEqual([]);
    expect(standIns.bus.events).toEqual([]);
    expect(ec2Loads()).toBe(0);
  });

  it('reports the green instances a DISCOVER_EXISTING deployment left running, deleting nothing', async () => {
    const { deps, standIns, details, ec2Loads } = await setUp(cleanupAccount());
    const summary = await cleanUpAfterDeployment('d-D1SC0V3R1', deps);
    expect(ec2Loads()).toBe(1);
    expect(standIns.autoscaling.deleted).toEqual([]);
    expect(summary.greenInstances).toEqual([
      { deploymentId: 'd-D1SC0V3R1', instanceIds: ['i-0e5f6a7b8c9d00011', 'i-0e5f6a7b8c9d00012'] },
    ]);
    expect(details()).toEqual([
      expect.objectContaining({
        action: 'green-instances-running',
        deploymentId: 'd-D1SC0V3R1',
        instanceCount: 2,
        instanceIds: ['i-0e5f6a7b8c9d00011', 'i-0e5f6a7b8c9d00012'],
      }),
    ]);
  });

  it('counts a second delivery of the same event as done (the group is already gone)', async () => {
    const { deps, details } = await setUp(cleanupAccount());
    await cleanUpAfterDeployment('d-F41LED001', deps);
    const again = await cleanUpAfterDeployment('d-F41LED001', deps);
    expect(again.kept).toEqual([{ groupName: FAILED, deploymentId: 'd-F41LED001', reason: 'group-not-found' }]);
    expect(details().map((d) => d.action)).toEqual(['deleted', 'kept']);
  });

  it('fails the invocation when CodeDeploy cannot be read', async () => {
    const scenario = cleanupAccount();
    const { deps } = await setUp(scenario);
    // Nothing listens on port 9 of 127.0.0.1: the connection is refused at once.
    const client = new CodeDeployClient({
      ...clientConfig({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
      endpoint: 'http://127.0.0.1:9',
    });
    const unreachable = { ...deps, codedeploy: codeDeployPortOver(client) };
    await expect(cleanUpAfterDeployment('d-F41LED001', unreachable)).rejects.toBeInstanceOf(CleanupError);
    expect(scenario.autoScalingGroups.some((g) => g.name === FAILED)).toBe(true);
    client.destroy();
  });
});
