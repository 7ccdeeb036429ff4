import * as z from 'zod/mini';
import '../zod.js';
import type { CloudWatchPort } from '../aws/cloudwatch.js';
import type { CodeDeployPort } from '../aws/codedeploy.js';
import type { Elbv2Port } from '../aws/elbv2.js';
import { errorText } from '../aws/errors.js';
import type { LambdaPort } from '../aws/lambda.js';
import type { Logger } from '../log.js';
import { type Metrics, metrics as processMetrics } from '../metrics.js';
import type { Clock, Deadline, Sleep } from '../time.js';
import { REPORT_RESERVE_MS } from './budget.js';
import { createEnvironment, UnresolvedError } from './discovery.js';
import { type CheckResult, CheckStoppedError, decideHook, evaluateChecks, type HookStatus } from './evaluate.js';
import { groupSettingsKey, hookWorstCaseMs, selectHook, selectionPlatformProblem, uncheckedReason } from './groups.js';
import { hookById, HOOK_IDS, type Platform, PLATFORMS } from './hooks.js';
import type { HttpFetch } from './http-probe.js';
import { prepareCheck } from './measures.js';
import { reportHookStatus, type ReportOutcome } from './report.js';
import type { HooksSettings } from './settings.js';

/**
 * One hook invocation: evaluate the hook's checks, then report Succeeded or Failed to CodeDeploy
 * exactly once, from a `finally`, before the invocation's deadline. A thrown error or a Lambda
 * timeout would tell CodeDeploy nothing and leave the deployment waiting for an hour, so nothing
 * here throws: every problem (bad event, bad settings, unresolved listener, deadline) becomes a
 * Failed report and one verdict line.
 */

/** The payload CodeDeploy invokes a hook with; nothing else is sent. */
export const hookEventSchema = z.looseObject({
  DeploymentId: z.string().check(z.minLength(1)),
  LifecycleEventHookExecutionId: z.string().check(z.minLength(1)),
});
export type HookEvent = z.infer<typeof hookEventSchema>;

export interface HookDeps {
  codedeploy: CodeDeployPort;
  elbv2: Elbv2Port;
  cloudwatch: CloudWatchPort;
  lambda: LambdaPort;
  fetch: HttpFetch;
  clock: Clock;
  sleep: Sleep;
  /** The invocation's remaining time (e.g. `deadlineFromContext(context, 0)`). */
  deadline: Deadline;
  log: Logger;
  /** Counts the verdict, once it is reported (default: the process's recorder). */
  metrics?: Metrics;
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
  /** `application/deploymentGroup`, once GetDeployment named it. */
  deploymentGroup?: string;
  /** The deployment's compute platform, once GetDeployment named it. */
  computePlatform?: string;
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

/** Raised when a hook runs for a deployment group that has no checks for it and may not pass unchecked. */
export class UncheckedGroupError extends Error {
  override name = 'UncheckedGroupError';
}

/** Raised when the deployment's platform cannot run the hook or the checks chosen for it. */
export class PlatformMismatchError extends Error {
  override name = 'PlatformMismatchError';
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

/**
 * Refuses a deployment whose platform cannot run this hook or the checks chosen for it: packaging
 * refuses them when the settings give the group's platform, this covers the groups they do not.
 */
const checkPlatform = (
  hook: NonNullable<ReturnType<typeof hookById>>,
  selection: ReturnType<typeof selectHook>,
  group: string,
  computePlatform: string | undefined,
) => {
  if (computePlatform === undefined) return;
  const platform = PLATFORMS.find((p) => p === computePlatform);
  if (!platform) {
    throw new PlatformMismatchError(
      `${group} deploys on ${computePlatform}, whose deployments invoke no hook functions (ECS and Lambda deployments do)`,
    );
  }
  if (!(hook.platforms as readonly Platform[]).includes(platform))
    throw new PlatformMismatchError(`${platform} deployments do not run ${hook.name}; ${group} deploys on ${platform}`);
  if (selection.platform && selection.platform !== platform) {
    throw new PlatformMismatchError(
      `the settings give ${group} the ${selection.platform} platform, but it deploys on ${platform}: correct ${groupSettingsKey(group)}.platform or the key that sets it`,
    );
  }
  const problem = selectionPlatformProblem(selection.checks, platform);
  if (problem) {
    throw new PlatformMismatchError(
      `${group} deploys on ${platform}, but in ${selection.source} ${problem}: give ${groupSettingsKey(group)}.${hook.name} checks of its own`,
    );
  }
};

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
  let log = deps.log.child({
    hook: hook?.name ?? hookId,
    deploymentId: execution?.deploymentId,
    lifecycleEventHookExecutionId: execution?.lifecycleEventHookExecutionId,
  });
  const observeOnly = !(settings instanceof Error) && settings.observeOnly;
  let status: HookStatus = 'Failed';
  let reason = 'the hook stopped before reaching a verdict';
  let checks: CheckResult[] = [];
  let deploymentGroup: string | undefined;
  let computePlatform: string | undefined;
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
    const needed = hookWorstCaseMs(settings, hook.name) + reserve;
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
      // One memo for both environments: the deployment is read once, before and after the group is known.
      const memo = new Map<string, Promise<unknown>>();
      const ids = { deploymentId: execution.deploymentId };
      const found = await createEnvironment(ids, settings.discovery, checkDeps, controller.signal, memo).deployment();
      if ('reason' in found) throw new UnresolvedError(`the deployment group could not be found: ${found.reason}`);
      const { applicationName, deploymentGroupName } = found.value;
      deploymentGroup = `${applicationName}/${deploymentGroupName}`;
      computePlatform = found.value.computePlatform;
      log = log.child({ deploymentGroup, computePlatform });
      const selection = selectHook(settings, hook.name, applicationName, deploymentGroupName);
      checkPlatform(hook, selection, deploymentGroup, computePlatform);
      if (selection.checks.length === 0) {
        if (selection.allowUnchecked) {
          return {
            status: 'Succeeded' as const,
            reason: `no ${hook.name} checks for ${deploymentGroup}, which may pass unchecked (allowUnchecked)`,
            checks: [],
          };
        }
        throw new UncheckedGroupError(uncheckedReason(hook.name, applicationName, deploymentGroupName));
      }
      log.info('hook checks chosen', { source: selection.source, checks: selection.checks.map((c) => c.name) });
      const env = createEnvironment(ids, selection.discovery, checkDeps, controller.signal, memo);
      const prepared = await Promise.all(selection.checks.map((check) => prepareCheck(check, env, checkDeps)));
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
      deploymentGroup,
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
    (deps.metrics ?? processMetrics).add('HookVerdicts', { hook: hook?.name ?? hookId, result: status });
  }
  return {
    hook: hook?.name ?? hookId,
    deploymentId: execution?.deploymentId,
    lifecycleEventHookExecutionId: execution?.lifecycleEventHookExecutionId,
    deploymentGroup,
    computePlatform,
    status,
    reason,
    observeOnly,
    checks,
    report,
    durationMs: Math.round(deps.clock() - started),
  };
};
