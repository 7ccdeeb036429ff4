import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTemplate } from '../../local/harness.js';
import { packageCopy, resourcesAndGrants } from '../support/package-copy.js';

// The organisation hub's three templates, packaged offline as a user would: standalone (today's
// service), hub, and member (the template a StackSet rolls out).

const HUB_ACCOUNT = '111122223333';
const ORG = 'o-abcd123456';
const HUB_BUS_ARN = `arn:aws:events:eu-west-1:${HUB_ACCOUNT}:event-bus/deploy-sentinel-prod-hub`;
const READER_ROLES = [
  'deploy-sentinel-prod-hub-notify-deployment',
  'deploy-sentinel-prod-hub-notify-alarm',
  'deploy-sentinel-prod-hub-stream-state',
];
const CLEANUP_ROLE = 'deploy-sentinel-prod-hub-clean-up-orphans';

const packaged = (params: string[]) => {
  const result = packageCopy(() => {}, ['--stage', 'prod', ...params.flatMap((p) => ['--param', p])]);
  if (!result.ok) throw new Error(result.output);
  return result.template;
};
const refused = (params: string[]) => {
  const result = packageCopy(() => {}, ['--stage', 'prod', ...params.flatMap((p) => ['--param', p])]);
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.output;
};

const ofType = (template: any, type: string): [string, any][] =>
  Object.entries<any>(template.Resources).filter(([, r]) => r.Type === type);
