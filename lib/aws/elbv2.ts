import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetHealthState } from '../hooks/judge.js';
import { type CallBudget, callAws } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';

/**
 * The Elastic Load Balancing (v2) port: what the hooks read about load balancers, listeners and
 * target groups, each call within the caller's budget (`callAws`). API errors, "not found" ones
 * included, are thrown to the caller, which names the failed call in its own words.
 */

/** A listener as the hooks probe it: the load balancer it belongs to, its port and protocol. */
export interface ListenerFacts {
  loadBalancerArn: string;
  port: number;
  protocol?: string;
}

export interface Elbv2Port {
  /** DescribeListeners of one listener; `undefined` when the answer names no load balancer or port. */
  getListener(listenerArn: string, budget: CallBudget): Promise<ListenerFacts | undefined>;
  /** DescribeLoadBalancers of one load balancer: its DNS name; `undefined` when the answer has none. */
  getLoadBalancerDnsName(loadBalancerArn: string, budget: CallBudget): Promise<string | undefined>;
  /** DescribeTargetGroups by name: the group's ARN; `undefined` when the answer has none. */
  getTargetGroupArn(name: string, budget: CallBudget): Promise<string | undefined>;
  /** DescribeTargetHealth of one target group: every registered target and its state. */
  getTargetHealth(targetGroupArn: string, budget: CallBudget): Promise<TargetHealthState[]>;
}

/** The ELBv2 port over a client built from the service's client settings. */
export const createElbv2Port = (options: AwsClientOptions = {}): Elbv2Port =>
  elbv2PortOver(new ElasticLoadBalancingV2Client(clientConfig(options)));

/** The port over a given client (tests hand in one behind aws-sdk-client-mock). */
export const elbv2PortOver = (client: ElasticLoadBalancingV2Client): Elbv2Port => ({
  async getListener(listenerArn, budget) {
    const { Listeners } = await callAws(
      (abortSignal) => client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }), { abortSignal }),
      budget,
    );
    const listener = Listeners?.[0];
    if (!listener?.LoadBalancerArn || !listener.Port) return undefined;
    return { loadBalancerArn: listener.LoadBalancerArn, port: listener.Port, protocol: listener.Protocol };
  },

  async getLoadBalancerDnsName(loadBalancerArn, budget) {
    const { LoadBalancers } = await callAws(
      (abortSignal) =>
        client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] }), { abortSignal }),
      budget,
    );
    return LoadBalancers?.[0]?.DNSName || undefined;
  },

  async getTargetGroupArn(name, budget) {
    const { TargetGroups } = await callAws(
      (abortSignal) => client.send(new DescribeTargetGroupsCommand({ Names: [name] }), { abortSignal }),
      budget,
    );
    return TargetGroups?.[0]?.TargetGroupArn || undefined;
  },

  async getTargetHealth(targetGroupArn, budget) {
    const { TargetHealthDescriptions } = await callAws(
      (abortSignal) =>
        client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }), { abortSignal }),
      budget,
    );
    return (TargetHealthDescriptions ?? []).map((d) => ({
      id: d.Target?.Id ?? '?',
      port: d.Target?.Port,
      state: d.TargetHealth?.State ?? 'unknown',
      reason: d.TargetHealth?.Reason,
    }));
  },
});
