import {
  type AutoScalingClient,
  type AutoScalingGroup,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import { retry } from '../retry.js';
import type { GroupFacts } from './decide.js';
import type { AutoScalingPort } from './ports.js';

/** DescribeAutoScalingGroups answers at most 100 groups per page. */
export const GROUPS_PER_PAGE = 100;

/** Refusals that pass once the group's current scaling activity ends. */
const TRANSIENT = new Set([
  'ScalingActivityInProgress',
  'ScalingActivityInProgressFault',
  'ResourceInUse',
  'ResourceInUseFault',
]);

const errorCode = (error: unknown): string | undefined => {
  const e = error as { name?: string; Code?: string; Error?: { Code?: string } } | undefined;
  return e?.Error?.Code ?? e?.Code ?? e?.name;
};

/** A transient Auto Scaling refusal: an activity (launch, termination) is still running. */
export const isTransientDeleteError = (error: unknown): boolean => TRANSIENT.has(errorCode(error) ?? '');

/** ValidationError "AutoScalingGroup name not found": the group is already gone. */
export const isGroupNotFound = (error: unknown): boolean =>
  errorCode(error) === 'ValidationError' && /AutoScalingGroup name not found/i.test((error as Error).message ?? '');

/** Maps one DescribeAutoScalingGroups entry to the decision's facts (pure). */
export const toGroupFacts = (group: AutoScalingGroup): GroupFacts => ({
  name: group.AutoScalingGroupName ?? '',
  arn: group.AutoScalingGroupARN,
  status: group.Status || undefined,
  deletionProtection: group.DeletionProtection,
  createdTimeMs: group.CreatedTime?.getTime(),
  instances: (group.Instances ?? []).flatMap((i) =>
    i.InstanceId ? [{ instanceId: i.InstanceId, instanceType: i.InstanceType, lifecycleState: i.LifecycleState }] : [],
  ),
});

/** How long the port keeps trying to delete a busy group. */
export interface AutoScalingPortOptions {
  /** Delete attempts in all while the group is busy (each wait is bounded by the deadline too). */
  deleteAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

/** The Auto Scaling port over an SDK client. */
export const createAutoScalingPort = (
  client: AutoScalingClient,
  options: AutoScalingPortOptions = {},
): AutoScalingPort => ({
  async describeGroup(name) {
    const { AutoScalingGroups } = await client.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
    );
    const found = AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
    return found ? toGroupFacts(found) : undefined;
  },

  async *listGroups() {
    for await (const page of paginateDescribeAutoScalingGroups({ client }, { MaxRecords: GROUPS_PER_PAGE })) {
      yield (page.AutoScalingGroups ?? []).map(toGroupFacts);
    }
  },

  async deleteGroup(name, { deadline, sleep }) {
    try {
      await retry(
        () => client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true })),
        {
          maxAttempts: options.deleteAttempts ?? 8,
          baseDelayMs: options.baseDelayMs ?? 1_000,
          maxDelayMs: options.maxDelayMs ?? 20_000,
          random: options.random,
          deadline,
          sleep,
          classify: isTransientDeleteError,
        },
      );
      return 'deleted';
    } catch (error) {
      if (isGroupNotFound(error)) return 'not-found';
      throw error;
    }
  },
});
