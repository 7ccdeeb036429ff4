'use strict';
/**
 * Packaging-time checks and wiring that serverless.yml cannot express on its own:
 * - validates the stage's settings file (an invalid file stops `serverless package` / `deploy`) and
 *   the name of the default webhook's SSM parameter;
 * - removes the functions (and resources) of capabilities a stage switched off;
 * - sets reserved concurrency from stage parameters (or none, for accounts that cannot reserve);
 * - names each hook function `CodeDeployHook_<service>-<stage>-<hook>` (at most 64 characters),
 *   derives its timeout from the worst case of its checks in every deployment group, and lets its
 *   role invoke only the Lambda functions its invoke checks name (any version, never unqualified);
 * - adds stack outputs with the hook functions' names and unqualified ARNs;
 * - drops the framework's shared role, which no function uses;
 * - turns X-Ray tracing on when the stage asks (`tracing`), with each role's permission to send traces;
 * - adds a CloudWatch dashboard and an alarm on function errors for the functions the stage keeps
 *   (telemetry.cjs);
 * - applies the deployment mode (organization.cjs): a member is a template of rules and roles with no
 *   function and no deployment bucket; a hub adds its bus, names its roles and lets them assume the
 *   member roles.
 */
const { loadSentinelModules, loadMetricNames } = require('./load-ts.cjs');
const organization = require('./organization.cjs');
const telemetry = require('./telemetry.cjs');
const { chooseBranches } = require('./invoke-local.cjs');

class DeploySentinelPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      initialize: () => this.prepare(),
      'before:package:finalize': () => this.finalize(),
      'before:deploy:deploy': () => this.refuseMemberDeploy(),
    };
  }

  fail(message) {
    throw new this.serverless.classes.Error(`deploy-sentinel: ${message}`);
  }

  prepare() {
    const service = this.serverless.service;
    const stage = service.provider.stage;
    try {
      this.organization = organization.organizationOf(service.custom.sentinel.organization || {}, {
        service: service.service,
        stage,
      });
    } catch (error) {
      this.fail(error.message);
    }
    if (this.organization.mode === 'member') {
      this.prepareMember();
      return;
    }
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
      for (const param of ['slackWebhookParameter', 'slackBotTokenParameter']) {
        if (custom[param] === undefined) continue;
        const name = String(custom[param]);
        const problems = webhookParameterProblems(name);
        if (problems.length > 0) this.fail(`stage parameter ${param} (${clipEnd(name, 120)}) ${problems.join('; ')}`);
      }
    }
    const declared = service.resources || {};
    for (const [capability, ids] of Object.entries(custom.resources || {})) {
      if (String(custom.capabilities[capability]) === 'true') continue;
      for (const id of ids) {
        if (declared.Resources) delete declared.Resources[id];
        if (declared.Outputs) delete declared.Outputs[id];
      }
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
    const commands = (this.serverless.processedInput && this.serverless.processedInput.commands) || [];
    if (commands.join(' ') === 'invoke local') {
      const conditions = (service.resources && service.resources.Conditions) || {};
      for (const fn of Object.values(service.functions)) {
        if (fn.environment) fn.environment = chooseBranches(fn.environment, conditions);
      }
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
    this.prepareTracing();
    if (this.organization.mode === 'hub') this.prepareHub();
  }

  /**
   * Active X-Ray tracing on every function (provider.tracing.lambda). The framework grants the trace
   * upload only to its shared role, so each function's own role gets it here; X-Ray's PutTraceSegments
   * and PutTelemetryRecords take no resource narrower than `*`
   * (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html).
   */
  prepareTracing() {
    const service = this.serverless.service;
    const value = String(service.custom.sentinel.tracing ?? 'false');
    if (value !== 'true' && value !== 'false') this.fail(`stage parameter tracing must be true or false, got ${value}`);
    if (value === 'false') return;
    service.provider.tracing = { ...(service.provider.tracing || {}), lambda: true };
    for (const fn of Object.values(service.functions)) {
      // A new list: the hook functions share theirs through a YAML anchor.
      fn.iamRoleStatements = [
        ...(fn.iamRoleStatements || []),
        { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      ];
    }
  }

  /** A member holds no function and none of the service's resources: only what forwards to the hub. */
  prepareMember() {
    const service = this.serverless.service;
    for (const name of Object.keys(service.functions)) delete service.functions[name];
    // With nothing to bundle, serverless-esbuild would still move a build folder it never made and fail.
    const { hooks } = this.serverless.pluginManager;
    for (const event of ['before:package:createDeploymentArtifacts', 'after:package:createDeploymentArtifacts'])
      hooks[event] = (hooks[event] || []).filter((h) => h.pluginName !== 'EsbuildServerlessPlugin');
    service.resources = organization.memberTemplate(this.organization, {
      service: service.service,
      stage: service.provider.stage,
    });
  }

  /**
   * A hub: its functions also subscribe to the hub bus (the events members forward), each reader or
   * cleanup role gets a fixed name (member trusts name it), may assume only its member role and may do
   * in the hub account's other regions what it does in its own; their environment says so.
   */
  prepareHub() {
    const service = this.serverless.service;
    const settings = this.organization;
    const resources = service.resources.Resources;
    resources.HubEventBus = { Type: 'AWS::Events::EventBus', Properties: { Name: settings.hubBusName } };
    resources.HubEventBusPolicy = organization.hubBusPolicy(settings, 'HubEventBus');
    service.resources.Outputs.HubEventBusArn = {
      Description: 'hubEventBusArn for the member template',
      Value: { 'Fn::GetAtt': ['HubEventBus', 'Arn'] },
    };
    for (const [key, fn] of Object.entries(service.functions)) {
      const assume = organization.assumeStatementFor(settings, key);
      if (assume) {
        fn.iamRoleStatementsName = organization.hubRoleName(settings.hubRolePrefix, key);
        fn.iamRoleStatements = [...(fn.iamRoleStatements || []).map(organization.inEveryRegion), assume];
        const schedule = (fn.events || []).find((e) => e.eventBridge && e.eventBridge.schedule);
        fn.environment = {
          ...(fn.environment || {}),
          ...organization.hubEnvironment(settings, key, schedule && schedule.eventBridge.schedule),
        };
      }
      const forwarded = (fn.events || []).filter(
        (e) => e.eventBridge && organization.isForwardedPattern(e.eventBridge.pattern),
      );
      for (const event of forwarded)
        fn.events.push({ eventBridge: { ...event.eventBridge, eventBus: { 'Fn::GetAtt': ['HubEventBus', 'Name'] } } });
    }
  }

  refuseMemberDeploy() {
    if (this.organization && this.organization.mode === 'member')
      this.fail(
        'a member template is rolled out by a StackSet, not deployed: package it (serverless package) and create the StackSet from .serverless/cloudformation-template-update-stack.json (README, Organisation hub)',
      );
  }

  finalize() {
    if (this.organization.mode === 'member') {
      this.removeDeploymentBucket();
      return;
    }
    this.removeUnusedSharedRole();
    this.addOutputs();
    this.addTelemetry();
    if (this.organization.mode === 'hub') this.addHubRoleOutputs();
  }

  /**
   * A StackSet has no deployment bucket per region to give, and a member has no code to put in one
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-concepts.html).
   */
  removeDeploymentBucket() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    for (const [id, resource] of Object.entries(template.Resources))
      if (resource.Type === 'AWS::S3::Bucket' || resource.Type === 'AWS::S3::BucketPolicy')
        delete template.Resources[id];
    delete template.Outputs.ServerlessDeploymentBucketName;
  }

  /** The hub roles the member template's trusts name, for checking a rollout. */
  addHubRoleOutputs() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const naming = this.serverless.getProvider('aws').naming;
    for (const key of [...organization.READERS, organization.CLEANER]) {
      const fn = template.Resources[naming.getLambdaLogicalId(key)];
      if (!fn) continue;
      template.Outputs[`${naming.getNormalizedFunctionName(key)}RoleArn`] = {
        Description: `Role of ${key}: member roles trust it by name`,
        Value: { 'Fn::GetAtt': [fn.Properties.Role['Fn::GetAtt'][0], 'Arn'] },
      };
    }
  }

  /** The dashboard and the error alarm, of the functions that remain (none: neither). */
  addTelemetry() {
    const service = this.serverless.service;
    const template = service.provider.compiledCloudFormationTemplate;
    const naming = this.serverless.getProvider('aws').naming;
    const { METRICS, NAMESPACE } = loadMetricNames();
    const functions = telemetry.functionsByCapability(
      service.custom.sentinel.functions,
      Object.keys(service.functions),
      (key) => naming.getLambdaLogicalId(key),
    );
    Object.assign(
      template.Resources,
      telemetry.telemetryResources({
        service: service.service,
        stage: service.provider.stage,
        functions,
        metrics: METRICS,
        namespace: NAMESPACE,
      }),
    );
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
