import type { Check, HookSettings } from './settings.js';

/**
 * How long a hook can take at worst, so that its function timeout always leaves room to report:
 * a hook that times out never reports and CodeDeploy waits an hour.
 */

/** Lambda's maximum function timeout. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** Each discovery call (CodeDeploy, ELBv2) is abandoned after this long. */
export const DISCOVERY_CALL_TIMEOUT_MS = 3_000;

/** Discovery makes at most this many calls one after the other (deployment, group, listener, load balancer). */
const DISCOVERY_SEQUENTIAL_CALLS = 4;

/** Time set aside for discovery before any check starts. */
export const DISCOVERY_ALLOWANCE_MS = DISCOVERY_SEQUENTIAL_CALLS * DISCOVERY_CALL_TIMEOUT_MS;

/** Time kept after the checks for the status report (with its retries) and the verdict line. */
export const REPORT_RESERVE_MS = 3_000;

/** Cold start and event parsing, before the clock of the checks starts. */
export const INIT_ALLOWANCE_MS = 2_000;

/** The smallest timeout given to a hook function. */
export const MIN_HOOK_TIMEOUT_SECONDS = 10;

type Schedule = Pick<Check, 'count' | 'consecutiveErrorLimit' | 'initialDelay' | 'interval' | 'timeout'>;

/**
 * Measurements a check can take at most: each of `count` conclusive measurements may be preceded
 * by `consecutiveErrorLimit` errors, and a final run of `consecutiveErrorLimit + 1` errors ends it.
 */
export const maxAttempts = (check: Pick<Check, 'count' | 'consecutiveErrorLimit'>): number =>
  check.count * (check.consecutiveErrorLimit + 1);

/** The longest one check can run: its initial delay, every attempt timing out, and the waits between. */
export const checkWorstCaseMs = (check: Schedule): number => {
  const attempts = maxAttempts(check);
  return check.initialDelay + attempts * check.timeout + (attempts - 1) * check.interval;
};

/**
 * The longest a hook can take before it reports: discovery, then its checks, which run side by
 * side. A hook without checks only reports.
 */
export const worstCaseMs = (hook: Pick<HookSettings, 'checks'>): number => {
  if (hook.checks.length === 0) return 0;
  return DISCOVERY_ALLOWANCE_MS + Math.max(...hook.checks.map(checkWorstCaseMs));
};

/** The function timeout a hook needs: its worst case plus start-up and the report reserve, in whole seconds. */
export const hookTimeoutSeconds = (hook: Pick<HookSettings, 'checks'>): number =>
  Math.max(MIN_HOOK_TIMEOUT_SECONDS, Math.ceil((worstCaseMs(hook) + INIT_ALLOWANCE_MS + REPORT_RESERVE_MS) / 1000));

/** The timeout to give a hook's function: the settings' `timeoutSeconds`, or the derived one. */
export const functionTimeoutSeconds = (hook: Pick<HookSettings, 'checks' | 'timeoutSeconds'>): number =>
  hook.timeoutSeconds ?? hookTimeoutSeconds(hook);
