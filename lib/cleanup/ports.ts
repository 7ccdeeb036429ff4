import type { Deadline, Sleep } from '../time.js';
import type { DeploymentFacts, DeploymentGroupFacts, GroupFacts } from './decide.js';

/**
 * The few AWS operations the cleanup needs, as small interfaces: the use cases depend on these,
 * the adapters (codedeploy.ts, autoscaling.ts, instances.ts) implement them over SDK clients.
 */

/** BatchGetDeployments takes at most 25 ids. */
export const DEPLOYMENTS_PER_BATCH = 25;

/** CodeDeploy reads. */
export interface CodeDeployPort {
  /** GetDeployment; `undefined` when CodeDeploy does not know the id. */
  getDeployment(deploymentId: string): Promise<DeploymentFacts | undefined>;
  /** BatchGetDeployments, 25 ids per call; unknown ids are simply absent from the answer. */
  batchGetDeployments(deploymentIds: string[]): Promise<DeploymentFacts[]>;
  /** GetDeploymentGroup; `undefined` when the application or deployment group no longer exists. */
  getDeploymentGroup(application: string, deploymentGroup: string): Promise<DeploymentGroupFacts | undefined>;
  /**
   * ListDeployments restricted to unfinished statuses; `undefined` when the application or
   * deployment group no longer exists.
   */
  listInProgressDeployments(application: string, deploymentGroup: string): Promise<string[] | undefined>;
}

/** How a deletion ended: `not-found` means somebody (or an earlier attempt) already deleted it. */
export type DeleteResult = 'deleted' | 'not-found';

/** Auto Scaling reads and the one write. */
export interface AutoScalingPort {
  /** DescribeAutoScalingGroups for one name; `undefined` when no such group exists. */
  describeGroup(name: string): Promise<GroupFacts | undefined>;
  /** Every group of the region, one page (at most 100 groups) at a time. */
  listGroups(): AsyncIterable<GroupFacts[]>;
  /**
   * DeleteAutoScalingGroup with ForceDelete (its instances are terminated with it); transient
   * refusals are retried until `deadline`. Never touches launch templates or configurations.
   */
  deleteGroup(name: string, options: { deadline: Deadline; sleep: Sleep }): Promise<DeleteResult>;
}

/** An EC2 DescribeInstances filter (`tag:Name`, `tag-key`, `instance-state-name`, ...). */
export interface Ec2Filter {
  name: string;
  values: string[];
}

/** What DescribeInstances says about one instance. */
export interface InstanceFacts {
  instanceId: string;
  instanceType?: string;
  state?: string;
  launchTimeMs?: number;
}

/** EC2 reads, only needed for blue/green deployments that used existing instances. */
export interface InstancesPort {
  /** DescribeInstances with every page followed; all filters must match. */
  describeInstances(filters: Ec2Filter[]): Promise<InstanceFacts[]>;
}
