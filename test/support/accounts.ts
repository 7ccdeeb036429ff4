import type { ApplicationInfo, DeploymentGroupInfo, LifecycleEventStatus } from '@aws-sdk/client-codedeploy';
import type { Elbv2Model, StandInTarget } from '../../local/standins/elbv2.js';
import type { Scenario } from '../../local/standins/state.js';
import {
  ACCOUNT,
  account,
  autoScalingGroup,
  copiedGroupName,
  DAY,
  deploymentGroupInfo,
  deploymentInfo,
  DISCOVER_EXISTING,
  ECS_BLUE_GREEN,
  IN_PLACE,
  FIXED_NOW,
  groupInstances,
  MINUTE,
  overview,
  REGION,
  SECOND,
} from './builders.js';
import { loadEvent } from './fixtures.js';
import { type SampleDeployment, sampleDeployment } from './sample-deployments.js';

/**
 * Whole accounts for the stand-ins, built from the sample deployments: what the cleanup and the
 * hooks find when they call AWS. Every call builds a fresh account, to mutate freely.
 */

const application = (applicationName: string, computePlatform: 'Server' | 'ECS' = 'Server'): ApplicationInfo => ({
  applicationId: `00000000-0000-4000-8000-${applicationName.padStart(12, '0').slice(-12)}`,
  applicationName,
  createTime: new Date(FIXED_NOW - 400 * DAY),
  linkedToGitHub: false,
  computePlatform,
});

const samples = (...ids: string[]): SampleDeployment[] => ids.map((id) => sampleDeployment(id)!);

const launchHook = (deploymentGroup: string) =>
  `CodeDeploy-managed-automatic-launch-deployment-hook-${deploymentGroup}`;

/** The copies of checkout-prod's deployments, and the payments copy a running deployment is filling. */
export const CLEANUP_GROUPS = {
  live: copiedGroupName('checkout-prod', 'd-SUCC3SS01'),
  stopped: copiedGroupName('checkout-prod', 'd-ST0PPED01'),
  failed: copiedGroupName('checkout-prod', 'd-F41LED001'),
  paymentsCopy: copiedGroupName('payments_blue', 'd-PAYM3NT01'),
} as const;

/**
 * What the cleanup finds at FIXED_NOW:
 *
 *   checkout-prod (copies)   CodeDeploy_checkout-prod_d-SUCC3SS01 is live, the copies of d-ST0PPED01
 *                            (26 h ago) and d-F41LED001 (2 h ago) are left behind
 *   search-staging           d-ST4RT0001 in place (no copy)
 *   search-prod              DISCOVER_EXISTING: d-D1SC0V3R1 failed 3 days ago, its green instances run
 *   payments_blue (copies)   payments-web is live, d-PAYM3NT01 (in progress) is filling its young copy
 *   bastion-asg              a group no deployment knows about
 */
