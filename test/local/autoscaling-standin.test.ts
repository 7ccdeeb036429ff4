import {
  AutoScalingClient,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  paginateDescribeAutoScalingGroups,
  ResourceInUseFault,
  ScalingActivityInProgressFault,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createScenario } from '../../local/scenario.js';
import {
  type AutoScalingAccount,
  autoScalingAccountFromScenario,
  autoScalingOperations,
  createAutoScalingAccount,
  type StandInAutoScalingGroup,
} from '../../local/standins/autoscaling.js';
import { type AwsStandIn, startAwsStandIn } from '../../local/standins/aws.js';
import { type Ec2StandIn, startEc2StandIn } from '../../local/standins/ec2.js';
import { createEventBus, eventBridgeOperations, type EventBus, refuseFirst } from '../../local/standins/eventbridge.js';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const group = (name: string, extra: Partial<StandInAutoScalingGroup> = {}): StandInAutoScalingGroup => ({
  name,
  createdTime: '2026-11-20T10:00:00Z',
  instances: [{ instanceId: `i-${name.length.toString(16).padStart(17, '0')}`, instanceType: 'm6i.large' }],
  ...extra,
});

describe('Auto Scaling stand-in', () => {
  let account: AutoScalingAccount;
  let standIn: AwsStandIn;
  let client: AutoScalingClient;

  beforeAll(async () => {
    account = createAutoScalingAccount([]);
    standIn = await startAwsStandIn({ query: autoScalingOperations(account) });
    client = new AutoScalingClient({
      endpoint: standIn.url,
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await standIn.close();
  });
  const reset = (groups: StandInAutoScalingGroup[], busy: Record<string, number> = {}) => {
    account.groups = groups;
    account.deleted = [];
    account.busy = new Map(Object.entries(busy));
  };

  it('describes groups with the fields the SDK reads', async () => {
    reset([
      group('CodeDeploy_web_prod_d-ABCDEFGH1', {
        status: 'Delete in progress',
        deletionProtection: 'prevent-force-deletion',
        launchTemplate: { launchTemplateId: 'lt-0123', launchTemplateName: 'web', version: '3' },
        tags: [{ key: 'app', value: 'web & <api>' }],
      }),
    ]);
    const { AutoScalingGroups } = await client.send(new DescribeAutoScalingGroupsCommand({}));
    expect(AutoScalingGroups).toHaveLength(1);
    const [g] = AutoScalingGroups!;
    expect(g).toMatchObject({
      AutoScalingGroupName: 'CodeDeploy_web_prod_d-ABCDEFGH1',
      Status: 'Delete in progress',
      DeletionProtection: 'prevent-force-deletion',
      CreatedTime: new Date('2026-11-20T10:00:00Z'),
      LaunchTemplate: { LaunchTemplateId: 'lt-0123', LaunchTemplateName: 'web', Version: '3' },
      Instances: [{ InstanceType: 'm6i.large', LifecycleState: 'InService' }],
      Tags: [{ Key: 'app', Value: 'web & <api>' }],
    });
    expect(g!.AutoScalingGroupARN).toMatch(
      /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:.+:autoScalingGroupName\/CodeDeploy_web_prod_d-ABCDEFGH1$/,
    );
  });

  it('pages with MaxRecords and NextToken, in name order, and answers only the names asked for', async () => {
    reset(Array.from({ length: 7 }, (_, i) => group(`g${6 - i}`)));
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeAutoScalingGroups({ client, pageSize: 3 }, {})) {
      pages += 1;
      names.push(...page.AutoScalingGroups!.map((g) => g.AutoScalingGroupName!));
    }
    expect(pages).toBe(3);
    expect(names).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6']);

    const { AutoScalingGroups } = await client.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g2', 'missing'] }),
    );
    expect(AutoScalingGroups!.map((g) => g.AutoScalingGroupName)).toEqual(['g2']);
  });

  it('refuses more than 100 records per page', async () => {
    await expect(client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('deletes a group with ForceDelete, and answers "name not found" afterwards', async () => {
    reset([group('a'), group('b')]);
    await client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'a', ForceDelete: true }));
    expect(account.groups.map((g) => g.name)).toEqual(['b']);
    expect(account.deleted).toEqual(['a']);
    await expect(
      client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'a', ForceDelete: true })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^AutoScalingGroup name not found/),
    });
  });

  it('refuses a group with instances without ForceDelete, and a busy group, with the SDK fault classes', async () => {
    reset([group('a')], { a: 1 });
    await expect(
      client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'a', ForceDelete: true })),
    ).rejects.toBeInstanceOf(ScalingActivityInProgressFault);
    await expect(client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'a' }))).rejects.toBeInstanceOf(
      ResourceInUseFault,
    );
    expect(account.groups).toHaveLength(1);
  });

  it('honours deletion protection', async () => {
    reset([
      group('force', { deletionProtection: 'prevent-force-deletion' }),
      group('all', { deletionProtection: 'prevent-all-deletion' }),
    ]);
    for (const name of ['force', 'all']) {
      await expect(
        client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true })),
      ).rejects.toMatchObject({
        name: 'ValidationError',
      });
    }
    expect(account.groups).toHaveLength(2);
  });

  it("serves a scenario's groups and removes deleted ones from the scenario itself", async () => {
    const scenario = createScenario(Date.parse('2026-11-20T17:00:00Z'));
    const fromScenario = autoScalingAccountFromScenario(scenario);
    reset(fromScenario.groups);
    const { AutoScalingGroups } = await client.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['bastion-asg'] }),
    );
    expect(AutoScalingGroups![0]!.AutoScalingGroupARN).toBe(
      scenario.autoScalingGroups.find((g) => g.name === 'bastion-asg')!.arn,
    );
    await client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'bastion-asg', ForceDelete: true }));
    expect(scenario.autoScalingGroups.some((g) => g.name === 'bastion-asg')).toBe(false);
  });
});

