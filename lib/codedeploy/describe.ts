import type { CallBudget } from '../aws/call.js';
import type { CodeDeployPort } from '../aws/codedeploy.js';
import { type Clock, type Deadline, realClock } from '../time.js';
import type { DeploymentDetails } from './deployment.js';

/**
 * GetDeployment as enrichment: what the alerts and the stream add to an event when CodeDeploy
 * answers. Best effort by design, so it gets a share of the invocation and never the whole of it:
 * the Slack post or the Kinesis write that follows must still have time.
 */

/** Enrichment may use a quarter of the time left (at least half a second), within the invocation's deadline. */
export const enrichmentBudget = (deadline: Deadline, clock: Clock = realClock): CallBudget => {
  const end = clock() + Math.max(500, deadline.remainingMs() / 4);
  return { deadline: { remainingMs: () => Math.min(deadline.remainingMs(), end - clock()) } };
};

export interface DescribeOptions {
  /** Also read why the deployment failed, per target (FAILURE, STOP). */
  includeFailedTargets?: boolean;
  /** At most this many failed targets are described. */
  maxFailedTargets?: number;
  budget: CallBudget;
}

/**
 * GetDeployment and, when asked, its failed targets; `undefined` when CodeDeploy does not know the
 * deployment. Errors are thrown to the caller, who alerts or records without the details.
 */
export const describeDeployment = async (
  codedeploy: Pick<CodeDeployPort, 'getDeployment' | 'failedTargets'>,
  deploymentId: string,
  options: DescribeOptions,
): Promise<DeploymentDetails | undefined> => {
  const details = await codedeploy.getDeployment(deploymentId, options.budget);
  if (!details || !options.includeFailedTargets) return details;
  const failed = await codedeploy.failedTargets(deploymentId, { maxTargets: options.maxFailedTargets }, options.budget);
  return { ...details, ...failed };
};
