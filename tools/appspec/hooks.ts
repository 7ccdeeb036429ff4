import { HOOK_FUNCTION_PREFIX, HOOKS, type HookName, hookById, hookFunctionName } from '../../lib/hooks/hooks.js';

/** The appspec `Hooks:` section of an ECS deployment, built from function names or ARNs. */

export interface HookFunction {
  hook: HookName;
  /** A function name or an unqualified ARN: an appspec that pins a version keeps calling old code. */
  functionRef: string;
}

/** The functions of a packaged CloudFormation template that serve hooks for this service and stage. */
export const hookFunctionsFromTemplate = (template: unknown, service: string, stage: string): HookFunction[] => {
  const prefix = `${HOOK_FUNCTION_PREFIX}${service}-${stage}-`;
  const resources =
    (template as { Resources?: Record<string, { Type?: string; Properties?: { FunctionName?: unknown } }> })
      ?.Resources ?? {};
  const found: HookFunction[] = [];
  for (const resource of Object.values(resources)) {
    const name = resource.Properties?.FunctionName;
    if (resource.Type !== 'AWS::Lambda::Function' || typeof name !== 'string' || !name.startsWith(prefix)) continue;
    const hook = hookById(name.slice(prefix.length));
    if (hook) found.push({ hook: hook.name, functionRef: name });
  }
  return found;
};

/** The five hook functions by the naming convention `CodeDeployHook_<service>-<stage>-<hookId>`. */
export const hookFunctionsByConvention = (service: string, stage: string): HookFunction[] =>
  HOOKS.map((h) => ({ hook: h.name, functionRef: hookFunctionName(service, stage, h.id) }));

/** An unqualified Lambda function ARN. */
export const functionArn = (name: string, region: string, account: string, partition = 'aws'): string =>
  `arn:${partition}:lambda:${region}:${account}:function:${name}`;

/** The `Hooks:` section, in the order CodeDeploy runs the hooks. */
export const formatAppspecHooks = (functions: HookFunction[]): string => {
  const order = HOOKS.map((h) => h.name as string);
  const lines = [...functions]
    .sort((a, b) => order.indexOf(a.hook) - order.indexOf(b.hook))
    .map((f) => `  - ${f.hook}: "${f.functionRef}"`);
  return ['Hooks:', ...lines].join('\n');
};

/** The hooks of a Lambda deployment, in order (CodeDeploy user guide, "AppSpec 'hooks' section for an AWS Lambda deployment"). */
export const LAMBDA_HOOKS: readonly HookName[] = HOOKS.filter((h) =>
  (h.platforms as readonly string[]).includes('Lambda'),
).map((h) => h.name);

/**
 * SAM's `DeploymentPreference` of a function that CodeDeploy shifts traffic for: its PreTraffic
 * and PostTraffic hooks are the appspec's BeforeAllowTraffic and AfterAllowTraffic
 * (AWS SAM developer guide, "Deploying serverless applications gradually with AWS SAM").
 */
export const formatSamDeploymentPreference = (functions: HookFunction[], type = 'Canary10Percent5Minutes'): string => {
  const ref = (hook: HookName) => functions.find((f) => f.hook === hook)?.functionRef;
  const hooks = [
    ['PreTraffic', ref('BeforeAllowTraffic')],
    ['PostTraffic', ref('AfterAllowTraffic')],
  ].filter((entry): entry is [string, string] => entry[1] !== undefined);
  return [
    'DeploymentPreference:',
    `  Type: ${type}`,
    ...(hooks.length > 0 ? ['  Hooks:', ...hooks.map(([key, value]) => `    ${key}: "${value}"`)] : []),
  ].join('\n');
};

/** One configured deployment group (settings `hooks.groups`) and the hooks it uses. */
export interface GroupHooksLine {
  key: string;
  platform?: string;
  hooks: Array<{ hook: HookName; source: string; checks: number }>;
}

/** Per configured group, the hooks whose checks it runs and where they come from, as comment lines. */
export const formatGroupHooks = (groups: GroupHooksLine[]): string =>
  groups
    .map((group) => {
      const head = `#   ${group.key}${group.platform ? ` (${group.platform})` : ''}:`;
      if (group.hooks.length === 0) return `${head} no hook has checks`;
      return [
        head,
        ...group.hooks.map((h) => `#     ${h.hook}: ${h.checks} check${h.checks === 1 ? '' : 's'} from ${h.source}`),
      ].join('\n');
    })
    .join('\n');
