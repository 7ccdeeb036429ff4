import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_DIR, readPackagedFunctions, readTemplate } from '../../local/harness.js';
import { STATE_TABLE_KEY, STATE_TABLE_TTL_ATTRIBUTE } from '../../lib/alerts/ledger.js';
import { METRICS, METRIC_NAMES } from '../../lib/metric-names.js';
import { functionsIn, serviceMetricsIn } from '../support/dashboard.js';
import { packageCopy } from '../support/package-copy.js';

const template = readTemplate();
const resources = Object.entries<any>(template.Resources);
const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
const functions = readPackagedFunctions();
const byKey = (key: string) => functions.find((f) => f.key === key)!;
const DLQ = { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] };

const roleOf = (key: string) => {
  const fn = template.Resources[byKey(key).logicalId];
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return template.Resources[roleId];
};
const statementsOf = (key: string): any[] =>
  roleOf(key).Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
const actionsOf = (key: string) => statementsOf(key).flatMap((s) => [s.Action].flat());
/** The statement granting an action (osls writes actions as lists). */
const grant = (key: string, action: string) => statementsOf(key).find((s) => [s.Action].flat().includes(action));

const MUTATING = /:(Put|Delete|Create|Update|Send|Terminate|Set|Publish|Invoke)/;

const NOTIFIERS = ['NotifyDeploymentLambdaFunction', 'NotifyAlarmLambdaFunction'];
const TABLE_ARN = { 'Fn::GetAtt': ['StateTable', 'Arn'] };

/**
 * What app mode and the event ledger must look like in any packaged template: with the alerts, the
 * state table (on demand, TTL), read and written by the notifiers only and only that table, and SSM
 * read only under /deploy-sentinel/; without them, nothing of it.
 */
const checkStateTableAndSecrets = (t: any) => {
  const entries = Object.entries<any>(t.Resources);
  const lambdas = entries.filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  const statements = (logicalId: string): any[] => {
    const roleId = t.Resources[logicalId].Properties.Role['Fn::GetAtt'][0];
    return t.Resources[roleId].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
  };
  const notifiers = lambdas.filter(([id]) => NOTIFIERS.includes(id));
  const table = t.Resources.StateTable;
  if (notifiers.length === 0) {
    expect(table).toBeUndefined();
    expect(t.Outputs.StateTableName).toBeUndefined();
    expect(entries.filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')).toEqual([]);
  } else {
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: STATE_TABLE_KEY, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: STATE_TABLE_KEY, AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: STATE_TABLE_TTL_ATTRIBUTE, Enabled: true },
    });
    expect(table.Condition).toBeUndefined();
    expect(t.Outputs.StateTableName.Value).toEqual({ Ref: 'StateTable' });
  }
  for (const [id, fn] of lambdas) {
    const all = statements(id);
    const dynamo = all.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    const ssm = all.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('ssm:')));
    if (NOTIFIERS.includes(id)) {
      expect(dynamo, id).toEqual([
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: TABLE_ARN },
      ]);
      expect(
        ssm.flatMap((s) => [s.Action].flat()),
        id,
      ).toEqual(['ssm:GetParameter']);
      expect(ssm[0].Resource, id).toEqual({
        'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/deploy-sentinel/*',
      });
      const env = fn.Properties.Environment.Variables;
      expect(env.STATE_TABLE_NAME).toEqual({ Ref: 'StateTable' });
      expect(env.SLACK_BOT_TOKEN_PARAMETER).toMatch(/^\/deploy-sentinel\//);
      expect(Object.keys(env)).not.toContain('SLACK_BOT_TOKEN');
    } else {
      expect(dynamo, id).toEqual([]);
      expect(ssm, id).toEqual([]);
    }
  }
  // No token, in any form Slack issues, anywhere in the template.
  expect(JSON.stringify(t)).not.toMatch(/xox[a-z]-[0-9]/);
};

const CAPABILITY_OF: Record<string, string> = {
  NotifyDeploymentLambdaFunction: 'alerts',
  NotifyAlarmLambdaFunction: 'alerts',
  StreamStateLambdaFunction: 'stream',
  CleanUpOrphansLambdaFunction: 'cleanup',
};

/**
 * What the stack's view of itself must look like in any packaged template with functions: a dashboard
 * of exactly the functions it has and the metrics their capabilities emit, and an alarm on their
 * errors (less the notifiers' expected retries) on the alert topic.
 */
