import { z } from 'zod';
import type { CloudWatchPort } from '../aws/cloudwatch.js';
import type { CodeDeployPort } from '../aws/codedeploy.js';
import type { Elbv2Port } from '../aws/elbv2.js';
import { errorText } from '../aws/errors.js';
import type { Logger } from '../log.js';
import type { Clock, Deadline, Sleep } from '../time.js';
import { REPORT_RESERVE_MS, worstCaseMs } from './budget.js';
import { createEnvironment } from './discovery.js';
import { type CheckResult, CheckStoppedError, decideHook, evaluateChecks, type HookStatus } from './evaluate.js';
import { hookById, HOOK_IDS } from './hooks.js';
import type { HttpFetch } from './http-probe.js';
import { prepareCheck } from './measures.js';
import { reportHookStatus, type ReportOutcome } from './report.js';
import { type HooksSettings, settingsForHook } from './settings.js';

/**
 * One hook invocation: evaluate the hook's checks, then report Succeeded or Failed to CodeDeploy
 * exactly once, from a `finally`, before the invocation's deadline. A thrown error or a Lambda
 * timeout would tell CodeDeploy nothing and leave the deployment waiting for an hour, so nothing
 * here throws: every problem (bad event, bad settings, unresolved listener, deadline) becomes a
 * Failed report and one verdict line.
 */

/** The payload CodeDeploy invokes a hook with; nothing else is sent. */
export const hookEventSchema = z
  .object({
    DeploymentId: z.string().min(1),
    LifecycleEventHookExecutionId: z.string().min(1),
  })
  .loose();
export type HookEvent = z.infer<typeof hookEventSchema>;

export interface HookDeps {
  codedeploy: CodeDeployPort;
  elbv2: Elbv2Port;
  cloudwatch: CloudWatchPort;
  fetch: HttpFetch;
  clock: Clock;
  sleep: Sleep;
  /** The invocation's remaining time (e.g. `deadlineFromContext(context, 0)`). */
  deadline: Deadline;
  log: Logger;
  /** Time kept after the checks for the report; REPORT_RESERVE_MS by default. */
  reportReserveMs?: number;
  random?: () => number;
}

export interface RunHookInput {
  /** The short hook id from the function's configuration (`after-test-traffic`, ...). */
  hookId: string;
  event: unknown;
  /** The parsed `hooks` settings, or the error found when they were parsed at cold start. */
  settings: HooksSettings | Error;
  deps: HookDeps;
}

/** What the hook decided, why, and whether CodeDeploy heard it. */
export interface HookVerdict {
  hook: string;
  deploymentId?: string;
  lifecycleEventHookExecutionId?: string;
  status: HookStatus;
  reason: string;
  observeOnly: boolean;
  checks: CheckResult[];
  report: ReportOutcome;
  durationMs: number;
}

/** Raised for an invocation payload that is not CodeDeploy's hook payload. */
export class InvalidHookEventError extends Error {
  override name = 'InvalidHookEventError';
}

/** Raised when the invocation has less time than the checks may need. */
export class HookBudgetError extends Error {
  override name = 'HookBudgetError';
}

/** Raised when the function's hook id is not one of the five hooks. */
export class UnknownHookError extends Error {
  override name = 'UnknownHookError';
}

/** Grace given to the checks to wind down after the deadline aborts them. */
const WIND_DOWN_MS = 250;

/** Resolves when the signal aborts, after a short wind-down, with a Failed outcome. */
const afterAbort = (signal: AbortSignal) =>
  new Promise<{ status: HookStatus; reason: string; checks: CheckResult[] }>((resolve) => {
    signal.addEventListener(
      'abort',
      () => {
        const timer = setTimeout(
          () =>
            resolve({
              status: 'Failed',
              reason: `the checks did not stop at the deadline (${String((signal.reason as Error)?.message ?? signal.reason)})`,
              checks: [],
            }),
          WIND_DOWN_MS,
        );
        timer.unref?.();
      },
      { once: true },
    );
  });