describe('EC2 stand-in', () => {
  let ec2: Ec2StandIn;
  let client: EC2Client;

  beforeAll(async () => {
    ec2 = await startEc2StandIn([
      {
        instanceId: 'i-0000000000000001a',
        instanceType: 'c6i.large',
        tags: { release: 'r1', Name: 'search' },
        launchTime: '2026-11-17T10:00:00Z',
      },
      { instanceId: 'i-0000000000000002b', state: 'terminated', tags: { release: 'r1' } },
      { instanceId: 'i-0000000000000003c', tags: { release: 'r2' } },
      { instanceId: 'i-0000000000000004d', tags: { owner: 'ops' } },
    ]);
    client = new EC2Client({ endpoint: ec2.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await ec2.close();
  });

  it('answers DescribeInstances in EC2 XML that the SDK parses', async () => {
    const { Reservations } = await client.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:release', Values: ['r1'] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      }),
    );
    const instances = Reservations!.flatMap((r) => r.Instances!);
    expect(instances).toHaveLength(1);
    expect(instances[0]).toMatchObject({
      InstanceId: 'i-0000000000000001a',
      InstanceType: 'c6i.large',
      State: { Code: 16, Name: 'running' },
      LaunchTime: new Date('2026-11-17T10:00:00Z'),
    });
    expect(instances[0]!.Tags).toEqual(expect.arrayContaining([{ Key: 'release', Value: 'r1' }]));
  });

  it('supports tag-key, tag-value and wildcard filters, and pages', async () => {
    const ids = async (Filters: Array<{ Name: string; Values: string[] }>) => {
      const out: string[] = [];
      for await (const page of paginateDescribeInstances({ client, pageSize: 5 }, { Filters })) {
        out.push(...page.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
      }
      return out;
    };
    expect(await ids([{ Name: 'tag-key', Values: ['owner'] }])).toEqual(['i-0000000000000004d']);
    expect(await ids([{ Name: 'tag-value', Values: ['r2'] }])).toEqual(['i-0000000000000003c']);
    expect(await ids([{ Name: 'tag:release', Values: ['r*'] }])).toHaveLength(3);
  });
});

describe('EventBridge stand-in', () => {
  let bus: EventBus;
  let standIn: AwsStandIn;
  let client: EventBridgeClient;

  beforeAll(async () => {
    bus = createEventBus({ region: 'eu-west-1' });
    standIn = await startAwsStandIn({ json: eventBridgeOperations(bus) });
    client = new EventBridgeClient({
      endpoint: standIn.url,
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await standIn.close();
  });
  afterEach(() => {
    bus.events.length = 0;
    bus.busNames.length = 0;
    bus.refuse = undefined;
  });

  it('records accepted entries as delivered events', async () => {
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [{ Source: 'deploy-sentinel', DetailType: 'Deploy Sentinel Cleanup', Detail: '{"action":"kept"}' }],
      }),
    );
    expect(answer.FailedEntryCount).toBe(0);
    expect(bus.events).toEqual([
      expect.objectContaining({
        id: answer.Entries![0]!.EventId,
        source: 'deploy-sentinel',
        region: 'eu-west-1',
        detail: { action: 'kept' },
      }),
    ]);
    expect(bus.busNames).toEqual(['default']);
  });

  it('refuses entries inside a 200 answer, and malformed details', async () => {
    bus.refuse = refuseFirst(1, 'InternalFailure');
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 's', DetailType: 't', Detail: '{}' },
          { Source: 's', DetailType: 't', Detail: '{}' },
          { Source: 's', DetailType: 't', Detail: 'not json' },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(2);
    expect(answer.Entries!.map((e) => e.ErrorCode)).toEqual(['InternalFailure', undefined, 'MalformedDetail']);
    expect(bus.events).toHaveLength(1);
  });
});