const checkTelemetry = (t: any) => {
  const entries = Object.entries<any>(t.Resources);
  const lambdas = entries.filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([id]) => id);
  const capabilities = new Set(lambdas.map((id) => CAPABILITY_OF[id] ?? 'hooks'));
  const dashboards = entries.filter(([, r]) => r.Type === 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]![1].Properties.DashboardBody['Fn::Sub'];
  expect(functionsIn(body)).toEqual([...lambdas].sort());
  expect(serviceMetricsIn(body)).toEqual(METRIC_NAMES.filter((n) => capabilities.has(METRICS[n].capability)).sort());
  // Everything Fn::Sub fills in exists in the template.
  for (const [, ref] of body.matchAll(/\$\{([\w:.]+)\}/g))
    if (!ref.startsWith('AWS::')) expect(t.Resources[ref.split('.')[0]], ref).toBeDefined();

  const alarm = t.Resources.FunctionErrorsAlarm.Properties;
  const watched = alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric);
  expect(
    watched
      .filter((m: any) => m.MetricName === 'Errors')
      .map((m: any) => m.Dimensions[0].Value.Ref)
      .sort(),
  ).toEqual([...lambdas].sort());
  expect(watched.some((m: any) => m.MetricName === 'ExpectedRetries')).toBe(capabilities.has('alerts'));
  expect(alarm.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
};

