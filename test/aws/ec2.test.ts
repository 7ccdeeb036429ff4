import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/config.js';
import { ec2PortOver } from '../../lib/aws/ec2.js';
import { deadlineAt } from '../../lib/time.js';

const ec2 = mockClient(EC2Client);
const port = ec2PortOver(new EC2Client({ ...clientConfig({ region: 'us-east-1' }) }));
const budget = () => ({ deadline: deadlineAt(Date.now() + 60_000) });

beforeEach(() => ec2.reset());

const reservation = (...ids: string[]) => ({
  Instances: ids.map((InstanceId) => ({
    InstanceId,
    InstanceType: 'c6i.large' as const,
    State: { Name: 'running' as const, Code: 16 },
  })),
});

describe('EC2 port', () => {
  it('sends the filters and follows every page, each call under an abort signal', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [reservation('i-1', 'i-2')], NextToken: 'next' })
      .resolvesOnce({ Reservations: [reservation('i-3')] });
    const found = await port.describeInstances([{ name: 'tag:release', values: ['r1'] }], budget());
    expect(found.map((i) => i.instanceId)).toEqual(['i-1', 'i-2', 'i-3']);
    expect(found[0]).toEqual({
      instanceId: 'i-1',
      instanceType: 'c6i.large',
      state: 'running',
      launchTimeMs: undefined,
    });
    const calls = ec2.commandCalls(DescribeInstancesCommand);
    expect(calls[0]!.args[0].input.Filters).toEqual([{ Name: 'tag:release', Values: ['r1'] }]);
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'next']);
    for (const call of calls)
      expect((call.args as unknown[])[1]).toMatchObject({ abortSignal: expect.any(AbortSignal) });
  });
});
