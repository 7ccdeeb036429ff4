import { describe, expect, it } from 'vitest';
import type { AutoScalingGroupFacts, AutoScalingPort } from '../../lib/aws/autoscaling.js';
import type { CallBudget } from '../../lib/aws/call.js';
import { type CleanupDeps, cleanUpAfterDeployment, sweepOrphans } from '../../lib/cleanup/clean-up.js';
import type { CleanupCodeDeploy } from '../../lib/cleanup/ports.js';
import type { CleanupDetail } from '../../lib/events/sentinel.js';
import { createLogger } from '../../lib/log.js';
import { deadlineAt } from '../../lib/time.js';
import { deploymentDetails, deploymentGroup as deploymentGroupOf } from '../support/builders.js';

/**
 * The cleanup use cases over plain-object ports: what they ask, with which budget, and what they
 * do with the answers. (clean-up.test.ts runs them through the real ports against the stand-ins.)
 */

const NOW = Date.parse('2026-11-20T17:00:00Z');
const HOUR = 3_600_000;
const ORPHAN = 'CodeDeploy_web_d-F41LED001';
const LIVE = 'CodeDeploy_web_d-SUCC3SS01';

// Blue/green deployments of shop/web that copy its Auto Scaling group (CodeDeploy_web_<id>).
const failed = deploymentDetails({
  applicationName: 'shop',
  deploymentGroupName: 'web',
  deploymentId: 'd-F41LED001',
  status: 'Failed',
  completeTime: new Date(NOW - 2 * HOUR),
});
const succeeded = deploymentDetails({
  applicationName: 'shop',
  deploymentGroupName: 'web',
  deploymentId: 'd-SUCC3SS01',
  status: 'Succeeded',
  completeTime: new Date(NOW - 2 * HOUR),
});
const deploymentGroup = deploymentGroupOf({
  applicationName: 'shop',
  deploymentGroupName: 'web',
  autoScalingGroups: [{ name: LIVE }],
});
const group = (name: string): AutoScalingGroupFacts => ({
  name,
  createdTimeMs: NOW - 3 * HOUR,
  instances: [{ instanceId: 'i-0a1b2c3d4e5f60001', instanceType: 'm6i.large' }],
});

const inMemory = () => {
  const budgets: Array<[string, CallBudget]> = [];
  const groups = new Map([ORPHAN, LIVE].map((name) => [name, group(name)]));
  const deployments = new Map([failed, succeeded].map((d) => [d.deploymentId, d]));
  /** Records which operation was asked with which budget, and answers. */
  const answer = <T>(operation: string, budget: CallBudget, value: T): T => {
    budgets.push([operation, budget]);
    return value;
  };
  const codedeploy: CleanupCodeDeploy = {
    getDeployment: async (id, budget) => answer('getDeployment', budget, deployments.get(id)),
    batchGetDeployments: async (ids, budget) =>
      answer(
        'batchGetDeployments',
        budget,
        ids.flatMap((id) => deployments.get(id) ?? []),
      ),
    getDeploymentGroup: async (_a, _g, budget) => answer('getDeploymentGroup', budget, deploymentGroup),
    listInProgressDeployments: async (_a, _g, budget) => answer('listInProgressDeployments', budget, []),
  };
  const autoscaling: AutoScalingPort = {
    describeGroup: async (name, budget) => answer('describeGroup', budget, groups.get(name)),
    async *listGroups(budget) {
      yield answer('listGroups', budget, [...groups.values()]);
    },
    deleteGroup: async (name, budget) => answer('deleteGroup', budget, groups.delete(name) ? 'deleted' : 'not-found'),
  };
  const published: CleanupDetail[] = [];
  const sleep = async () => {};
  const deps: CleanupDeps = {
    codedeploy,
    autoscaling,
    instances: async () => {
      throw new Error('EC2 is not needed here');
    },
    publish: async (details) => void published.push(...details),
    mode: 'delete',
    minAgeMs: HOUR,
    deadline: deadlineAt(NOW + 600_000, () => NOW),
    clock: () => NOW,
    sleep,
    log: createLogger({ write: () => undefined }),
  };
  return { deps, budgets, groups, published };
};

describe('the cleanup over in-memory ports', () => {
  it('deletes the copy of a failed deployment, handing every call the invocation deadline and sleep', async () => {
    const world = inMemory();
    const summary = await cleanUpAfterDeployment('d-F41LED001', world.deps);

    expect(summary.deleted).toEqual([ORPHAN]);
    expect([...world.groups.keys()]).toEqual([LIVE]);
    expect(world.published.map((d) => [d.action, d.autoScalingGroupName])).toEqual([['deleted', ORPHAN]]);
    expect(world.budgets.map(([operation]) => operation).sort()).toEqual([
      'deleteGroup',
      'describeGroup',
      'getDeployment',
      'getDeploymentGroup',
      'listInProgressDeployments',
    ]);
    for (const [, budget] of world.budgets) {
      expect(budget).toEqual({ deadline: world.deps.deadline, sleep: world.deps.sleep });
    }
  });

  it('sweeps: deletes the orphan, keeps the live copy, with the same budget everywhere', async () => {
    const world = inMemory();
    const summary = await sweepOrphans(world.deps);

    expect(summary).toMatchObject({ candidates: 2, deleted: [ORPHAN] });
    expect(summary.kept).toEqual([{ groupName: LIVE, deploymentId: 'd-SUCC3SS01', reason: 'deployment-not-failed' }]);
    expect(summary.calls).toEqual({
      DescribeAutoScalingGroups: 1,
      BatchGetDeployments: 1,
      GetDeploymentGroup: 1,
      ListDeployments: 1,
      DeleteAutoScalingGroup: 1,
      PutEvents: 1,
    });
    for (const [, budget] of world.budgets) expect(budget.deadline).toBe(world.deps.deadline);
  });
});
