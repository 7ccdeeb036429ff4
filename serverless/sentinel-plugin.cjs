'use strict';
/**
 * Packaging-time checks and wiring that serverless.yml cannot express on its own:
 * - validates the stage's settings file (an invalid file stops `serverless package` / `deploy`) and
 *   the name of the default webhook's SSM parameter;
 * - removes the functions of capabilities a stage switched off;
 * - sets reserved concurrency from stage parameters (or none, for accounts that cannot reserve);
 * - names each hook function `CodeDeployHook_<service>-<stage>-<hook>` (at most 64 characters),
 *   derives its timeout from the worst case of its checks in every deployment group, and lets its
 *   role invoke only the Lambda functions its invoke checks name (any version, never unqualified);
 * - adds stack outputs with the hook functions' names and unqualified ARNs;
 * - drops the framework's shared role, which no function uses.
 */
const { loadSentinelModules } = require('./load-ts.cjs');

class DeploySentinelPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      initialize: () => this.prepare(),
      'before:package:finalize': () => this.finalize(),
    };
  }

  fail(message) {
    throw new this.serverless.classes.Error(`deploy-sentinel: ${message}`);
  }

  prepare() {
    const service = this.serverless.service;
    const stage = service.provider.stage;
    const {
      loadSettingsFile,
      hookFunctionName,
      hookFunctionTimeoutSeconds,
      invokedFunctions,
      hookById,
      webhookParameterProblems,
      clipEnd,
    } = loadSentinelModules();
    let loaded;
    try {
      loaded = loadSettingsFile(stage, this.serverless.serviceDir);
    } catch (error) {
      this.fail(error.message);
    }

    const custom = service.custom.sentinel;
    // Only the notifiers read it; a stage without alerts may leave it as it is.
    if (String(custom.capabilities.alerts) === 'true') {
      const name = String(custom.slackWebhookParameter);
      const problems = webhookParameterProblems(name);
      if (problems.length > 0)
        this.fail(`stage parameter slackWebhookParameter (${clipEnd(name, 120)}) ${problems.join('; ')}`);
    }
    for (const [capability, names] of Object.entries(custom.functions)) {
      const enabled = String(custom.capabilities[capability]) === 'true';
      if (enabled) continue;
      for (const name of names) delete service.functions[name];
    }

    for (const [name, value] of Object.entries(custom.reservedConcurrency || {})) {
      const fn = service.functions[name];
      if (!fn || String(value) === 'none') continue;
      const reserved = Number(value);
      if (!Number.isInteger(reserved) || reserved < 1)
        this.fail(`reserved concurrency for ${name} must be a whole number >= 1 or none, got ${value}`);
      fn.reservedConcurrency = reserved;
    }

    const list = (value) =>
      String(value || '')
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
    const subnetIds = list(custom.hookVpc.subnetIds);
    const securityGroupIds = list(custom.hookVpc.securityGroupIds);
    if (subnetIds.length > 0 !== securityGroupIds.length > 0) {
      this.fail('hookSubnetIds and hookSecurityGroupIds go together: set both (VPC placement) or neither');
    }
    for (const fn of Object.values(service.functions)) {
      const hookId = fn.environment && fn.environment.HOOK_ID;
      if (!hookId) continue;
      // Internal load balancers and closed test ports are reachable only from inside the VPC.
      if (subnetIds.length > 0) fn.vpc = { subnetIds, securityGroupIds };
      const hook = hookById(hookId);
      if (!hook) this.fail(`unknown hook id ${hookId}`);
      try {
        fn.name = hookFunctionName(service.service, stage, hookId);
        fn.timeout = hookFunctionTimeoutSeconds(loaded.settings.hooks, hook.name);
      } catch (error) {
        this.fail(error.message);
      }
      const invoked = invokedFunctions(loaded.settings.hooks, hook.name);
      if (invoked.length > 0) {
        // Invoking a version is authorised on the qualified ARN; `:*` covers every version of the
        // function and nothing unqualified (Lambda developer guide, "Fine-tuning the Resources and
        // Conditions sections of policies",
        // https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
        // A new list: the hook functions share theirs through a YAML anchor.
        fn.iamRoleStatements = [
          ...(fn.iamRoleStatements || []),
          {
            Effect: 'Allow',
            Action: ['lambda:InvokeFunction'],
            Resource: invoked.map((name) => ({
              'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name}:*`,
            })),
          },
        ];
      }
    }
  }

  finalize() {
    this.removeUnusedSharedRole();
    this.addOutputs();
  }

  /** Every function has its own role; the framework's shared one would be an unused role. */
  removeUnusedSharedRole() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const { IamRoleLambdaExecution: shared, ...others } = template.Resources;
    if (shared && !JSON.stringify(others).includes('"IamRoleLambdaExecution"'))
      delete template.Resources.IamRoleLambdaExecution;
  }

  addOutputs() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const naming = this.serverless.getProvider('aws').naming;
    for (const [key, fn] of Object.entries(this.serverless.service.functions)) {
      if (!fn.environment || !fn.environment.HOOK_ID) continue;
      const logicalId = naming.getLambdaLogicalId(key);
      const base = naming.getNormalizedFunctionName(key);
      template.Outputs[`${base}HookName`] = {
        Description: `Function name for the ${fn.environment.HOOK_ID} hook (appspec Hooks)`,
        Value: { Ref: logicalId },
      };
      template.Outputs[`${base}HookArn`] = {
        Description: `Unqualified ARN of the ${fn.environment.HOOK_ID} hook: an appspec that pins a version would keep calling old code`,
        Value: { 'Fn::GetAtt': [logicalId, 'Arn'] },
      };
    }
  }
}

module.exports = DeploySentinelPlugin;