describe('packaged template', () => {
  it('packages every function with its own zip and role', () => {
    expect(functions.map((f) => f.key).sort()).toEqual([
      'cleanUpOrphans',
      'hookAfterAllowTestTraffic',
      'hookAfterAllowTraffic',
      'hookAfterInstall',
      'hookBeforeAllowTraffic',
      'hookBeforeInstall',
      'notifyAlarm',
      'notifyDeployment',
      'streamState',
    ]);
    const roles = functions.map((f) => template.Resources[f.logicalId].Properties.Role['Fn::GetAtt'][0]);
    expect(new Set(roles).size).toBe(functions.length);
    // No role that no function uses (the framework's shared one).
    expect(
      ofType('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual([...roles].sort());
    for (const f of functions) expect(template.Resources[f.logicalId].Properties.Runtime).toBe('nodejs22.x');
  });

  it('subscribes each function to exactly the events it handles', () => {
    const patterns = (key: string) => byKey(key).rules.map((r) => r.pattern ?? r.schedule);
    expect(patterns('notifyDeployment')).toEqual([
      { source: ['aws.codedeploy'], 'detail-type': ['CodeDeploy Deployment State-change Notification'] },
      { source: ['aws.codedeploy'], 'detail-type': ['CodeDeploy Instance State-change Notification'] },
      { source: ['deploy-sentinel'], 'detail-type': ['Deploy Sentinel Cleanup'] },
    ]);
    expect(patterns('notifyAlarm')).toEqual([
      { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
    ]);
    expect(patterns('streamState')).toHaveLength(4);
    expect(patterns('cleanUpOrphans')).toEqual([
      {
        source: ['aws.codedeploy'],
        'detail-type': ['CodeDeploy Deployment State-change Notification'],
        detail: { state: ['FAILURE', 'STOP'] },
      },
      'rate(1 hour)',
    ]);
  });

  it('gives every rule target a retry policy and the dead-letter queue', () => {
    const rules = ofType('AWS::Events::Rule');
    expect(rules.length).toBe(10);
    for (const [, rule] of rules) {
      for (const target of rule.Properties.Targets) {
        expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
        expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThan(0);
        expect(target.DeadLetterConfig.Arn).toEqual(DLQ);
      }
    }
  });

  it('bounds asynchronous retries and sends failed invocations to the dead-letter queue', () => {
    for (const f of functions) {
      const [, conf] = ofType('AWS::Lambda::EventInvokeConfig').find(
        ([, c]) => c.Properties.FunctionName.Ref === f.logicalId,
      )!;
      expect(conf.Properties.DestinationConfig.OnFailure.Destination).toEqual(DLQ);
      // Hooks are never retried: a second run would report a lifecycle event twice.
      expect(conf.Properties.MaximumRetryAttempts).toBe(f.key.startsWith('hook') ? 0 : 2);
      // The per-function roles must let the destination write to the queue.
      expect(grant(f.key, 'sqs:SendMessage')?.Resource, f.key).toEqual(DLQ);
    }
  });

  it('lets EventBridge write undeliverable events to the queue, and alarms on its depth', () => {
    const [, policy] = ofType('AWS::SQS::QueuePolicy')[0]!;
    expect(policy.Properties.PolicyDocument.Statement[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
    const [, alarm] = ofType('AWS::CloudWatch::Alarm').find(([id]) => id === 'DeadLetterAlarm')!;
    expect(alarm.Properties.MetricName).toBe('ApproximateNumberOfMessagesVisible');
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
    expect(template.Resources.AlertEmailSubscription.Condition).toBe('HasAlarmEmail');
  });

  it('never grants a mutating action on every resource', () => {
    for (const f of functions) {
      for (const s of statementsOf(f.key)) {
        const actions = [s.Action].flat() as string[];
        if (s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*'))) {
          expect(
            actions.filter((a) => MUTATING.test(a)),
            `${f.key}: ${actions.join(', ')}`,
          ).toEqual([]);
        }
      }
    }
  });

  it('lets only the cleanup delete, and only groups named CodeDeploy_*', () => {
    for (const f of functions.filter((f) => f.key !== 'cleanUpOrphans')) {
      expect(
        actionsOf(f.key).filter((a) => /Delete|Terminate/.test(a)),
        f.key,
      ).toEqual([]);
    }
    const del = grant('cleanUpOrphans', 'autoscaling:DeleteAutoScalingGroup');
    expect(JSON.stringify(del.Resource)).toMatch(/autoScalingGroupName\/CodeDeploy_\*"/);
    expect(actionsOf('cleanUpOrphans').filter((a) => /LaunchTemplate|LaunchConfiguration/.test(a))).toEqual([]);
  });

  it('lets the notifiers read webhook parameters only under /deploy-sentinel/', () => {
    for (const key of ['notifyDeployment', 'notifyAlarm']) {
      const ssm = grant(key, 'ssm:GetParameter');
      expect(JSON.stringify(ssm.Resource)).toContain(':parameter/deploy-sentinel/*');
    }
    expect(actionsOf('streamState').some((a) => a.startsWith('ssm:'))).toBe(false);
  });

  it("lets the stream read its deployments and their revisions' registration, and nothing else of CodeDeploy", () => {
    expect(
      actionsOf('streamState')
        .filter((a) => a.startsWith('codedeploy:'))
        .sort(),
    ).toEqual(['codedeploy:GetApplicationRevision', 'codedeploy:GetDeployment']);
    // GetApplicationRevision is authorised on the application, GetDeployment on the deployment group.
    const revision = grant('streamState', 'codedeploy:GetApplicationRevision');
    expect(revision.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:application:*',
    });
    expect(grant('streamState', 'codedeploy:GetDeployment').Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:*',
    });
  });

  it('lets the stream write only to its stream', () => {
    const put = grant('streamState', 'kinesis:PutRecords');
    expect(put.Resource['Fn::If'][1]).toEqual({ 'Fn::GetAtt': ['StateStream', 'Arn'] });
    const stream = template.Resources.StateStream;
    expect(stream.DeletionPolicy).toBe('Retain');
    expect(stream.Properties.StreamModeDetails.StreamMode).toBe('ON_DEMAND');
    expect(stream.Properties.StreamEncryption.EncryptionType).toBe('KMS');
    expect(stream.Properties.RetentionPeriodHours).toBe(168);
  });

  it('names hook functions CodeDeployHook_* within 64 characters, with unqualified ARNs as outputs', () => {
    for (const f of functions.filter((f) => f.key.startsWith('hook'))) {
      expect(f.name).toMatch(/^CodeDeployHook_deploy-sentinel-local-/);
      expect(f.name.length).toBeLessThanOrEqual(64);
      const base = f.logicalId.replace(/LambdaFunction$/, '');
      expect(template.Outputs[`${base}HookArn`].Value).toEqual({ 'Fn::GetAtt': [f.logicalId, 'Arn'] });
      expect(template.Outputs[`${base}HookName`].Value).toEqual({ Ref: f.logicalId });
    }
  });

  it('lets a hook invoke only the functions its invoke checks name, any version of them, never unqualified', () => {
    // settings/local.yml: BeforeAllowTraffic smoke-invokes pricing-api and quotes-api; no other hook invokes.
    const lambdaArn = (name: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name}:*`,
    });
    expect(grant('hookBeforeAllowTraffic', 'lambda:InvokeFunction').Resource).toEqual([
      lambdaArn('pricing-api'),
      lambdaArn('quotes-api'),
    ]);
    for (const f of functions.filter((f) => f.key !== 'hookBeforeAllowTraffic'))
      expect(
        actionsOf(f.key).filter((a) => a.startsWith('lambda:')),
        f.key,
      ).toEqual([]);
    // A Lambda deployment's target is listed before it is read.
    expect(grant('hookBeforeAllowTraffic', 'codedeploy:ListDeploymentTargets')).toBeDefined();
  });

  it('sets explicit timeouts and a small reserved concurrency on the notifiers', () => {
    for (const f of functions) expect(f.timeoutSeconds).toBeGreaterThanOrEqual(10);
    expect(template.Resources[byKey('notifyDeployment').logicalId].Properties.ReservedConcurrentExecutions).toBe(2);
    expect(template.Resources[byKey('notifyAlarm').logicalId].Properties.ReservedConcurrentExecutions).toBe(2);
    expect(template.Resources[byKey('cleanUpOrphans').logicalId].Properties.ReservedConcurrentExecutions).toBe(1);
    expect(byKey('cleanUpOrphans').timeoutSeconds).toBe(900);
  });

  it('has a dashboard of every function and every metric the code emits, and an alarm on function errors', () => {
    checkTelemetry(template);
    expect(serviceMetricsIn(template.Resources.Dashboard.Properties.DashboardBody['Fn::Sub'])).toEqual(
      [...METRIC_NAMES].sort(),
    );
  });

  it('leaves X-Ray tracing off by default', () => {
    for (const f of functions) expect(template.Resources[f.logicalId].Properties.TracingConfig).toBeUndefined();
    expect(JSON.stringify(template)).not.toContain('xray:');
  });

  it('has the state table with its TTL, read and written by the notifiers only, and SSM only under /deploy-sentinel/', () => {
    checkStateTableAndSecrets(template);
    expect(byKey('notifyDeployment').environment.SLACK_BOT_TOKEN_PARAMETER).toBe(
      '/deploy-sentinel/local/slack-bot-token',
    );
  });

  it('contains no webhook URL, in the template, the environment or the bundles', () => {
    const webhook = /hooks\.slack(-gov)?\.com\/services\/T[A-Z0-9]+/;
    expect(JSON.stringify(template)).not.toMatch(webhook);
    for (const f of functions) {
      expect(Object.keys(f.environment)).not.toContain('SLACK_WEBHOOK_URL');
      expect(readFileSync(f.zip).toString('latin1')).not.toMatch(webhook);
    }
  });
});

describe('packaging guards', () => {
  it('stops packaging with a clear message when the settings file is invalid', () => {
    const result = packageCopy(
      (dir) =>
        writeFileSync(
          join(dir, 'settings', 'broken.yml'),
          'alarms:\n  states: [PANIC]\nslack:\n  routes:\n    - name: x\n      match: {}\n      webhookParameter: https://hooks.example/x\n',
        ),
      ['--stage', 'broken'],
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.output).toContain('settings/broken.yml is invalid');
    expect(!result.ok && result.output).toContain('alarms.states.0');
    expect(!result.ok && result.output).toContain('slack.routes.0.webhookParameter');
  }, 120_000);

  it('leaves out the functions of a capability a stage switches off', () => {
    const result = packageCopy(() => {}, [
      '--stage',
      'alerts-only',
      '--param',
      'streamEnabled=false',
      '--param',
      'cleanupEnabled=false',
      '--param',
      'hooksEnabled=false',
      '--param',
      'notifierConcurrency=none',
    ]);
    expect(result.ok).toBe(true);
    const names = Object.entries<any>(result.ok ? result.template.Resources : {})
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id]) => id)
      .sort();
    expect(names).toEqual(['NotifyAlarmLambdaFunction', 'NotifyDeploymentLambdaFunction']);
    // `none`: an account at the new-account concurrency quota cannot reserve any.
    for (const name of names)
      expect(result.ok && result.template.Resources[name].Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(result.ok && result.template.Resources.StateStream.Condition).toBe('CreateStateStream');
    checkStateTableAndSecrets(result.ok && result.template);
    checkTelemetry(result.ok && result.template);
  }, 120_000);

  it('keeps the state table and its least privilege in a stage in app mode with its own token parameter', () => {
    const result = packageCopy(
      (dir) =>
        writeFileSync(
          join(dir, 'settings', 'prod.yml'),
          'slack:\n  defaultChannel: C0DEPLOYS1\n  routes:\n    - name: payments\n      match: { application: payments }\n      webhookParameter: /deploy-sentinel/prod/slack/payments\n',
        ),
      ['--stage', 'prod', '--param', 'slackBotTokenParameter=/deploy-sentinel/prod/apps/deploy-bot'],
    );
    expect(result.ok).toBe(true);
    checkStateTableAndSecrets(result.ok && result.template);
    checkTelemetry(result.ok && result.template);
    const env = result.ok && result.template.Resources.NotifyAlarmLambdaFunction.Properties.Environment.Variables;
    expect(env.SLACK_BOT_TOKEN_PARAMETER).toBe('/deploy-sentinel/prod/apps/deploy-bot');
    expect(result.ok && result.template.Resources.StateTable.Properties.TableName).toBe('deploy-sentinel-prod-state');
  }, 120_000);

  it('refuses a bot token parameter the notifiers may not read', () => {
    const result = packageCopy(() => {}, [
      '--stage',
      'prod',
      '--param',
      'slackBotTokenParameter=/team/slack-bot-token',
    ]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.output).toContain('stage parameter slackBotTokenParameter');
  }, 120_000);

  it('places the hooks in a VPC when subnets and security groups are given', () => {
    const result = packageCopy(() => {}, [
      '--stage',
      'vpc',
      '--param',
      'hookSubnetIds=subnet-0a1,subnet-0b2',
      '--param',
      'hookSecurityGroupIds=sg-0c3',
      '--param',
      'alertsEnabled=false',
      '--param',
      'streamEnabled=false',
      '--param',
      'cleanupEnabled=false',
    ]);
    expect(result.ok).toBe(true);
    const resources = Object.values<any>(result.ok ? result.template.Resources : {});
    const hooks = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(hooks).toHaveLength(5);
    for (const hook of hooks)
      expect(hook.Properties.VpcConfig).toEqual({
        SubnetIds: ['subnet-0a1', 'subnet-0b2'],
        SecurityGroupIds: ['sg-0c3'],
      });
    // Lambda needs to manage its network interfaces in the VPC.
    const roles = resources.filter(
      (r) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r).includes('PutLifecycleEventHookExecutionStatus'),
    );
    for (const role of roles)
      expect(JSON.stringify(role)).toMatch(/AWSLambdaVPCAccessExecutionRole|ec2:CreateNetworkInterface/);
    // Alerts off: no state table, no output, no grant on it.
    checkStateTableAndSecrets(result.ok && result.template);
  }, 120_000);

  it('stops packaging when a Lambda group would run checks only ECS deployments can', () => {
    const result = packageCopy(
      (dir) =>
        writeFileSync(
          join(dir, 'settings', 'lambda.yml'),
          [
            'hooks:',
            '  BeforeAllowTraffic:',
            '    checks:',
            '      - { name: ping, type: http, target: test, path: /ping }',
            '  groups:',
            '    pricing/pricing-live:',
            '      platform: Lambda',
            '      AfterAllowTraffic:',
            '        checks:',
            '          - { name: targets, type: targetHealth }',
            '',
          ].join('\n'),
        ),
      ['--stage', 'lambda'],
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.output).toContain('settings/lambda.yml is invalid');
    expect(!result.ok && result.output).toContain('hooks.groups.pricing/pricing-live.AfterAllowTraffic.checks.0');
    expect(!result.ok && result.output).toContain('its BeforeAllowTraffic checks come from hooks.BeforeAllowTraffic');
  }, 120_000);

  it('keeps the dashboard and the alarm to the hooks and the stream in a stage without alerts or cleanup', () => {
    const result = packageCopy(() => {}, [
      '--stage',
      'hooks-only',
      '--param',
      'alertsEnabled=false',
      '--param',
      'cleanupEnabled=false',
    ]);
    expect(result.ok).toBe(true);
    checkTelemetry(result.ok && result.template);
  }, 120_000);

  it('turns X-Ray tracing on with the stage parameter, with each role allowed to send traces and nothing more', () => {
    const result = packageCopy(() => {}, ['--stage', 'traced', '--param', 'tracing=true']);
    expect(result.ok).toBe(true);
    const t = result.ok && result.template;
    const lambdas = Object.entries<any>(t.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(lambdas).toHaveLength(9);
    for (const [id, fn] of lambdas) {
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      const role = t.Resources[fn.Properties.Role['Fn::GetAtt'][0]];
      const xray = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement).filter((s: any) =>
        [s.Action].flat().some((a: string) => a.startsWith('xray:')),
      );
      // X-Ray's trace upload accepts no resource narrower than '*'.
      expect(xray, id).toEqual([
        { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      ]);
    }
    checkTelemetry(t);
  }, 120_000);

  it('refuses a tracing value that is not true or false', () => {
    const result = packageCopy(() => {}, ['--stage', 'traced', '--param', 'tracing=yes']);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.output).toContain('stage parameter tracing must be true or false, got yes');
  }, 120_000);

  it('refuses subnets without security groups', () => {
    const result = packageCopy(() => {}, ['--stage', 'vpc', '--param', 'hookSubnetIds=subnet-0a1']);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.output).toContain('hookSubnetIds and hookSecurityGroupIds go together');
  }, 120_000);
});

export { PACKAGE_DIR };
