import { randomUUID } from 'node:crypto';
import { AwsFault, queryList, toXml, type AwsStandInOptions } from './aws.js';

/**
 * Auto Scaling as the cleanup sees it, for `startAwsStandIn`: DescribeAutoScalingGroups (names,
 * MaxRecords, NextToken) and DeleteAutoScalingGroup (ForceDelete, deletion protection, busy-group
 * refusals), answering in the Query protocol with the element names the SDK reads.
 */

/** The Query API version and XML namespace of Auto Scaling. */
export const AUTOSCALING_VERSION = '2011-01-01';
export const AUTOSCALING_NAMESPACE = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

/** An instance of a stand-in group. */
export interface StandInGroupInstance {
  instanceId: string;
  instanceType?: string;
  availabilityZone?: string;
  lifecycleState?: string;
  healthStatus?: string;
  protectedFromScaleIn?: boolean;
}

/**
 * One Auto Scaling group, as plain data. The field names are those of `ScenarioAutoScalingGroup`
 * (./state.ts), so a scenario's groups can be served as they are.
 */
export interface StandInAutoScalingGroup {
  name: string;
  arn?: string;
  createdTime: Date | string;
  /** Only set while a deletion is in progress ("Delete in progress"). */
  status?: string;
  deletionProtection?: 'none' | 'prevent-force-deletion' | 'prevent-all-deletion';
  instances?: StandInGroupInstance[];
  minSize?: number;
  maxSize?: number;
  desiredCapacity?: number;
  availabilityZones?: string[];
  vpcZoneIdentifier?: string;
  healthCheckType?: string;
  launchTemplate?: { launchTemplateId?: string; launchTemplateName?: string; version?: string };
  launchConfigurationName?: string;
  targetGroupArns?: string[];
  tags?: Array<{ key: string; value: string; propagateAtLaunch?: boolean }>;
}

/** A region's groups, read on every request and changed by deletions. */
export interface AutoScalingAccount {
  region: string;
  accountId: string;
  /** Shared, not copied: a scenario's `autoScalingGroups` array loses the groups deleted here. */
  groups: StandInAutoScalingGroup[];
  /** Names deleted, in order. */
  deleted: string[];
  /** The next N deletions of a name are refused with ScalingActivityInProgress. */
  busy: Map<string, number>;
}

/** Region, account and injected faults of a stand-in account. */
export interface AutoScalingAccountOptions {
  region?: string;
  accountId?: string;
  /** Group name -> how many deletions are refused with ScalingActivityInProgress first. */
  busy?: Record<string, number>;
}

/** An account over plain group data (the array is used as is, not copied). */
export const createAutoScalingAccount = (
  groups: StandInAutoScalingGroup[],
  options: AutoScalingAccountOptions = {},
): AutoScalingAccount => ({
  region: options.region ?? 'us-east-1',
  accountId: options.accountId ?? '123456789012',
  groups,
  deleted: [],
  busy: new Map(Object.entries(options.busy ?? {})),
});

/** An account serving a scenario's groups (./state.ts); deletions remove them from the scenario. */
export const autoScalingAccountFromScenario = (
  scenario: { region: string; account: string; autoScalingGroups: StandInAutoScalingGroup[] },
  options: Omit<AutoScalingAccountOptions, 'region' | 'accountId'> = {},
): AutoScalingAccount =>
  createAutoScalingAccount(scenario.autoScalingGroups, {
    ...options,
    region: scenario.region,
    accountId: scenario.account,
  });

const arnIds = new WeakMap<StandInAutoScalingGroup, string>();

