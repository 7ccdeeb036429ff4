import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Ec2Filter, Ec2Port } from '../../lib/aws/ec2.js';
import { findGreenInstances } from '../../lib/cleanup/clean-up.js';
import { lazyEc2Port } from '../../lib/cleanup/lazy-instances.js';
import { deadlineAt } from '../../lib/time.js';

const budget = { deadline: deadlineAt(Date.now() + 60_000) };

describe('findGreenInstances', () => {
  it('matches any filter within a list and every list of a tag set, running instances only', async () => {
    const asked: Ec2Filter[][] = [];
    const byFilter: Record<string, string[]> = {
      'tag:release=r1': ['i-a', 'i-b'],
      'tag:release=r2': ['i-c'],
      'tag:env=prod': ['i-b', 'i-c', 'i-d'],
    };
    const port: Ec2Port = {
      describeInstances: async (filters) => {
        asked.push(filters);
        const tag = filters.find((f) => f.name !== 'instance-state-name')!;
        return (byFilter[`${tag.name}=${tag.values[0]}`] ?? []).map((instanceId) => ({ instanceId }));
      },
    };
    const found = await findGreenInstances(
      port,
      [
        [
          { key: 'release', value: 'r1', type: 'KEY_AND_VALUE' },
          { key: 'release', value: 'r2', type: 'KEY_AND_VALUE' },
        ],
        [{ key: 'env', value: 'prod', type: 'KEY_AND_VALUE' }],
      ],
      budget,
    );
    expect(found.map((i) => i.instanceId)).toEqual(['i-b', 'i-c']);
    expect(asked).toHaveLength(3);
    for (const filters of asked)
      expect(filters).toContainEqual({ name: 'instance-state-name', values: ['pending', 'running'] });
  });
});

describe('lazyEc2Port', () => {
  const ec2 = mockClient(EC2Client);
  beforeEach(() => ec2.reset());

  it('creates the EC2 port on first use and keeps it', async () => {
    const load = lazyEc2Port({ region: 'us-east-1' });
    const first = await load();
    expect(await load()).toBe(first);
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-9', State: { Name: 'running', Code: 16 } }] }],
    });
    expect((await first.describeInstances([], budget)).map((i) => i.instanceId)).toEqual(['i-9']);
  });
});
