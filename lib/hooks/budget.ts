import type { Check, DiscoveryOverrides, HookSettings } from './settings.js';
import { type Variable, variablesOf } from './variables.js';

/**
 * How long a hook can take at worst, so that its function timeout always leaves room to report:
 * a hook that times out never reports and CodeDeploy waits an hour.
 */

/** Lambda's maximum function timeout. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** Each discovery call (CodeDeploy, ELBv2), its retries included, ends within this long of its start. */
export const DISCOVERY_CALL_TIMEOUT_MS = 3_000;

/*
 * Discovery calls that must wait for one another (see discovery.ts): the deployment names its
 * group and platform (GetDeployment), which choose the checks, so it comes first in every hook;
 * the group (GetDeploymentGroup); the group names the ECS service, whose deployment
 * target lists the task sets' target groups by name (GetDeploymentTarget, DescribeTargetGroups),
 * and the listeners, each of which names its load balancer (DescribeListeners,
 * DescribeLoadBalancers). Lookups that do not wait for one another run side by side, and a call
 * shared by several lookups is made once, so the time discovery needs is the longest such chain.
 */
const GET_DEPLOYMENT = 1;
const GET_DEPLOYMENT_GROUP = GET_DEPLOYMENT + 1;
const GET_DEPLOYMENT_TARGET = GET_DEPLOYMENT_GROUP + 1;
const DESCRIBE_LISTENERS = GET_DEPLOYMENT_GROUP + 1;
const DESCRIBE_LOAD_BALANCERS = DESCRIBE_LISTENERS + 1;
/**
 * A Lambda deployment's one target is listed (ListDeploymentTargets), then read
 * (GetDeploymentTarget), once the deployment has chosen the checks.
 */
const LIST_DEPLOYMENT_TARGETS = GET_DEPLOYMENT + 1;
const GET_LAMBDA_TARGET = LIST_DEPLOYMENT_TARGETS + 1;

/** An ARN needs no call; a name needs DescribeTargetGroups, once the deployment has chosen the checks. */
const namedTargetGroupChain = (nameOrArn: string): number => GET_DEPLOYMENT + (nameOrArn.startsWith('arn:') ? 0 : 1);

const targetGroupChain = (which: string, overrides: DiscoveryOverrides): number => {
  if (which !== 'green' && which !== 'blue') return namedTargetGroupChain(which);
  const override = which === 'green' ? overrides.greenTargetGroup : overrides.blueTargetGroup;
  return override ? namedTargetGroupChain(override) : GET_DEPLOYMENT_TARGET + 1;
};

const listenerChain = (role: 'test' | 'production', overrides: DiscoveryOverrides): number =>
  (role === 'test' ? overrides.testListener : overrides.productionListener)?.url ? 0 : DESCRIBE_LOAD_BALANCERS;

const variableChain = (name: Variable, overrides: DiscoveryOverrides): number => {
  switch (name) {
    case 'deploymentId':
      return 0;
    case 'applicationName':
    case 'deploymentGroupName':
      return GET_DEPLOYMENT;
    case 'greenTargetGroup':
    case 'greenTargetGroupName':
      return targetGroupChain('green', overrides);
    case 'blueTargetGroup':
    case 'blueTargetGroupName':
      return targetGroupChain('blue', overrides);
    case 'loadBalancer':
      return overrides.loadBalancer ? 0 : DESCRIBE_LISTENERS;
    case 'functionName':
    case 'functionAlias':
    case 'currentVersion':
    case 'targetVersion':
      return GET_LAMBDA_TARGET;
  }
};

/** The longest run of discovery calls, each waiting for the one before, that a check needs before it starts. */
export const checkDiscoveryChain = (check: Check, overrides: DiscoveryOverrides = {}): number => {
  const chains = variablesOf(check).map((name) => variableChain(name, overrides));
  switch (check.type) {
    case 'http':
      if (!check.url) chains.push(listenerChain(check.target ?? 'test', overrides));
      break;
    case 'alarms':
      if (check.fromDeploymentGroup) chains.push(GET_DEPLOYMENT_GROUP);
      break;
    case 'targetHealth':
      chains.push(targetGroupChain(check.targetGroup, overrides));
      break;
    case 'invoke':
      chains.push(GET_LAMBDA_TARGET);
      break;
    case 'cloudwatch':
      break;
  }
  return Math.max(0, ...chains);
};

/**
 * The longest run of discovery calls one after the other before a hook's checks start: the
 * deployment first (it chooses the checks), then the checks are prepared side by side. Without
 * `overrides` nothing is taken as overridden, which never undercounts.
 */
export const discoveryChainLength = (hook: Pick<HookSettings, 'checks'>, overrides: DiscoveryOverrides = {}): number =>
  hook.checks.length === 0
    ? 0
    : Math.max(GET_DEPLOYMENT, ...hook.checks.map((check) => checkDiscoveryChain(check, overrides)));

/** Time set aside for discovery before any check starts: every call of the longest chain timing out. */
export const discoveryAllowanceMs = (hook: Pick<HookSettings, 'checks'>, overrides: DiscoveryOverrides = {}): number =>
  discoveryChainLength(hook, overrides) * DISCOVERY_CALL_TIMEOUT_MS;

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
 * The longest a hook can take before it reports: discovery (its longest chain of calls), then its
 * checks, which run side by side. A hook without checks only reports.
 */
export const worstCaseMs = (hook: Pick<HookSettings, 'checks'>, overrides: DiscoveryOverrides = {}): number => {
  if (hook.checks.length === 0) return 0;
  return discoveryAllowanceMs(hook, overrides) + Math.max(...hook.checks.map(checkWorstCaseMs));
};

/** The function timeout a hook needs: its worst case plus start-up and the report reserve, in whole seconds. */
export const hookTimeoutSeconds = (hook: Pick<HookSettings, 'checks'>, overrides: DiscoveryOverrides = {}): number =>
  Math.max(
    MIN_HOOK_TIMEOUT_SECONDS,
    Math.ceil((worstCaseMs(hook, overrides) + INIT_ALLOWANCE_MS + REPORT_RESERVE_MS) / 1000),
  );

/** The timeout to give a hook's function: the settings' `timeoutSeconds`, or the derived one. */
export const functionTimeoutSeconds = (
  hook: Pick<HookSettings, 'checks' | 'timeoutSeconds'>,
  overrides: DiscoveryOverrides = {},
): number => hook.timeoutSeconds ?? hookTimeoutSeconds(hook, overrides);
