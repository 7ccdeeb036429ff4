import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createEnvironment,
  dimensionOf,
  type DiscoveryClients,
  listenerUrl,
  schemeOf,
  targetGroupNameOf,
  taskSetTargetGroups,
} from '../../lib/hooks/discovery.js';
import type { DiscoveryOverrides } from '../../lib/hooks/settings.js';
import { createScenario, ORDERS_LOAD_BALANCER } from '../../local/scenario.js';
import { type AwsStandIn, startAwsStandIn } from '../../local/standins/aws.js';
import { CODEDEPLOY_TARGET_PREFIX, codeDeployOperations } from '../../local/standins/codedeploy.js';
import {
  ELBV2_VERSION,
  elbv2Service,
  type Elbv2Model,
  ORDERS_TARGET_GROUP_ARNS,
  ordersElbv2Model,
} from '../../local/standins/elbv2.js';

describe('discovery helpers', () => {
  it('derives CloudWatch dimension values from ELBv2 ARNs', () => {
    expect(dimensionOf(ORDERS_LOAD_BALANCER.loadBalancerArn)).toBe('app/orders-prod/7d3e9a1b2c4f5e60');
    expect(dimensionOf(ORDERS_TARGET_GROUP_ARNS.green)).toBe('targetgroup/orders-green/5e7f9a1b3c5d7e9f');
    expect(targetGroupNameOf(ORDERS_TARGET_GROUP_ARNS.green)).toBe('orders-green');
  });

  it('builds listener URLs, leaving out standard ports', () => {
    expect(listenerUrl('http', 'internal-orders.elb.amazonaws.com', 80)).toBe(
      'http://internal-orders.elb.amazonaws.com',
    );
    expect(listenerUrl('https', 'internal-orders.elb.amazonaws.com', 8443)).toBe(
      'https://internal-orders.elb.amazonaws.com:8443',
    );
    expect([schemeOf('HTTP'), schemeOf('TLS'), schemeOf('UDP')]).toEqual(['http', 'https', undefined]);
  });

  it('tells green from blue by the task set label, not by order or weight', () => {
    expect(
      taskSetTargetGroups([
        { taskSetLabel: 'Green', trafficWeight: 100, targetGroup: { name: 'orders-b' } },
        { taskSetLabel: 'Blue', trafficWeight: 0, targetGroup: { name: 'orders-a' } },
      ]),
    ).toEqual({ green: 'orders-b', blue: 'orders-a' });
  });
});

describe('createEnvironment against the CodeDeploy and ELBv2 stand-ins', () => {
  let standIn: AwsStandIn;
  let elb: Elbv2Model;
  let clients: DiscoveryClients;

  beforeAll(async () => {
    elb = ordersElbv2Model({ testPort: 18080 });
    standIn = await startAwsStandIn({
      json: { [CODEDEPLOY_TARGET_PREFIX]: codeDeployOperations(createScenario()) },
      query: { [ELBV2_VERSION]: elbv2Service(elb) },
    });
    const config = {
      endpoint: standIn.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    };
    clients = { codedeploy: new CodeDeployClient(config), elbv2: new ElasticLoadBalancingV2Client(config) };
  });
  afterAll(() => standIn.close());
  beforeEach(() => {
    Object.assign(elb, ordersElbv2Model({ testPort: 18080 }));
    standIn.calls.length = 0;
  });

  const env = (overrides: DiscoveryOverrides = {}, deploymentId = 'd-EC5H00K01') =>
    createEnvironment({ deploymentId }, overrides, clients, new AbortController().signal);

  it('finds both listeners on the load balancer, each looked up once', async () => {
    const e = env();
    expect(await e.listener('test')).toEqual({ value: { baseUrl: 'http://127.0.0.1:18080', host: undefined } });
    expect(await e.listener('production')).toEqual({ value: { baseUrl: 'http://127.0.0.1', host: undefined } });
    await e.listener('test');
    const ops = standIn.calls.map((c) => c.operation);
    expect(ops.filter((o) => o === 'GetDeployment')).toHaveLength(1);
    expect(ops.filter((o) => o === 'DescribeListeners')).toHaveLength(2);
    expect(ops.filter((o) => o === 'DescribeLoadBalancers')).toHaveLength(1);
  });

  it('probes HTTPS and TLS listeners over https, and refuses UDP', async () => {
    elb.listeners[1]!.protocol = 'TLS';
    elb.listeners[0]!.protocol = 'UDP';
    const e = env({ testListener: { host: 'orders.internal.example.com' } });
    expect(await e.listener('test')).toEqual({
      value: { baseUrl: 'https://127.0.0.1:18080', host: 'orders.internal.example.com' },
    });
    expect(await e.listener('production')).toEqual({
      reason: 'the production listener speaks UDP, which cannot be probed over HTTP',
    });
  });

  it('finds the green and blue target groups from the task sets', async () => {
    const e = env();
    expect(await e.targetGroup('green')).toEqual({
      value: { arn: ORDERS_TARGET_GROUP_ARNS.green, name: 'orders-green' },
    });
    expect(await e.targetGroup('blue')).toEqual({ value: { arn: ORDERS_TARGET_GROUP_ARNS.blue, name: 'orders-blue' } });
    expect(await e.variable('greenTargetGroup')).toEqual({ value: 'targetgroup/orders-green/5e7f9a1b3c5d7e9f' });
    expect(await e.variable('loadBalancer')).toEqual({ value: 'app/orders-prod/7d3e9a1b2c4f5e60' });
    expect(await e.variable('deploymentGroupName')).toEqual({ value: 'orders-ecs' });
  });

  it('passes on the API error for a target group that does not exist', async () => {
    expect(await env().targetGroup('orders-purple')).toEqual({
      reason:
        'DescribeTargetGroups(orders-purple) failed: TargetGroupNotFoundException: One or more target groups not found',
    });
  });

  it('passes on the API error for a deployment that does not exist', async () => {
    const lookup = await env({}, 'd-N0TF0UND1').listener('test');
    expect(lookup).toEqual({
      reason: expect.stringMatching(/^GetDeployment failed: DeploymentDoesNotExistException: /),
    });
  });

  it('fails closed for a server deployment group without ECS services or traffic routes', async () => {
    const e = env({}, 'd-SUCC3SS01');
    expect(await e.targetGroup('green')).toEqual({
      reason: 'deployment group checkout/checkout-prod names no ECS service',
    });
    expect(await e.listener('test')).toEqual({
      reason: 'deployment group checkout/checkout-prod has no test traffic route; set hooks.discovery.testListener.url',
    });
  });
});
