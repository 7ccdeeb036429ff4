import { describe, expect, it } from 'vitest';
import type { CallBudget } from '../../lib/aws/call.js';
import type { CodeDeployPort } from '../../lib/aws/codedeploy.js';
import type { DeploymentDetails } from '../../lib/codedeploy/deployment.js';
import { describeDeployment, enrichmentBudget } from '../../lib/codedeploy/describe.js';
import { deadlineAt } from '../../lib/time.js';

const failedTarget = { targetId: 'i-0a1b2c3d4e5f60001', lifecycleEvent: 'ValidateService', errorCode: 'ScriptFailed' };

/** CodeDeploy in memory: one failed deployment, and a record of what was asked. */
const fakeCodeDeploy = () => {
  const asked: string[] = [];
  const port: Pick<CodeDeployPort, 'getDeployment' | 'failedTargets'> = {
    getDeployment: async (id): Promise<DeploymentDetails | undefined> => {
      asked.push(`GetDeployment ${id}`);
      return id === 'd-ABCDEFGH1' ? { deploymentId: id, status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS' } : undefined;
    },
    failedTargets: async (id, options) => {
      asked.push(`failedTargets ${id} max ${options.maxTargets}`);
      return { failedTargets: [failedTarget], failedTargetCount: 7, failedTargetCountIsLowerBound: true };
    },
  };
  return { port, asked };
};

const budget: CallBudget = { deadline: deadlineAt(Date.now() + 60_000) };

describe('describeDeployment', () => {
  it('reads only GetDeployment when failed targets are not asked for', async () => {
    const codedeploy = fakeCodeDeploy();
    const details = await describeDeployment(codedeploy.port, 'd-ABCDEFGH1', { budget });
    expect(details).toEqual({ deploymentId: 'd-ABCDEFGH1', status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS' });
    expect(codedeploy.asked).toEqual(['GetDeployment d-ABCDEFGH1']);
  });

  it('adds why the targets failed when asked, with the count and whether it is a lower bound', async () => {
    const codedeploy = fakeCodeDeploy();
    const details = await describeDeployment(codedeploy.port, 'd-ABCDEFGH1', {
      budget,
      includeFailedTargets: true,
      maxFailedTargets: 5,
    });
    expect(details).toMatchObject({
      status: 'Failed',
      failedTargets: [failedTarget],
      failedTargetCount: 7,
      failedTargetCountIsLowerBound: true,
    });
    expect(codedeploy.asked).toEqual(['GetDeployment d-ABCDEFGH1', 'failedTargets d-ABCDEFGH1 max 5']);
  });

  it('answers undefined for a deployment CodeDeploy does not know, without asking for its targets', async () => {
    const codedeploy = fakeCodeDeploy();
    await expect(
      describeDeployment(codedeploy.port, 'd-N0THERE00', { budget, includeFailedTargets: true }),
    ).resolves.toBeUndefined();
    expect(codedeploy.asked).toEqual(['GetDeployment d-N0THERE00']);
  });
});

describe('enrichmentBudget', () => {
  it('leaves three quarters of the time left to what follows, and never passes the deadline', () => {
    let now = 0;
    const clock = () => now;
    const { deadline } = enrichmentBudget(deadlineAt(40_000, clock), clock);
    expect(deadline.remainingMs()).toBe(10_000);
    now = 4_000;
    expect(deadline.remainingMs()).toBe(6_000);
  });

  it('gives at least half a second, within the invocation', () => {
    let now = 0;
    const clock = () => now;
    expect(enrichmentBudget(deadlineAt(1_000, clock), clock).deadline.remainingMs()).toBe(500);
    expect(enrichmentBudget(deadlineAt(300, clock), clock).deadline.remainingMs()).toBe(300);
    now = 0;
  });
});
