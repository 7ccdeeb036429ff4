import { ORDERS_LOAD_BALANCER, SCENARIO_ACCOUNT, SCENARIO_REGION } from '../scenario.js';
import { AwsFault, type QueryOperation, queryList, toXml } from './aws.js';

/**
 * Elastic Load Balancing v2 operations for the AWS stand-in (startAwsStandIn): the Query protocol
 * (form POST, `Version=2015-12-01`), XML answers shaped as the SDK's deserializer reads them.
 * Serve under `query: { [ELBV2_VERSION]: elbv2Service(model) }`.
 */

export const ELBV2_VERSION = '2015-12-01';
export const ELBV2_NAMESPACE = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

export interface StandInLoadBalancer {
  arn: string;
  name: string;
  /** Point it at 127.0.0.1 so that probes of the listeners reach local servers. */
  dnsName: string;
  scheme?: 'internal' | 'internet-facing';
  type?: 'application' | 'network';
}

export interface StandInListener {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: 'HTTP' | 'HTTPS' | 'TCP' | 'TLS' | 'UDP' | 'TCP_UDP';
  /** The target group the default action forwards to. */
  forwardTo?: string;
}

export interface StandInTarget {
  id: string;
  port: number;
  state: 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';
  reason?: string;
  description?: string;
}

export interface StandInTargetGroup {
  arn: string;
  name: string;
  protocol: string;
  port: number;
  loadBalancerArns: string[];
  targets: StandInTarget[];
}

/** The load balancers of the stand-in account; mutate it to change what the API answers. */
export interface Elbv2Model {
  loadBalancers: StandInLoadBalancer[];
  listeners: StandInListener[];
  targetGroups: StandInTargetGroup[];
}

const VPC = 'vpc-0a1b2c3d4e5f60718';

const pick = <T>(all: T[], wanted: string[], key: (item: T) => string, code: string, what: string): T[] => {
  if (wanted.length === 0) return all;
  const found = all.filter((item) => wanted.includes(key(item)));
  if (found.length < new Set(wanted).size) throw new AwsFault(code, `One or more ${what} not found`);
  return found;
};

/** DescribeListeners, DescribeLoadBalancers, DescribeTargetGroups and DescribeTargetHealth over the model. */
export const elbv2Operations = (model: Elbv2Model): Record<string, QueryOperation> => ({
  DescribeListeners: (params) => {
    const byArn = queryList(params, 'ListenerArns');
    const lb = params.get('LoadBalancerArn');
    if (lb && !model.loadBalancers.some((l) => l.arn === lb))
      throw new AwsFault('LoadBalancerNotFound', `Load balancer '${lb}' not found`);
    const listeners = pick(model.listeners, byArn, (l) => l.arn, 'ListenerNotFound', 'listeners').filter(
      (l) => !lb || l.loadBalancerArn === lb,
    );
    return toXml({
      Listeners: listeners.map((l) => ({
        ListenerArn: l.arn,
        LoadBalancerArn: l.loadBalancerArn,
        Port: l.port,
        Protocol: l.protocol,
        DefaultActions: l.forwardTo ? [{ Type: 'forward', TargetGroupArn: l.forwardTo, Order: 1 }] : [],
      })),
    });
  },
  DescribeLoadBalancers: (params) => {
    const byArn = pick(
      model.loadBalancers,
      queryList(params, 'LoadBalancerArns'),
      (l) => l.arn,
      'LoadBalancerNotFound',
      'load balancers',
    );
    const chosen = pick(byArn, queryList(params, 'Names'), (l) => l.name, 'LoadBalancerNotFound', 'load balancers');
    return toXml({
      LoadBalancers: chosen.map((l) => ({
        LoadBalancerArn: l.arn,
        DNSName: l.dnsName,
        CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
        CreatedTime: new Date('2024-03-04T10:00:00Z'),
        LoadBalancerName: l.name,
        Scheme: l.scheme ?? 'internal',
        VpcId: VPC,
        State: { Code: 'active' },
        Type: l.type ?? 'application',
        AvailabilityZones: ['a', 'b'].map((z, i) => ({
          ZoneName: `${SCENARIO_REGION}${z}`,
          SubnetId: `subnet-0${i}a1b2c3d4e5f6071`,
        })),
        SecurityGroups: ['sg-0123456789abcdef0'],
        IpAddressType: 'ipv4',
      })),
    });
  },
  DescribeTargetGroups: (params) => {
    const byArn = pick(
      model.targetGroups,
      queryList(params, 'TargetGroupArns'),
      (t) => t.arn,
      'TargetGroupNotFound',
      'target groups',
    );
    const chosen = pick(byArn, queryList(params, 'Names'), (t) => t.name, 'TargetGroupNotFound', 'target groups');
    const lb = params.get('LoadBalancerArn');
    return toXml({
      TargetGroups: chosen
        .filter((t) => !lb || t.loadBalancerArns.includes(lb))
        .map((t) => ({
          TargetGroupArn: t.arn,
          TargetGroupName: t.name,
          Protocol: t.protocol,
          Port: t.port,
          VpcId: VPC,
          HealthCheckProtocol: t.protocol,
          HealthCheckPort: 'traffic-port',
          HealthCheckEnabled: true,
          HealthCheckIntervalSeconds: 15,
          HealthCheckTimeoutSeconds: 5,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
          HealthCheckPath: '/health',
          Matcher: { HttpCode: '200' },
          LoadBalancerArns: t.loadBalancerArns,
          TargetType: 'ip',
          ProtocolVersion: 'HTTP1',
          IpAddressType: 'ipv4',
        })),
    });
  },
  DescribeTargetHealth: (params) => {
    const arn = params.get('TargetGroupArn') ?? '';
    const group = model.targetGroups.find((t) => t.arn === arn);
    if (!group) throw new AwsFault('TargetGroupNotFound', `Target groups '${arn}' not found`);
    return toXml({
      TargetHealthDescriptions: group.targets.map((t) => ({
        Target: { Id: t.id, Port: t.port },
        HealthCheckPort: String(t.port),
        TargetHealth: { State: t.state, Reason: t.reason, Description: t.description },
      })),
    });
  },
});

