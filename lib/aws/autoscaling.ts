import {
  AutoScalingClient,
  type AutoScalingGroup,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { type CallBudget, callAws } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';
import { awsErrorCode } from './errors.js';
import { pagesOf } from './pages.js';

/**
 * The Auto Scaling port: the reads the cleanup decides on and its one write, each within the
 * caller's budget (`callAws`), answering in the service's own terms.
 */

/** DescribeAutoScalingGroups answers at most 100 groups per page. */
export const GROUPS_PER_PAGE = 100;

/** An instance of an Auto Scaling group. */
export interface GroupInstance {
  instanceId: string;
  instanceType?: string;
  lifecycleState?: string;
}

/** What DescribeAutoScalingGroups says about one group. */
export interface AutoScalingGroupFacts {
  name: string;
  arn?: string;
  /** Only set while a deletion is in progress ("Delete in progress"). */
  status?: string;
  /** `none`, `prevent-force-deletion` or `prevent-all-deletion`; absent means `none`. */
  deletionProtection?: string;
  createdTimeMs?: number;
  instances: GroupInstance[];
}

/** How a deletion ended: `not-found` means somebody (or an earlier attempt) already deleted it. */
export type DeleteResult = 'deleted' | 'not-found';

export interface AutoScalingPort {
  /** DescribeAutoScalingGroups for one name; `undefined` when no such group exists. */
  describeGroup(name: string, budget: CallBudget): Promise<AutoScalingGroupFacts | undefined>;
  /** Every group of the region, one page (at most 100 groups) at a time. */
  listGroups(budget: CallBudget): AsyncIterable<AutoScalingGroupFacts[]>;
  /**
   * DeleteAutoScalingGroup with ForceDelete (its instances are terminated with it). Refusals while a
   * scaling activity runs are retried within the same budget as throttling, by default 8 attempts
   * 1 s to 20 s apart (`DELETE_BUDGET`), never past the deadline. Never touches launch templates or
   * configurations.
   */
  deleteGroup(name: string, budget: CallBudget): Promise<DeleteResult>;
}

/** A busy group needs seconds, not milliseconds, to finish its activity. */
export const DELETE_BUDGET = { attempts: 8, baseDelayMs: 1_000, maxDelayMs: 20_000 } as const;

/** Refusals that pass once the group's current scaling activity (launch, termination) ends. */
const BUSY = new Set([
  'ScalingActivityInProgress',
  'ScalingActivityInProgressFault',
  'ResourceInUse',
  'ResourceInUseFault',
]);

/** Auto Scaling refused because an activity of the group is still running. */
export const isGroupBusy = (error: unknown): boolean => BUSY.has(awsErrorCode(error) ?? '');

/** ValidationError "AutoScalingGroup name not found": the group is already gone. */
export const isGroupNotFound = (error: unknown): boolean =>
  awsErrorCode(error) === 'ValidationError' && /AutoScalingGroup name not found/i.test((error as Error).message ?? '');

/** Maps one DescribeAutoScalingGroups entry (pure). */
export const toGroupFacts = (group: AutoScalingGroup): AutoScalingGroupFacts => ({
  name: group.AutoScalingGroupName ?? '',
  arn: group.AutoScalingGroupARN,
  status: group.Status || undefined,
  deletionProtection: group.DeletionProtection,
  createdTimeMs: group.CreatedTime?.getTime(),
  instances: (group.Instances ?? []).flatMap((i) =>
    i.InstanceId ? [{ instanceId: i.InstanceId, instanceType: i.InstanceType, lifecycleState: i.LifecycleState }] : [],
  ),
});

/** The Auto Scaling port over a client built from the service's client settings. */
export const createAutoScalingPort = (options: AwsClientOptions = {}): AutoScalingPort =>
  autoScalingPortOver(new AutoScalingClient(clientConfig(options)));

/** The port over a given client (tests hand in one behind aws-sdk-client-mock or pointed at a stand-in). */
export const autoScalingPortOver = (client: AutoScalingClient): AutoScalingPort => ({
  async describeGroup(name, budget) {
    const { AutoScalingGroups } = await callAws(
      (abortSignal) =>
        client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }), { abortSignal }),
      budget,
    );
    const found = AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
    return found ? toGroupFacts(found) : undefined;
  },

  async *listGroups(budget) {
    const pages = pagesOf(
      (token) =>
        callAws(
          (abortSignal) =>
            client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: GROUPS_PER_PAGE, NextToken: token }), {
              abortSignal,
            }),
          budget,
        ),
      (page) => page.NextToken,
    );
    for await (const page of pages) yield (page.AutoScalingGroups ?? []).map(toGroupFacts);
  },

  async deleteGroup(name, budget) {
    try {
      await callAws(
        (abortSignal) =>
          client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }), {
            abortSignal,
          }),
        { ...DELETE_BUDGET, ...budget, alsoRetry: isGroupBusy },
      );
      return 'deleted';
    } catch (error) {
      if (isGroupNotFound(error)) return 'not-found';
      throw error;
    }
  },
});