const toApiGroup = (account: AutoScalingAccount, g: StandInAutoScalingGroup) => {
  let id = arnIds.get(g);
  if (!id) arnIds.set(g, (id = randomUUID()));
  const instances = g.instances ?? [];
  const zones = g.availabilityZones ?? [`${account.region}a`];
  const launchTemplate = g.launchTemplate && {
    LaunchTemplateId: g.launchTemplate.launchTemplateId,
    LaunchTemplateName: g.launchTemplate.launchTemplateName,
    Version: g.launchTemplate.version,
  };
  return {
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN:
      g.arn ??
      `arn:aws:autoscaling:${account.region}:${account.accountId}:autoScalingGroup:${id}:autoScalingGroupName/${g.name}`,
    LaunchConfigurationName: g.launchConfigurationName,
    LaunchTemplate: launchTemplate,
    MinSize: g.minSize ?? 0,
    MaxSize: g.maxSize ?? Math.max(1, instances.length),
    DesiredCapacity: g.desiredCapacity ?? instances.length,
    DefaultCooldown: 300,
    AvailabilityZones: zones,
    LoadBalancerNames: [],
    TargetGroupARNs: g.targetGroupArns ?? [],
    HealthCheckType: g.healthCheckType ?? 'EC2',
    HealthCheckGracePeriod: 300,
    Instances: instances.map((i) => ({
      InstanceId: i.instanceId,
      InstanceType: i.instanceType ?? 't3.micro',
      AvailabilityZone: i.availabilityZone ?? zones[0],
      LifecycleState: i.lifecycleState ?? 'InService',
      HealthStatus: i.healthStatus ?? 'Healthy',
      LaunchTemplate: launchTemplate,
      LaunchConfigurationName: g.launchConfigurationName,
      ProtectedFromScaleIn: i.protectedFromScaleIn ?? false,
    })),
    CreatedTime: new Date(g.createdTime),
    SuspendedProcesses: [],
    VPCZoneIdentifier: g.vpcZoneIdentifier ?? 'subnet-0123456789abcdef0',
    EnabledMetrics: [],
    Status: g.status,
    Tags: (g.tags ?? []).map((t) => ({
      ResourceId: g.name,
      ResourceType: 'auto-scaling-group',
      Key: t.key,
      Value: t.value,
      PropagateAtLaunch: t.propagateAtLaunch ?? true,
    })),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${account.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    CapacityRebalance: false,
    DeletionProtection: g.deletionProtection ?? 'none',
  };
};

const encodeToken = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString('base64');
const decodeToken = (token: string): number => {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the fault AWS answers for a token it did not issue
  }
  throw new AwsFault('InvalidNextToken', 'The token provided is not valid.');
};

/**
 * Where a group is in the account's list: a binary search, the list being kept in name order by
 * DescribeAutoScalingGroups, and a scan when that finds nothing (a list changed since). Names are
 * unique, so a match is the group.
 */
const indexOfGroup = (groups: readonly { name: string }[], name: string): number => {
  let low = 0;
  let high = groups.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const here = groups[mid]!.name;
    if (here === name) return mid;
    if (here < name) low = mid + 1;
    else high = mid - 1;
  }
  return groups.findIndex((g) => g.name === name);
};

const notFound = (name: string) =>
  new AwsFault('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup '${name}' not found`);

/** The Query operations for `startAwsStandIn({ query: autoScalingOperations(account) })`. */
export const autoScalingOperations = (account: AutoScalingAccount): NonNullable<AwsStandInOptions['query']> => ({
  [AUTOSCALING_VERSION]: {
    namespace: AUTOSCALING_NAMESPACE,
    operations: {
      DescribeAutoScalingGroups: (params) => {
        const names = queryList(params, 'AutoScalingGroupNames');
        const max = Number(params.get('MaxRecords') ?? 50);
        if (!Number.isInteger(max) || max < 1 || max > 100) {
          throw new AwsFault(
            'ValidationError',
            `1 validation error detected: Value '${max}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100`,
          );
        }
        // AWS lists groups in name order; asked-for names that do not exist are simply absent. The
        // account's own list is kept in that order (sorted once, not once a page).
        const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
        if (!account.groups.every((g, i) => i === 0 || byName(account.groups[i - 1]!, g) <= 0))
          account.groups.sort(byName);
        const all = names.length === 0 ? account.groups : account.groups.filter((g) => names.includes(g.name));
        const token = params.get('NextToken');
        const offset = token ? decodeToken(token) : 0;
        const page = all.slice(offset, offset + max);
        const next = offset + max < all.length ? encodeToken(offset + max) : undefined;
        return toXml({ AutoScalingGroups: page.map((g) => toApiGroup(account, g)), NextToken: next });
      },

      DeleteAutoScalingGroup: (params) => {
        const name = params.get('AutoScalingGroupName') ?? '';
        const force = params.get('ForceDelete') === 'true';
        const index = indexOfGroup(account.groups, name);
        const group = account.groups[index];
        if (!group) throw notFound(name);
        const protection = group.deletionProtection ?? 'none';
        if (protection === 'prevent-all-deletion' || (protection === 'prevent-force-deletion' && force)) {
          throw new AwsFault(
            'ValidationError',
            `You cannot delete Auto Scaling group ${name} because deletion protection is set to ${protection}.`,
          );
        }
        const busy = account.busy.get(name) ?? 0;
        if (busy > 0) {
          account.busy.set(name, busy - 1);
          throw new AwsFault(
            'ScalingActivityInProgress',
            'An update or delete is in progress for this AutoScalingGroup.',
          );
        }
        if (!force && (group.instances?.length ?? 0) > 0) {
          throw new AwsFault(
            'ResourceInUse',
            'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.',
          );
        }
        account.groups.splice(index, 1);
        account.deleted.push(name);
        return '';
      },
    },
  },
});