/** The `query` entry for startAwsStandIn. */
export const elbv2Service = (model: Elbv2Model) => ({ namespace: ELBV2_NAMESPACE, operations: elbv2Operations(model) });

export interface OrdersLoadBalancerOptions {
  /** What the load balancer's DNS name resolves to; 127.0.0.1 to probe local servers. */
  dnsName?: string;
  productionPort?: number;
  /** Point it at a local test listener's port. */
  testPort?: number;
  productionProtocol?: StandInListener['protocol'];
  testProtocol?: StandInListener['protocol'];
  /** Health of the green tasks' targets (four of them). */
  greenTargets?: StandInTarget['state'][];
}

const tgArn = (name: string, id: string) =>
  `arn:aws:elasticloadbalancing:${SCENARIO_REGION}:${SCENARIO_ACCOUNT}:targetgroup/${name}/${id}`;

/** The target group ARNs of the orders service, matching the scenario's target group names. */
export const ORDERS_TARGET_GROUP_ARNS = {
  blue: tgArn(ORDERS_LOAD_BALANCER.blueTargetGroup, '2b8c4d6e8f0a1c3e'),
  green: tgArn(ORDERS_LOAD_BALANCER.greenTargetGroup, '5e7f9a1b3c5d7e9f'),
} as const;

/**
 * The orders-prod load balancer of the scenario's `orders-ecs` deployment group: the production and
 * test listeners (ARNs as in the deployment group), the blue and green target groups.
 */
export const ordersElbv2Model = (options: OrdersLoadBalancerOptions = {}): Elbv2Model => {
  const lb = ORDERS_LOAD_BALANCER;
  const targets = (subnet: number, states: StandInTarget['state'][]): StandInTarget[] =>
    states.map((state, i) => ({
      id: `10.0.${subnet}.${11 + i}`,
      port: 8080,
      state,
      ...(state === 'unhealthy' ? { reason: 'Target.FailedHealthChecks', description: 'Health checks failed' } : {}),
      ...(state === 'initial'
        ? { reason: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' }
        : {}),
    }));
  return {
    loadBalancers: [
      {
        arn: lb.loadBalancerArn,
        name: 'orders-prod',
        dnsName: options.dnsName ?? '127.0.0.1',
        scheme: 'internal',
        type: 'application',
      },
    ],
    listeners: [
      {
        arn: lb.prodListenerArn,
        loadBalancerArn: lb.loadBalancerArn,
        port: options.productionPort ?? lb.prodPort,
        protocol: options.productionProtocol ?? 'HTTP',
        forwardTo: ORDERS_TARGET_GROUP_ARNS.blue,
      },
      {
        arn: lb.testListenerArn,
        loadBalancerArn: lb.loadBalancerArn,
        port: options.testPort ?? lb.testPort,
        protocol: options.testProtocol ?? 'HTTP',
        forwardTo: ORDERS_TARGET_GROUP_ARNS.green,
      },
    ],
    targetGroups: [
      {
        arn: ORDERS_TARGET_GROUP_ARNS.blue,
        name: lb.blueTargetGroup,
        protocol: 'HTTP',
        port: 8080,
        loadBalancerArns: [lb.loadBalancerArn],
        targets: targets(1, ['healthy', 'healthy', 'healthy', 'healthy']),
      },
      {
        arn: ORDERS_TARGET_GROUP_ARNS.green,
        name: lb.greenTargetGroup,
        protocol: 'HTTP',
        port: 8080,
        loadBalancerArns: [lb.loadBalancerArn],
        targets: targets(2, options.greenTargets ?? ['healthy', 'healthy', 'healthy', 'healthy']),
      },
    ],
  };
};