/** Evaluates a hook's checks and reports the verdict to CodeDeploy exactly once. Never throws. */
export const runHook = async ({ hookId, event, settings, deps }: RunHookInput): Promise<HookVerdict> => {
  const started = deps.clock();
  const hook = hookById(hookId);
  const parsed = hookEventSchema.safeParse(event);
  const execution = parsed.success
    ? {
        deploymentId: parsed.data.DeploymentId,
        lifecycleEventHookExecutionId: parsed.data.LifecycleEventHookExecutionId,
      }
    : undefined;
  const log = deps.log.child({
    hook: hook?.name ?? hookId,
    deploymentId: execution?.deploymentId,
    lifecycleEventHookExecutionId: execution?.lifecycleEventHookExecutionId,
  });
  const observeOnly = !(settings instanceof Error) && settings.observeOnly;
  let status: HookStatus = 'Failed';
  let reason = 'the hook stopped before reaching a verdict';
  let checks: CheckResult[] = [];
  let report: ReportOutcome = {
    outcome: 'not-attempted',
    reason: 'no deployment id or hook execution id in the event',
  };
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;

  try {
    if (!execution) {
      throw new InvalidHookEventError(
        `expected { DeploymentId, LifecycleEventHookExecutionId }: ${parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    if (!hook) throw new UnknownHookError(`unknown hook id "${hookId}"; expected one of ${HOOK_IDS.join(', ')}`);
    if (settings instanceof Error) throw settings;

    const reserve = deps.reportReserveMs ?? REPORT_RESERVE_MS;
    // A function whose timeout was set below what packaging derived (by hand, or an old
    // deployment) could be cut off mid-check: refuse at once, with a report, instead.
    const needed = worstCaseMs(settingsForHook(settings, hook.name), settings.discovery) + reserve;
    const available = deps.deadline.remainingMs();
    if (needed > available) {
      throw new HookBudgetError(
        `the checks' worst case needs ${Math.ceil(needed / 1000)} s but the invocation has ${Math.floor(available / 1000)} s: raise the function's timeout (deploy again) or lower count, interval or timeout`,
      );
    }
    const checkDeadline = { remainingMs: () => deps.deadline.remainingMs() - reserve };
    const checkDeps = { ...deps, deadline: checkDeadline };
    const budget = checkDeadline.remainingMs();
    if (budget <= 0)
      throw new CheckStoppedError(
        'deadline',
        `no time left for the checks (${Math.round(deps.deadline.remainingMs())} ms left, ${reserve} ms kept for the report)`,
      );
    timer = setTimeout(
      () => controller.abort(new CheckStoppedError('deadline', 'stopped at the hook deadline')),
      budget,
    );

    const evaluation = (async () => {
      const hookSettings = settingsForHook(settings, hook.name);
      const env = createEnvironment(
        { deploymentId: execution.deploymentId },
        settings.discovery,
        checkDeps,
        controller.signal,
      );
      const prepared = await Promise.all(hookSettings.checks.map((check) => prepareCheck(check, env, checkDeps)));
      const results = await evaluateChecks(prepared, {
        sleep: deps.sleep,
        deadline: checkDeadline,
        signal: controller.signal,
        observeOnly: settings.observeOnly,
        log,
      });
      return { ...decideHook(results, settings.observeOnly), checks: results };
    })();
    // Whichever loses the race below must not surface later as an unhandled rejection.
    evaluation.catch(() => undefined);
    ({ status, reason, checks } = await Promise.race([evaluation, afterAbort(controller.signal)]));
  } catch (error) {
    status = observeOnly && !(error instanceof InvalidHookEventError) ? 'Succeeded' : 'Failed';
    reason = observeOnly ? `observe only, would have failed: ${errorText(error)}` : errorText(error);
    log.error('hook could not evaluate its checks', { error });
  } finally {
    clearTimeout(timer);
    controller.abort(new CheckStoppedError('cancelled', 'the hook has reached its verdict'));
    if (execution) {
      report = await reportHookStatus(deps.codedeploy, execution, status, {
        deadline: deps.deadline,
        sleep: deps.sleep,
        random: deps.random,
        onRetry: (error, attempt, delayMs) => log.warn('hook status report retried', { attempt, delayMs, error }),
      });
    }
    const line = {
      status,
      reason,
      observeOnly,
      report: report.outcome,
      reportAttempts: 'attempts' in report ? report.attempts : 0,
      durationMs: Math.round(deps.clock() - started),
      checks: checks.map((c) => ({
        name: c.name,
        verdict: c.verdict,
        dryRun: c.dryRun,
        attempts: c.attempts,
        reason: c.reason,
      })),
      ...(report.outcome === 'failed' ? { reportError: report.error } : {}),
    };
    if (report.outcome === 'failed' || report.outcome === 'not-attempted') log.error('hook verdict', line);
    else log.info('hook verdict', line);
  }
  return {
    hook: hook?.name ?? hookId,
    deploymentId: execution?.deploymentId,
    lifecycleEventHookExecutionId: execution?.lifecycleEventHookExecutionId,
    status,
    reason,
    observeOnly,
    checks,
    report,
    durationMs: Math.round(deps.clock() - started),
  };
};
