/**
 * The five ECS blue/green lifecycle hooks a Lambda can serve, and what the world looks like when
 * each one runs (CodeDeploy user guide, "AppSpec 'hooks' section for an Amazon ECS deployment").
 */

/** Which task set a listener serves. */
export type TrafficSide = 'none' | 'blue' | 'green';

/** The CodeDeploy compute platforms whose deployments invoke hook functions. */
export const PLATFORMS = ['ECS', 'Lambda'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** One lifecycle hook: its appspec name, its short id (function names) and what it may assume. */
export interface HookSpec {
  /** The name used in the appspec `Hooks:` section and in the settings file. */
  name: string;
  /** The short id used in function names and in the HOOK_ID of each function. */
  id: string;
  /** Whether the replacement (green) task set exists when the hook runs. */
  greenTaskSet: boolean;
  /** Which task set the test listener serves when the hook runs. */
  testListenerServes: TrafficSide;
  /** Which task set the production listener serves when the hook runs. */
  productionListenerServes: TrafficSide;
  /** Whether a Failed report makes CodeDeploy roll back (BeforeInstall only stops the deployment). */
  failureRollsBack: boolean;
  /** The same facts for people. */
  assumes: string;
  /**
   * The platforms that run this hook: Lambda deployments run only BeforeAllowTraffic and
   * AfterAllowTraffic (CodeDeploy user guide, "AppSpec 'hooks' section for an AWS Lambda deployment").
   */
  platforms: readonly Platform[];
}

/** Every hook, in the order CodeDeploy runs them. */
export const HOOKS = [
  {
    name: 'BeforeInstall',
    id: 'before-install',
    greenTaskSet: false,
    testListenerServes: 'blue',
    productionListenerServes: 'blue',
    failureRollsBack: false,
    assumes:
      'Preflight: the green task set does not exist yet and both listeners serve blue; a failure stops the deployment before anything changes.',
    platforms: ['ECS'],
  },
  {
    name: 'AfterInstall',
    id: 'after-install',
    greenTaskSet: true,
    testListenerServes: 'blue',
    productionListenerServes: 'blue',
    failureRollsBack: true,
    assumes:
      'The green task set exists and is registered in the green target group; the test listener still serves blue.',
    platforms: ['ECS'],
  },
  {
    name: 'AfterAllowTestTraffic',
    id: 'after-test-traffic',
    greenTaskSet: true,
    testListenerServes: 'green',
    productionListenerServes: 'blue',
    failureRollsBack: true,
    assumes: 'The test listener serves green; production traffic still goes to blue.',
    platforms: ['ECS'],
  },
  {
    name: 'BeforeAllowTraffic',
    id: 'before-traffic',
    greenTaskSet: true,
    testListenerServes: 'green',
    productionListenerServes: 'blue',
    failureRollsBack: true,
    assumes:
      'Last gate. ECS: the test listener serves green, production still goes to blue. Lambda: the target version exists, the alias still points at the current version.',
    platforms: ['ECS', 'Lambda'],
  },
  {
    name: 'AfterAllowTraffic',
    id: 'after-traffic',
    greenTaskSet: true,
    testListenerServes: 'green',
    productionListenerServes: 'green',
    failureRollsBack: true,
    assumes:
      'ECS: production traffic goes to green; a failure still rolls back to blue. Lambda: the alias points at the target version; a failure rolls it back.',
    platforms: ['ECS', 'Lambda'],
  },
] as const satisfies readonly HookSpec[];

/** An appspec hook name, `AfterAllowTestTraffic`. */
export type HookName = (typeof HOOKS)[number]['name'];
/** A short hook id, `after-test-traffic`. */
export type HookId = (typeof HOOKS)[number]['id'];

/** The appspec hook names, in order. */
export const HOOK_NAMES = HOOKS.map((h) => h.name) as HookName[];
/** The short hook ids, in order. */
export const HOOK_IDS = HOOKS.map((h) => h.id) as HookId[];

/** The hook with this short id, or undefined. */
export const hookById = (id: string): (typeof HOOKS)[number] | undefined => HOOKS.find((h) => h.id === id);

/** The hook with this appspec name, or undefined. */
export const hookByName = (name: string): (typeof HOOKS)[number] | undefined => HOOKS.find((h) => h.name === name);

/** Lambda's limit on function names. */
export const MAX_FUNCTION_NAME_LENGTH = 64;

/**
 * The managed CodeDeploy roles for ECS (Limited), Lambda and CloudFormation only invoke functions
 * whose names start with this prefix.
 */
export const HOOK_FUNCTION_PREFIX = 'CodeDeployHook_';

/** Raised when a hook function name would not be a valid Lambda function name. */
export class HookFunctionNameError extends Error {
  override name = 'HookFunctionNameError';
}

/** `CodeDeployHook_<service>-<stage>-<hookId>`; throws when it would pass Lambda's 64 characters. */
export const hookFunctionName = (service: string, stage: string, hookId: string): string => {
  const name = `${HOOK_FUNCTION_PREFIX}${service}-${stage}-${hookId}`;
  if (name.length > MAX_FUNCTION_NAME_LENGTH) {
    const longest = `${HOOK_FUNCTION_PREFIX}${service}-${stage}-${HOOKS.reduce((a, h) => (h.id.length > a.length ? h.id : a), '')}`;
    const over = longest.length - MAX_FUNCTION_NAME_LENGTH;
    throw new HookFunctionNameError(
      `hook function name "${name}" is ${name.length} characters; Lambda allows ${MAX_FUNCTION_NAME_LENGTH}. ` +
        `Shorten the service or stage name by at least ${over} characters so every hook fits.`,
    );
  }
  if (!/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new HookFunctionNameError(
      `hook function name "${name}" may only contain letters, digits, hyphens and underscores`,
    );
  }
  return name;
};
