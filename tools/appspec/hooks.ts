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