export const cleanupAccount = (): Scenario => {
  const deployments = samples(
    'd-SUCC3SS01',
    'd-ST0PPED01',
    'd-F41LED001',
    'd-R0LLBK001',
    'd-ST4RT0001',
    'd-READY0001',
    'd-D1SC0V3R1',
  );
  const paymentsAt = FIXED_NOW - 6 * MINUTE;
  const payments = deploymentInfo({
    applicationName: 'payments',
    deploymentGroupName: 'payments_blue',
    deploymentId: 'd-PAYM3NT01',
    status: 'InProgress',
    createTime: new Date(paymentsAt),
    startTime: new Date(paymentsAt + 2 * SECOND),
    completeTime: undefined,
    deploymentOverview: overview({ InProgress: 2 }),
  });
  const created = (id: string) => deployments.find((d) => d.info.deploymentId === id)!.info.createTime!.getTime();
  return account({
    applications: ['checkout', 'search', 'payments'].map((name) => application(name)),
    deploymentGroups: [
      deploymentGroupInfo({
        applicationName: 'checkout',
        deploymentGroupName: 'checkout-prod',
        // After d-SUCC3SS01 the group serves traffic from that deployment's copy.
        autoScalingGroups: [{ name: CLEANUP_GROUPS.live, hook: launchHook('checkout-prod') }],
      }),
      deploymentGroupInfo({
        applicationName: 'search',
        deploymentGroupName: 'search-staging',
        ...IN_PLACE,
        ec2TagFilters: [
          { Key: 'service', Value: 'search', Type: 'KEY_AND_VALUE' },
          { Key: 'env', Value: 'staging', Type: 'KEY_AND_VALUE' },
        ],
      }),
      deploymentGroupInfo({
        applicationName: 'search',
        deploymentGroupName: 'search-prod',
        ...DISCOVER_EXISTING,
        ec2TagFilters: [
          { Key: 'service', Value: 'search', Type: 'KEY_AND_VALUE' },
          { Key: 'env', Value: 'prod', Type: 'KEY_AND_VALUE' },
        ],
      }),
      deploymentGroupInfo({
        applicationName: 'payments',
        deploymentGroupName: 'payments_blue',
        autoScalingGroups: [{ name: 'payments-web', hook: launchHook('payments_blue') }],
      }),
    ],
    deployments: [...deployments.map((d) => d.info), payments],
    deploymentTargets: Object.fromEntries(deployments.map((d) => [d.info.deploymentId!, d.targets])),
    autoScalingGroups: [
      autoScalingGroup({
        name: CLEANUP_GROUPS.live,
        createdTime: new Date(created('d-SUCC3SS01') + 40 * SECOND),
        instances: groupInstances(['i-0a1b2c3d4e5f60010', 'i-0a1b2c3d4e5f60011', 'i-0a1b2c3d4e5f60012']),
      }),
      autoScalingGroup({
        name: CLEANUP_GROUPS.stopped,
        createdTime: new Date(created('d-ST0PPED01') + 45 * SECOND),
        instances: groupInstances(['i-0a1b2c3d4e5f60020', 'i-0a1b2c3d4e5f60021', 'i-0a1b2c3d4e5f60022']),
      }),
      autoScalingGroup({
        name: CLEANUP_GROUPS.failed,
        createdTime: new Date(created('d-F41LED001') + 40 * SECOND),
        instances: groupInstances(['i-0a1b2c3d4e5f60001', 'i-0a1b2c3d4e5f60002', 'i-0a1b2c3d4e5f60003']),
      }),
      autoScalingGroup({
        name: 'payments-web',
        createdTime: new Date(FIXED_NOW - 200 * DAY),
        instances: groupInstances(['i-0b2c3d4e5f6a70010', 'i-0b2c3d4e5f6a70011'], 'c6i.large'),
      }),
      autoScalingGroup({
        name: CLEANUP_GROUPS.paymentsCopy,
        createdTime: new Date(FIXED_NOW - 5 * MINUTE - 20 * SECOND),
        instances: groupInstances(['i-0b2c3d4e5f6a70001', 'i-0b2c3d4e5f6a70002'], 'c6i.large', 'Pending:Wait'),
      }),
      autoScalingGroup({
        name: 'bastion-asg',
        createdTime: new Date(FIXED_NOW - 700 * DAY),
        healthCheckType: 'EC2',
        instances: groupInstances(['i-0c3d4e5f6a7b80001'], 't3.micro'),
      }),
    ],
  });
};