const statementsOf = (role: any): any[] => role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
const actionsOf = (role: any): string[] => statementsOf(role).flatMap((s) => [s.Action].flat());
/** The role names in a CloudFormation value: literal, or the tail of an `arn:…:role/NAME` Fn::Sub. */
const roleNamesIn = (value: unknown): string[] =>
  [value].flat().map((v: any) => String(typeof v === 'string' ? v : v['Fn::Sub']).replace(/^.*:role\//, ''));

// Packaged once each, at collection: a few seconds apiece.
const memberParams = ['deploymentMode=member', `hubAccountId=${HUB_ACCOUNT}`, `hubEventBusArn=${HUB_BUS_ARN}`];
const memberInOrg = packaged([...memberParams, `organizationId=${ORG}`]);
const memberOutsideOrg = packaged(memberParams);
const hubOfOrg = packaged(['deploymentMode=hub', `organizationId=${ORG}`]);

describe('standalone (the default)', () => {
  it("keeps an existing install's resources and every IAM statement as they were", () => {
    const baseline = JSON.parse(readFileSync(join(import.meta.dirname, 'standalone-baseline.json'), 'utf8'));
    expect(resourcesAndGrants(readTemplate())).toEqual(baseline);
  });

  it('is what deploymentMode=standalone packages', () => {
    const explicit = packageCopy(() => {}, ['--stage', 'local', '--param', 'deploymentMode=standalone']);
    expect(explicit.ok).toBe(true);
    expect(resourcesAndGrants(explicit.ok ? explicit.template : {})).toEqual(resourcesAndGrants(readTemplate()));
  }, 120_000);
});

describe('member', () => {
  const member = memberInOrg;
  const role = (suffix: string) =>
    ofType(member, 'AWS::IAM::Role').find(
      ([, r]) => r.Properties.RoleName === `deploy-sentinel-prod-member-${suffix}`,
    )?.[1];

  it('holds no Lambda function and no deployment bucket, so a StackSet can roll it out anywhere', () => {
    const types = new Set(Object.values<any>(member.Resources).map((r) => r.Type));
    for (const type of [
      'AWS::Lambda::Function',
      'AWS::Lambda::Permission',
      'AWS::Logs::LogGroup',
      'AWS::S3::Bucket',
      'AWS::S3::BucketPolicy',
    ])
      expect(types).not.toContain(type);
    expect(JSON.stringify(member)).not.toMatch(/ServerlessDeploymentBucket/);
  });

  it('has no dashboard and no function error alarm: it runs no function', () => {
    expect(ofType(member, 'AWS::CloudWatch::Dashboard')).toEqual([]);
    expect(member.Resources.FunctionErrorsAlarm).toBeUndefined();
  });

  it('names every named resource with -member, so a hooks-only stage can share the account', () => {
    const names = Object.values<any>(member.Resources).flatMap((r) =>
      ['Name', 'RoleName', 'QueueName', 'AlarmName'].map((key) => r.Properties[key]).filter(Boolean),
    );
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) expect(name).toContain('-member');
  });

  it('forwards deployment, instance and alarm state changes to the hub bus, with a role, retries and its own queue', () => {
    const rules = ofType(member, 'AWS::Events::Rule').map(([, r]) => r.Properties);
    expect(rules.map((r) => r.EventPattern)).toEqual([
      { source: ['aws.codedeploy'], 'detail-type': ['CodeDeploy Deployment State-change Notification'] },
      { source: ['aws.codedeploy'], 'detail-type': ['CodeDeploy Instance State-change Notification'] },
      { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
    ]);
    for (const rule of rules) {
      // On the default bus, where AWS services send their events.
      expect(rule.EventBusName).toBeUndefined();
      expect(rule.Targets).toHaveLength(1);
      const [target] = rule.Targets;
      expect(target.Arn).toBe(HUB_BUS_ARN);
      // An organisation grant on the hub bus requires the target to carry a role.
      expect(target.RoleArn).toEqual({ 'Fn::GetAtt': ['MemberForwardRole', 'Arn'] });
      expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': ['MemberDeadLetterQueue', 'Arn'] });
    }
    const forward = member.Resources.MemberForwardRole;
    expect(forward.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(statementsOf(forward)).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: HUB_BUS_ARN }]);
  });

  it('alarms on its own dead-letter queue, which EventBridge may write to from its rules only', () => {
    const alarm = member.Resources.MemberDeadLetterAlarm;
    expect(alarm.Properties.Dimensions).toEqual([
      { Name: 'QueueName', Value: { 'Fn::GetAtt': ['MemberDeadLetterQueue', 'QueueName'] } },
    ]);
    const [statement] = member.Resources.MemberDeadLetterQueuePolicy.Properties.PolicyDocument.Statement;
    expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(statement.Condition.ArnEquals['aws:SourceArn']).toHaveLength(3);
  });

  it('lets only the hub notifier and stream roles assume the read role, within the organisation', () => {
    const [trust] = role('read').Properties.AssumeRolePolicyDocument.Statement;
    expect(trust.Principal).toEqual({ AWS: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::${HUB_ACCOUNT}:root` } });
    expect(trust.Action).toBe('sts:AssumeRole');
    expect(roleNamesIn(trust.Condition.ArnEquals['aws:PrincipalArn'])).toEqual(READER_ROLES);
    expect(JSON.stringify(trust.Condition.ArnEquals)).toContain(`iam::${HUB_ACCOUNT}:role/`);
    expect(trust.Condition.StringEquals).toEqual({ 'aws:PrincipalOrgID': ORG });
  });

  it('lets only the hub cleanup role assume the cleanup role', () => {
    const [trust] = role('cleanup').Properties.AssumeRolePolicyDocument.Statement;
    expect(roleNamesIn(trust.Condition.ArnEquals['aws:PrincipalArn'])).toEqual([CLEANUP_ROLE]);
    expect(trust.Condition.StringEquals).toEqual({ 'aws:PrincipalOrgID': ORG });
  });

  it('gives the read role no action that changes anything, and the cleanup role only deletes CodeDeploy_* groups', () => {
    const mutating = /:(Put|Delete|Create|Update|Send|Terminate|Set|Publish|Invoke|Stop|Attach|Detach)/;
    expect(actionsOf(role('read')).filter((a) => mutating.test(a))).toEqual([]);
    const deletes = statementsOf(role('cleanup')).filter((s) => [s.Action].flat().some((a) => mutating.test(a)));
    expect(deletes).toEqual([
      {
        Effect: 'Allow',
        Action: 'autoscaling:DeleteAutoScalingGroup',
        Resource: {
          'Fn::Sub':
            'arn:${AWS::Partition}:autoscaling:*:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/CodeDeploy_*',
        },
      },
    ]);
  });

  it('creates the named roles only where CreateMemberRoles is true: once per account', () => {
    expect(member.Parameters.CreateMemberRoles).toMatchObject({ AllowedValues: ['true', 'false'], Default: 'true' });
    expect(member.Conditions.CreateMemberRoles).toEqual({ 'Fn::Equals': [{ Ref: 'CreateMemberRoles' }, 'true'] });
    for (const [, r] of ofType(member, 'AWS::IAM::Role'))
      if (r.Properties.RoleName) expect(r.Condition).toBe('CreateMemberRoles');
  });

  it('without an organisation, trusts the hub roles by account and name alone', () => {
    const [trust] = memberOutsideOrg.Resources.MemberReadRole.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust.Condition.StringEquals).toBeUndefined();
    expect(roleNamesIn(trust.Condition.ArnEquals['aws:PrincipalArn'])).toEqual(READER_ROLES);
  });

  it('refuses to package without the hub it forwards to, naming the parameter', () => {
    expect(refused(['deploymentMode=member', `hubEventBusArn=${HUB_BUS_ARN}`])).toMatch(/needs hubAccountId/);
  }, 120_000);
});

describe('hub', () => {
  const hub = hubOfOrg;
  const functionRole = (template: any, key: string) => {
    const fn = template.Resources[`${key[0]!.toUpperCase()}${key.slice(1)}LambdaFunction`];
    return template.Resources[fn.Properties.Role['Fn::GetAtt'][0]];
  };

  it('creates its bus deploy-sentinel-<stage>-hub and admits exactly the organisation to it', () => {
    expect(hub.Resources.HubEventBus).toEqual({
      Type: 'AWS::Events::EventBus',
      Properties: { Name: 'deploy-sentinel-prod-hub' },
    });
    expect(hub.Resources.HubEventBusPolicy.Properties.Statement).toEqual({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: { 'Fn::GetAtt': ['HubEventBus', 'Arn'] },
      Principal: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
    });
    expect(hub.Outputs.HubEventBusArn.Value).toEqual({ 'Fn::GetAtt': ['HubEventBus', 'Arn'] });
  });

  it('admits exactly the listed accounts when it names accounts instead', () => {
    const listed = packaged(['deploymentMode=hub', 'memberAccountIds=444455556666, 777788889999']);
    const { Statement } = listed.Resources.HubEventBusPolicy.Properties;
    expect(Statement.Principal).toEqual({
      AWS: [
        { 'Fn::Sub': 'arn:${AWS::Partition}:iam::444455556666:root' },
        { 'Fn::Sub': 'arn:${AWS::Partition}:iam::777788889999:root' },
      ],
    });
    expect(Statement.Condition).toBeUndefined();
  });

  it('subscribes the functions to both buses: its own account on the default bus, the members on the hub bus', () => {
    const rules = ofType(hub, 'AWS::Events::Rule').map(([, r]) => r.Properties);
    const onHub = rules.filter((r) => r.EventBusName);
    for (const r of onHub) expect(r.EventBusName).toEqual({ 'Fn::GetAtt': ['HubEventBus', 'Name'] });
    const targets = (list: any[]) =>
      list.map(
        (r) => `${r.Targets[0].Arn['Fn::GetAtt'][0]} ${r.EventPattern?.['detail-type'] ?? r.ScheduleExpression}`,
      );
    expect(targets(onHub).sort()).toEqual(
      [
        'CleanUpOrphansLambdaFunction CodeDeploy Deployment State-change Notification',
        'NotifyAlarmLambdaFunction CloudWatch Alarm State Change',
        'NotifyDeploymentLambdaFunction CodeDeploy Deployment State-change Notification',
        'NotifyDeploymentLambdaFunction CodeDeploy Instance State-change Notification',
        'StreamStateLambdaFunction CloudWatch Alarm State Change',
        'StreamStateLambdaFunction CodeDeploy Deployment State-change Notification',
        'StreamStateLambdaFunction CodeDeploy Instance State-change Notification',
      ].sort(),
    );
    // The default bus keeps today's ten rules, the sweep and the cleanup events among them.
    expect(rules.filter((r) => !r.EventBusName)).toHaveLength(10);
    // The cleanup on the hub bus still only reacts to failed and stopped deployments.
    const cleanup = onHub.find((r) => r.Targets[0].Arn['Fn::GetAtt'][0] === 'CleanUpOrphansLambdaFunction');
    expect(cleanup.EventPattern.detail).toEqual({ state: ['FAILURE', 'STOP'] });
    // Each hub rule may invoke its function.
    const permissions = ofType(hub, 'AWS::Lambda::Permission');
    expect(JSON.stringify(permissions.map(([, p]) => p.Properties.SourceArn))).toContain('HubEventBus');
  });

  it('names its reader and cleanup roles as the member trusts expect', () => {
    for (const [key, name] of [
      ['notifyDeployment', READER_ROLES[0]],
      ['notifyAlarm', READER_ROLES[1]],
      ['streamState', READER_ROLES[2]],
      ['cleanUpOrphans', CLEANUP_ROLE],
    ] as const)
      expect(functionRole(hub, key).Properties.RoleName).toBe(name);
  });

  it('lets each function assume only its member role, and no notifier or stream role one that may delete', () => {
    const assumes = (key: string) =>
      statementsOf(functionRole(hub, key)).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('sts:')));
    const readRole = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/deploy-sentinel-prod-member-read' };
    for (const key of ['notifyDeployment', 'notifyAlarm', 'streamState'])
      expect(assumes(key)).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: readRole }]);
    expect(assumes('cleanUpOrphans')).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/deploy-sentinel-prod-member-cleanup' },
      },
    ]);
    for (const key of ['hookBeforeInstall', 'hookAfterAllowTestTraffic', 'hookAfterAllowTraffic'])
      expect(assumes(key)).toEqual([]);
  });

  it('has the dashboard and the error alarm of a standalone stage', () => {
    const standalone = packaged([]);
    for (const id of ['Dashboard', 'FunctionErrorsAlarm'])
      expect(hub.Resources[id], id).toEqual(standalone.Resources[id]);
  });

  it("adds nothing else to what a standalone stage grants, but the same in the hub account's other regions", () => {
    const standalone = resourcesAndGrants(packaged([]));
    const mode = resourcesAndGrants(hub);
    // The hub account's other regions forward like members but hold no member role.
    const ownRegion = (statement: any) =>
      JSON.parse(JSON.stringify(statement).replace(/:(codedeploy|autoscaling):\*:/g, ':$1:${AWS::Region}:'));
    for (const [id, grants] of Object.entries<any>(standalone.grants))
      expect(mode.grants[id]!.statements.filter((s: any) => s.Action !== 'sts:AssumeRole').map(ownRegion)).toEqual(
        grants.statements,
      );
    const deletes = statementsOf(functionRole(hub, 'cleanUpOrphans')).filter((s) =>
      [s.Action].flat().includes('autoscaling:DeleteAutoScalingGroup'),
    );
    expect(deletes.map((s) => s.Resource)).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:autoscaling:*:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/CodeDeploy_*',
      },
    ]);
    for (const key of ['notifyDeployment', 'notifyAlarm', 'streamState'])
      expect(JSON.stringify(statementsOf(functionRole(hub, key)))).not.toMatch(/Delete|ssm:[^"]*:\*:/);
  });

  it('tells the functions that work in members which role to assume there; nothing else changes', () => {
    const environment = (template: any, key: string) =>
      template.Resources[`${key[0]!.toUpperCase()}${key.slice(1)}LambdaFunction`].Properties.Environment.Variables;
    expect(environment(hub, 'notifyDeployment')).toMatchObject({
      DEPLOYMENT_MODE: 'hub',
      HUB_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
      MEMBER_ROLE_NAME: 'deploy-sentinel-prod-member-read',
    });
    expect(environment(hub, 'cleanUpOrphans')).toMatchObject({
      MEMBER_ROLE_NAME: 'deploy-sentinel-prod-member-cleanup',
      SWEEP_SCHEDULE: 'rate(1 hour)',
    });
    expect(environment(hub, 'hookBeforeInstall').DEPLOYMENT_MODE).toBeUndefined();
    const standalone = readTemplate();
    for (const key of ['notifyDeployment', 'notifyAlarm', 'streamState', 'cleanUpOrphans'])
      for (const name of ['DEPLOYMENT_MODE', 'HUB_ACCOUNT_ID', 'MEMBER_ROLE_NAME', 'SWEEP_SCHEDULE'])
        expect(environment(standalone, key)).not.toHaveProperty(name);
  });
});

describe('the member template trusts the roles the hub template creates', () => {
  it('names the same roles on both sides, for the same stage', () => {
    const hubRoleNames = ofType(hubOfOrg, 'AWS::IAM::Role')
      .map(([, r]) => r.Properties.RoleName)
      .filter((name) => typeof name === 'string');
    const trusted = ['MemberReadRole', 'MemberCleanupRole'].flatMap((id) =>
      roleNamesIn(
        memberOutsideOrg.Resources[id].Properties.AssumeRolePolicyDocument.Statement[0].Condition.ArnEquals[
          'aws:PrincipalArn'
        ],
      ),
    );
    expect(trusted.sort()).toEqual([...hubRoleNames].sort());
  });
});
