import { describe, expect, it } from 'vitest';
import { DISCOVERY_CALL_TIMEOUT_MS } from '../../lib/hooks/budget.js';
import { createEnvironment, dimensionOf, listenerUrl, schemeOf, targetGroupNameOf } from '../../lib/hooks/discovery.js';
import type { DiscoveryOverrides } from '../../lib/hooks/settings.js';
import {
  awsError,
  fakeTime,
  inMemoryHookPorts,
  type InMemoryPortsOptions,
  ORDERS,
  ordersWorld,
  virtualTime,
} from './support.js';

const { LB, GREEN_TG, BLUE_TG, TEST } = ORDERS;

describe('discovery helpers', () => {
  it('derives CloudWatch dimension values from ELBv2 ARNs', () => {
    expect(dimensionOf(LB)).toBe('app/orders-prod/7d3e9a1b2c4f5e60');
    expect(dimensionOf(GREEN_TG)).toBe('targetgroup/orders-green/5e7f9a1b3c5d7e9f');
    expect(targetGroupNameOf(GREEN_TG)).toBe('orders-green');
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
});

describe('createEnvironment over the CodeDeploy and ELBv2 ports', () => {
  type Time = Pick<ReturnType<typeof virtualTime>, 'clock' | 'sleep' | 'deadlineIn'>;
  const setUp = (options: InMemoryPortsOptions & { time?: Time } = {}) => {
    const time = options.time ?? fakeTime();
    const ports = inMemoryHookPorts(ordersWorld(18080), { sleep: time.sleep, ...options });
    // A server deployment group: no ECS service, no traffic routes.
    ports.world.deployments.set('d-SUCC3SS01', {
      deploymentId: 'd-SUCC3SS01',
      application: 'checkout',
      deploymentGroup: 'checkout-prod',
      status: 'Succeeded',
    });
    ports.world.groups.set('checkout/checkout-prod', {
      application: 'checkout',
      deploymentGroup: 'checkout-prod',
      liveAutoScalingGroups: ['CodeDeploy_checkout-prod_d-SUCC3SS01'],
      alarms: [],
      alarmsEnabled: false,
      ignorePollAlarmFailure: false,
      autoRollbackOnAlarm: false,
    });
    const env = (overrides: DiscoveryOverrides = {}, deploymentId = 'd-EC5H00K01') =>
      createEnvironment(
        { deploymentId },
        overrides,
        { ...ports, clock: time.clock, sleep: time.sleep, deadline: time.deadlineIn(60_000), random: () => 0.5 },
        new AbortController().signal,
      );
    return { ports, env, time };
  };

  it('finds both listeners on the load balancer, each looked up once', async () => {
    const { ports, env } = setUp();
    const e = env();
    expect(await e.listener('test')).toEqual({ value: { baseUrl: 'http://127.0.0.1:18080', host: undefined } });
    expect(await e.listener('production')).toEqual({ value: { baseUrl: 'http://127.0.0.1', host: undefined } });
    await e.listener('test');
    expect(ports.callsOf('GetDeployment')).toHaveLength(1);
    expect(ports.callsOf('DescribeListeners')).toHaveLength(2);
    expect(ports.callsOf('DescribeLoadBalancers')).toHaveLength(1);
  });

  it('probes HTTPS and TLS listeners over https, and refuses UDP', async () => {
    const { ports, env } = setUp();
    ports.world.listeners.get(TEST)!.protocol = 'TLS';
    ports.world.listeners.get(ORDERS.PROD)!.protocol = 'UDP';
    const e = env({ testListener: { host: 'orders.internal.example.com' } });
    expect(await e.listener('test')).toEqual({
      value: { baseUrl: 'https://127.0.0.1:18080', host: 'orders.internal.example.com' },
    });
    expect(await e.listener('production')).toEqual({
      reason: 'the production listener speaks UDP, which cannot be probed over HTTP',
    });
  });

  it('finds the green and blue target groups from the task sets', async () => {
    const { env } = setUp();
    const e = env();
    expect(await e.targetGroup('green')).toEqual({ value: { arn: GREEN_TG, name: 'orders-green' } });
    expect(await e.targetGroup('blue')).toEqual({ value: { arn: BLUE_TG, name: 'orders-blue' } });
    expect(await e.variable('greenTargetGroup')).toEqual({ value: 'targetgroup/orders-green/5e7f9a1b3c5d7e9f' });
    expect(await e.variable('loadBalancer')).toEqual({ value: 'app/orders-prod/7d3e9a1b2c4f5e60' });
    expect(await e.variable('deploymentGroupName')).toEqual({ value: 'orders-ecs' });
  });

  it("reads the deployment group's alarms", async () => {
    const { env } = setUp();
    expect(await env().deploymentGroupAlarms()).toEqual({ value: ['orders-5xx'] });
  });

  it('passes on the API error for a target group that does not exist', async () => {
    const { env } = setUp();
    expect(await env().targetGroup('orders-purple')).toEqual({
      reason:
        'DescribeTargetGroups(orders-purple) failed: TargetGroupNotFoundException: One or more target groups not found',
    });
  });

  it('names the deployment that does not exist', async () => {
    const { env } = setUp();
    const lookup = await env({}, 'd-N0TF0UND1').listener('test');
    expect(lookup).toEqual({
      reason: 'GetDeployment failed: DeploymentDoesNotExistException: deployment d-N0TF0UND1 does not exist',
    });
  });

  it('fails closed for a server deployment group without ECS services or traffic routes', async () => {
    const { env } = setUp();
    const e = env({}, 'd-SUCC3SS01');
    expect(await e.targetGroup('green')).toEqual({
      reason: 'deployment group checkout/checkout-prod names no ECS service',
    });
    expect(await e.listener('test')).toEqual({
      reason: 'deployment group checkout/checkout-prod has no test traffic route; set hooks.discovery.testListener.url',
    });
  });

  it('retries a throttled call and finds the value', async () => {
    const { ports, env } = setUp();
    ports.fail('GetDeployment', awsError('ThrottlingException', 'Rate exceeded'), 1);
    expect(await env().variable('applicationName')).toEqual({ value: 'orders' });
    expect(ports.callsOf('GetDeployment')).toHaveLength(2);
  });

  it('gives up on a call throttled again and again within its allowance, saying why', async () => {
    const time = virtualTime();
    const { ports, env } = setUp({ discoveryDelayMs: 1_400, time });
    ports.fail('GetDeployment', awsError('ThrottlingException', 'Rate exceeded'));
    const started = time.clock();
    const lookup = await time.run(env().variable('applicationName'));
    expect(lookup).toEqual({
      reason: expect.stringMatching(
        /^GetDeployment failed: ThrottlingException: Rate exceeded \(gave up after attempt 2: the next try in \d+ ms would pass the deadline/,
      ),
    });
    expect(ports.callsOf('GetDeployment')).toHaveLength(2);
    expect(time.clock() - started).toBeLessThanOrEqual(DISCOVERY_CALL_TIMEOUT_MS);
  });

  it('abandons a call that does not answer in time, saying it got no answer', async () => {
    const time = virtualTime();
    const { ports, env } = setUp({ discoveryDelayMs: 60_000, time });
    const started = time.clock();
    expect(await time.run(env().variable('applicationName'))).toEqual({ reason: 'GetDeployment got no answer' });
    expect(ports.callsOf('GetDeployment')).toHaveLength(1);
    expect(time.clock() - started).toBe(DISCOVERY_CALL_TIMEOUT_MS);
  });
});
