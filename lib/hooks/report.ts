import type { CallBudget } from '../aws/call.js';
import type { CodeDeployPort, HookExecution } from '../aws/codedeploy.js';
import type { Deadline, Sleep } from '../time.js';

/**
 * Tells CodeDeploy the hook's status. CodeDeploy waits up to an hour for this call, so it is
 * retried on throttling, server errors and time-outs for as long as the invocation has time.
 */

/** What happened to the report: sent, already sent (a duplicate invocation), or not sent. */
export type ReportOutcome =
  | { outcome: 'reported'; attempts: number }
  | { outcome: 'already-completed'; attempts: number }
  | { outcome: 'failed'; attempts: number; error: unknown }
  | { outcome: 'not-attempted'; reason: string };

export interface ReportOptions {
  deadline: Deadline;
  sleep: Sleep;
  random?: () => number;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

/** Attempts in all, the first included. */
export const REPORT_ATTEMPTS = 6;
/** Each attempt is abandoned after this long (or at the deadline, if sooner). */
export const REPORT_ATTEMPT_TIMEOUT_MS = 5_000;

/** PutLifecycleEventHookExecutionStatus within its own retry budget; never throws, says what happened. */
export const reportHookStatus = async (
  codedeploy: Pick<CodeDeployPort, 'reportHookStatus'>,
  execution: HookExecution,
  status: 'Succeeded' | 'Failed',
  options: ReportOptions,
): Promise<ReportOutcome> => {
  // Attempts made: the first, and one after each retry callAws announces.
  let attempts = 1;
  const budget: CallBudget = {
    deadline: options.deadline,
    timeoutMs: REPORT_ATTEMPT_TIMEOUT_MS,
    attempts: REPORT_ATTEMPTS,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    sleep: options.sleep,
    random: options.random,
    onRetry: (error, attempt, delayMs) => {
      attempts = attempt + 1;
      options.onRetry?.(error, attempt, delayMs);
    },
  };
  try {
    const outcome = await codedeploy.reportHookStatus(execution, status, budget);
    return { outcome, attempts };
  } catch (error) {
    return { outcome: 'failed', attempts, error };
  }
};
