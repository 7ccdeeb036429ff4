import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { elbv2PortOver } from '../../lib/aws/elbv2.js';
import { deadlineAt } from '../../lib/time.js';

const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/orders-prod/7d3e9a1b2c4f5e60';
const TEST =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders-prod/7d3e9a1b2c4f5e60/9f8e7d6c5b4a3921';
const GREEN_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-green/5e7f9a1b3c5d7e9f';

const elb = mockClient(ElasticLoadBalancingV2Client);
const port = elbv2PortOver(new ElasticLoadBalancingV2Client({ region: 'us-east-1' }));
const budget = () => ({ deadline: deadlineAt(Date.now() + 60_000), sleep: async () => {}, random: () => 0 });

beforeEach(() => elb.reset());

describe('the ELBv2 port', () => {
  it('describes one listener: its load balancer, port and protocol', async () => {
    elb
      .on(DescribeListenersCommand, { ListenerArns: [TEST] })
      .resolves({ Listeners: [{ ListenerArn: TEST, LoadBalancerArn: LB, Port: 8080, Protocol: 'HTTPS' }] });
    expect(await port.getListener(TEST, budget())).toEqual({ loadBalancerArn: LB, port: 8080, protocol: 'HTTPS' });
  });

  it('answers undefined for a listener the answer does not place on a load balancer and port', async () => {
    elb.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: TEST, Port: 8080 }] });
    expect(await port.getListener(TEST, budget())).toBeUndefined();
    elb.on(DescribeListenersCommand).resolves({ Listeners: [] });
    expect(await port.getListener(TEST, budget())).toBeUndefined();
  });

  it("reads a load balancer's DNS name", async () => {
    elb
      .on(DescribeLoadBalancersCommand, { LoadBalancerArns: [LB] })
      .resolves({ LoadBalancers: [{ LoadBalancerArn: LB, DNSName: 'internal-orders.elb.amazonaws.com' }] });
    expect(await port.getLoadBalancerDnsName(LB, budget())).toBe('internal-orders.elb.amazonaws.com');
    elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB, DNSName: '' }] });
    expect(await port.getLoadBalancerDnsName(LB, budget())).toBeUndefined();
  });

  it('finds a target group by name', async () => {
    elb
      .on(DescribeTargetGroupsCommand, { Names: ['orders-green'] })
      .resolves({ TargetGroups: [{ TargetGroupArn: GREEN_TG, TargetGroupName: 'orders-green' }] });
    expect(await port.getTargetGroupArn('orders-green', budget())).toBe(GREEN_TG);
  });

  it('passes on the API error for a target group that does not exist', async () => {
    elb
      .on(DescribeTargetGroupsCommand)
      .rejects(new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: {} }));
    await expect(port.getTargetGroupArn('orders-purple', budget())).rejects.toMatchObject({
      name: 'TargetGroupNotFoundException',
      message: 'One or more target groups not found',
    });
    expect(elb.commandCalls(DescribeTargetGroupsCommand)).toHaveLength(1);
  });

  it("reads each registered target's health", async () => {
    elb.on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG }).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: '10.0.2.11', Port: 8080 }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: '10.0.2.12', Port: 8080 }, TargetHealth: { State: 'unhealthy', Reason: 'Target.Timeout' } },
        {},
      ],
    });
    expect(await port.getTargetHealth(GREEN_TG, budget())).toEqual([
      { id: '10.0.2.11', port: 8080, state: 'healthy', reason: undefined },
      { id: '10.0.2.12', port: 8080, state: 'unhealthy', reason: 'Target.Timeout' },
      { id: '?', port: undefined, state: 'unknown', reason: undefined },
    ]);
    expect(elb.commandCalls(DescribeTargetHealthCommand)[0]?.args[0].input).toEqual({ TargetGroupArn: GREEN_TG });
  });

  it('retries a throttled call within its budget', async () => {
    elb
      .on(DescribeTargetHealthCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      )
      .resolves({ TargetHealthDescriptions: [] });
    expect(await port.getTargetHealth(GREEN_TG, budget())).toEqual([]);
    expect(elb.commandCalls(DescribeTargetHealthCommand)).toHaveLength(2);
  });

  it('gives every call the attempt signal of its budget', async () => {
    elb.on(DescribeListenersCommand).resolves({ Listeners: [] });
    const controller = new AbortController();
    await port.getListener(TEST, { ...budget(), signal: controller.signal });
    const options = (elb.call(0).args as unknown[])[1] as { abortSignal?: AbortSignal };
    expect(options.abortSignal).toBeInstanceOf(AbortSignal);
    controller.abort();
    expect(options.abortSignal?.aborted).toBe(true);
  });
});
