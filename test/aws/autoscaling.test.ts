import {
  AutoScalingClient,
  AutoScalingServiceException,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  ResourceInUseFault,
  ScalingActivityInProgressFault,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { autoScalingPortOver, toGroupFacts } from '../../lib/aws/autoscaling.js';
import { clientConfig } from '../../lib/aws/config.js';
import { DeadlineExceededError } from '../../lib/retry.js';
import type { Deadline } from '../../lib/time.js';

const autoscaling = mockClient(AutoScalingClient);
const meta = { $metadata: {} };
const busy = () =>
  new ScalingActivityInProgressFault({
    message: 'An update or delete is in progress for this AutoScalingGroup.',
    ...meta,
  });
const inUse = () =>
  new ResourceInUseFault({ message: 'You cannot delete an AutoScalingGroup while there are instances', ...meta });
const validation = (message: string) =>
  new AutoScalingServiceException({ name: 'ValidationError', $fault: 'client', message, ...meta });

/** A sleep that only records, a deadline that moves with it, and the most jitter (random 1). */
const fakeTime = (budgetMs = 60_000) => {
  const slept: number[] = [];
  let now = 0;
  const deadline: Deadline = { remainingMs: () => budgetMs - now };
  const sleep = async (ms: number) => {
    slept.push(ms);
    now += ms;
  };
  return { slept, deadline, sleep, random: () => 1 };
};

const port = autoScalingPortOver(new AutoScalingClient({ ...clientConfig({ region: 'us-east-1' }) }));

beforeEach(() => autoscaling.reset());

describe('toGroupFacts', () => {
  it('keeps what the decision and the report need', () => {
    expect(
      toGroupFacts({
        AutoScalingGroupName: 'CodeDeploy_web_d-F41LED001',
        AutoScalingGroupARN:
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/CodeDeploy_web_d-F41LED001',
        Status: 'Delete in progress',
        DeletionProtection: 'prevent-force-deletion',
        CreatedTime: new Date('2026-11-20T10:00:00Z'),
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 1,
        DefaultCooldown: 300,
        AvailabilityZones: ['us-east-1a'],
        HealthCheckType: 'EC2',
        Instances: [
          {
            InstanceId: 'i-1',
            InstanceType: 'm6i.large',
            LifecycleState: 'InService',
            AvailabilityZone: 'us-east-1a',
            HealthStatus: 'Healthy',
            ProtectedFromScaleIn: false,
          },
        ],
      }),
    ).toEqual({
      name: 'CodeDeploy_web_d-F41LED001',
      arn: 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/CodeDeploy_web_d-F41LED001',
      status: 'Delete in progress',
      deletionProtection: 'prevent-force-deletion',
      createdTimeMs: Date.parse('2026-11-20T10:00:00Z'),
      instances: [{ instanceId: 'i-1', instanceType: 'm6i.large', lifecycleState: 'InService' }],
    });
  });
});

describe('Auto Scaling port', () => {
  it('lists every group, page by page, 100 per page', async () => {
    autoscaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({ AutoScalingGroups: [{ AutoScalingGroupName: 'a' } as never], NextToken: 't2' })
      .resolvesOnce({
        AutoScalingGroups: [{ AutoScalingGroupName: 'b' } as never, { AutoScalingGroupName: 'c' } as never],
      });
    const pages: string[][] = [];
    for await (const page of port.listGroups(fakeTime())) pages.push(page.map((g) => g.name));
    expect(pages).toEqual([['a'], ['b', 'c']]);
    const inputs = autoscaling.commandCalls(DescribeAutoScalingGroupsCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.MaxRecords)).toEqual([100, 100]);
    expect(inputs.map((i) => i.NextToken)).toEqual([undefined, 't2']);
  });

  it('describes one group by name, or answers undefined', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    await expect(port.describeGroup('gone', fakeTime())).resolves.toBeUndefined();
    const call = autoscaling.commandCalls(DescribeAutoScalingGroupsCommand)[0]!;
    expect(call.args[0].input).toEqual({ AutoScalingGroupNames: ['gone'] });
    expect((call.args as unknown[])[1]).toMatchObject({ abortSignal: expect.any(AbortSignal) });
  });

  it('deletes with ForceDelete and touches nothing else (launch templates stay)', async () => {
    autoscaling.on(DeleteAutoScalingGroupCommand).resolves({});
    const time = fakeTime();
    await expect(port.deleteGroup('CodeDeploy_web_d-F41LED001', time)).resolves.toBe('deleted');
    expect(autoscaling.calls().map((c) => c.args[0].constructor.name)).toEqual(['DeleteAutoScalingGroupCommand']);
    expect(autoscaling.commandCalls(DeleteAutoScalingGroupCommand)[0]!.args[0].input).toEqual({
      AutoScalingGroupName: 'CodeDeploy_web_d-F41LED001',
      ForceDelete: true,
    });
  });

  it('retries while a scaling activity runs or the group is in use, with growing waits', async () => {
    autoscaling
      .on(DeleteAutoScalingGroupCommand)
      .rejectsOnce(busy())
      .rejectsOnce(busy())
      .rejectsOnce(inUse())
      .resolves({});
    const time = fakeTime();
    await expect(port.deleteGroup('g', time)).resolves.toBe('deleted');
    expect(autoscaling.commandCalls(DeleteAutoScalingGroupCommand)).toHaveLength(4);
    expect(time.slept).toEqual([1_000, 2_000, 4_000]);
  });

  it('counts "AutoScalingGroup name not found" as done, also after a retry', async () => {
    autoscaling
      .on(DeleteAutoScalingGroupCommand)
      .rejectsOnce(busy())
      .rejects(validation("AutoScalingGroup name not found - AutoScalingGroup 'g' not found"));
    await expect(port.deleteGroup('g', fakeTime())).resolves.toBe('not-found');
  });

  it('does not retry other refusals', async () => {
    autoscaling
      .on(DeleteAutoScalingGroupCommand)
      .rejects(
        validation(
          'You cannot delete Auto Scaling group g because deletion protection is set to prevent-all-deletion.',
        ),
      );
    await expect(port.deleteGroup('g', fakeTime())).rejects.toMatchObject({ name: 'ValidationError' });
    expect(autoscaling.commandCalls(DeleteAutoScalingGroupCommand)).toHaveLength(1);
  });

  it('makes at most 8 attempts in all, throttling and busy refusals alike', async () => {
    autoscaling
      .on(DeleteAutoScalingGroupCommand)
      .rejectsOnce(
        new AutoScalingServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta }),
      )
      .rejects(busy());
    const time = fakeTime(10 * 60_000);
    await expect(port.deleteGroup('g', time)).rejects.toBeInstanceOf(ScalingActivityInProgressFault);
    expect(autoscaling.commandCalls(DeleteAutoScalingGroupCommand)).toHaveLength(8);
    expect(time.slept).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000]);
  });

  it('stops retrying before the deadline, with the last refusal as the cause', async () => {
    autoscaling.on(DeleteAutoScalingGroupCommand).rejects(busy());
    const time = fakeTime(5_000);
    const error = await port.deleteGroup('g', time).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).cause).toBeInstanceOf(ScalingActivityInProgressFault);
    expect(time.slept).toEqual([1_000, 2_000]);
  });
});
