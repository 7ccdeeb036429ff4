import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { findGreenInstances } from '../../lib/cleanup/clean-up.js';
import { createInstancesPort } from '../../lib/cleanup/instances.js';
import { lazyInstancesPort } from '../../lib/cleanup/lazy-instances.js';

const ec2 = mockClient(EC2Client);
const port = createInstancesPort(new EC2Client({ region: 'us-east-1' }));

beforeEach(() => ec2.reset());

const reservation = (...ids: string[]) => ({
  Instances: ids.map((InstanceId) => ({
    InstanceId,
    InstanceType: 'c6i.large' as const,
    State: { Name: 'running' as const, Code: 16 },
  })),
});

describe('createInstancesPort', () => {
  it('sends the filters and follows every page', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [reservation('i-1', 'i-2')], NextToken: 'next' })
      .resolvesOnce({ Reservations: [reservation('i-3')] });
    const found = await port.describeInstances([{ name: 'tag:release', values: ['r1'] }]);
    expect(found.map((i) => i.instanceId)).toEqual(['i-1', 'i-2', 'i-3']);
    expect(found[0]).toEqual({
      instanceId: 'i-1',
      instanceType: 'c6i.large',
      state: 'running',
      launchTimeMs: undefined,
    });
    const input = ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input;
    expect(input.Filters).toEqual([{ Name: 'tag:release', Values: ['r1'] }]);
  });
});

describe('findGreenInstances', () => {
  it('matches any filter within a list and every list of a tag set, running instances only', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .callsFake(({ Filters }: { Filters: Array<{ Name: string; Values: string[] }> }) => {
        const tag = Filters.find((f) => f.Name !== 'instance-state-name')!;
        expect(Filters).toContainEqual({ Name: 'instance-state-name', Values: ['pending', 'running'] });
        const byFilter: Record<string, string[]> = {
          'tag:release=r1': ['i-a', 'i-b'],
          'tag:release=r2': ['i-c'],
          'tag:env=prod': ['i-b', 'i-c', 'i-d'],
        };
        return { Reservations: [reservation(...(byFilter[`${tag.Name}=${tag.Values[0]}`] ?? []))] };
      });
    const found = await findGreenInstances(port, [
      [
        { key: 'release', value: 'r1', type: 'KEY_AND_VALUE' },
        { key: 'release', value: 'r2', type: 'KEY_AND_VALUE' },
      ],
      [{ key: 'env', value: 'prod', type: 'KEY_AND_VALUE' }],
    ]);
    expect(found.map((i) => i.instanceId)).toEqual(['i-b', 'i-c']);
  });
});

describe('lazyInstancesPort', () => {
  it('creates the EC2 port on first use and keeps it', async () => {
    const load = lazyInstancesPort({ region: 'us-east-1' });
    const first = await load();
    expect(await load()).toBe(first);
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [reservation('i-9')] });
    expect((await first.describeInstances([])).map((i) => i.instanceId)).toEqual(['i-9']);
  });
});