/** The orders-prod load balancer of orders-ecs: production on port 80, test traffic on 8080. */
export const ORDERS_LOAD_BALANCER = {
  loadBalancerArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/orders-prod/7d3e9a1b2c4f5e60`,
  prodListenerArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/orders-prod/7d3e9a1b2c4f5e60/4a1b2c3d4e5f6071`,
  testListenerArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/orders-prod/7d3e9a1b2c4f5e60/9f8e7d6c5b4a3921`,
  blueTargetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/orders-blue/2b8c4d6e8f0a1c3e`,
  greenTargetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/orders-green/5e7f9a1b3c5d7e9f`,
} as const;

/** The hook executions the sample hook invocations under events/hooks/ carry. */
export const ORDERS_HOOK_EXECUTIONS = {
  AfterAllowTestTraffic: loadEvent('hooks/after-allow-test-traffic.json').LifecycleEventHookExecutionId as string,
  BeforeAllowTraffic: loadEvent('hooks/before-allow-traffic.json').LifecycleEventHookExecutionId as string,
};

/**
 * What the hooks of d-EC5H00K01 find: orders/orders-ecs (ECS blue/green of service prod:orders
 * behind ORDERS_LOAD_BALANCER), the deployment waiting on AfterAllowTestTraffic, and the hook
 * executions of the sample invocations, each as far as the deployment has got.
 */
export const ordersHookAccount = (): Scenario => {
  const orders = sampleDeployment('d-EC5H00K01')!;
  const events = orders.targets[0]!.ecsTarget!.lifecycleEvents!;
  const statusOf = (name: string): LifecycleEventStatus =>
    events.find((e) => e.lifecycleEventName === name)?.status ?? 'Pending';
  const group: DeploymentGroupInfo = deploymentGroupInfo({
    ...ECS_BLUE_GREEN,
    applicationName: 'orders',
    deploymentGroupName: 'orders-ecs',
    serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsCodeDeployRole`,
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        {
          targetGroups: [{ name: 'orders-blue' }, { name: 'orders-green' }],
          prodTrafficRoute: { listenerArns: [ORDERS_LOAD_BALANCER.prodListenerArn] },
          testTrafficRoute: { listenerArns: [ORDERS_LOAD_BALANCER.testListenerArn] },
        },
      ],
    },
    ecsServices: [{ serviceName: 'orders', clusterName: 'prod' }],
  });
  return account({
    applications: [application('orders', 'ECS')],
    deploymentGroups: [group],
    deployments: [orders.info],
    deploymentTargets: { 'd-EC5H00K01': orders.targets },
    hookExecutions: Object.entries(ORDERS_HOOK_EXECUTIONS).map(([lifecycleEventName, id]) => ({
      lifecycleEventHookExecutionId: id,
      deploymentId: 'd-EC5H00K01',
      lifecycleEventName,
      status: statusOf(lifecycleEventName),
    })),
  });
};

/**
 * The ELBv2 side of ORDERS_LOAD_BALANCER: its DNS name answers on 127.0.0.1, the test listener on
 * `testPort` (a local server standing in for the green task set), four healthy targets in each of
 * the blue (10.0.1.x) and green (10.0.2.x) target groups.
 */
export const ordersLoadBalancer = (options: { testPort: number }): Elbv2Model => {
  const lb = ORDERS_LOAD_BALANCER;
  const targets = (subnet: number): StandInTarget[] =>
    [11, 12, 13, 14].map((host) => ({ id: `10.0.${subnet}.${host}`, port: 8080, state: 'healthy' }));
  return {
    loadBalancers: [
      { arn: lb.loadBalancerArn, name: 'orders-prod', dnsName: '127.0.0.1', scheme: 'internal', type: 'application' },
    ],
    listeners: [
      {
        arn: lb.prodListenerArn,
        loadBalancerArn: lb.loadBalancerArn,
        port: 80,
        protocol: 'HTTP',
        forwardTo: lb.blueTargetGroupArn,
      },
      {
        arn: lb.testListenerArn,
        loadBalancerArn: lb.loadBalancerArn,
        port: options.testPort,
        protocol: 'HTTP',
        forwardTo: lb.greenTargetGroupArn,
      },
    ],
    targetGroups: [
      {
        arn: lb.blueTargetGroupArn,
        name: 'orders-blue',
        protocol: 'HTTP',
        port: 8080,
        loadBalancerArns: [lb.loadBalancerArn],
        targets: targets(1),
      },
      {
        arn: lb.greenTargetGroupArn,
        name: 'orders-green',
        protocol: 'HTTP',
        port: 8080,
        loadBalancerArns: [lb.loadBalancerArn],
        targets: targets(2),
      },
    ],
  };
};
