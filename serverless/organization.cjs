'use strict';
/**
 * The organisation hub's packaging: which deployment mode a stage runs in, the member template (rules
 * forwarding events to the hub, and the roles the hub assumes) and what a hub adds to the service (its
 * bus, the bus policy, the roles' names and what each may assume). Pure: parameters in, CloudFormation
 * out; the plugin applies it.
 *
 * Cross-account delivery: a rule may target another account's bus (and another region's); the
 * receiving bus's policy admits the sender, and with an organisation grant the target must carry a
 * role (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html).
 */

const MODES = ['standalone', 'hub', 'member'];

/** The functions that read a member account, and the one that may also delete there. */
const READERS = ['notifyDeployment', 'notifyAlarm', 'streamState'];
const CLEANER = 'cleanUpOrphans';

/** The event sources that travel from members to the hub: CodeDeploy and CloudWatch alarms. */
const FORWARDED = [
  {
    id: 'Deployments',
    name: 'deployments',
    pattern: { source: ['aws.codedeploy'], 'detail-type': ['CodeDeploy Deployment State-change Notification'] },
  },
  {
    id: 'Instances',
    name: 'instances',
    pattern: { source: ['aws.codedeploy'], 'detail-type': ['CodeDeploy Instance State-change Notification'] },
  },
  {
    id: 'Alarms',
    name: 'alarms',
    pattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
  },
];

// IAM role names: 64 characters, letters, digits and +=,.@_- (IAM User Guide, IAM quotas).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ACCOUNT_ID = /^\d{12}$/;
// AWS Organizations: o- and 10 to 32 lower-case letters or digits.
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const EVENT_BUS_ARN = /^arn:(aws[\w-]*):events:([a-z0-9-]+):(\d{12}):event-bus\/([\w.\-/]{1,256})$/;

const list = (value) =>
  String(value || '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The name of the hub's role for one of its functions: fixed, so that member trusts can name it. */
const hubRoleName = (hubRolePrefix, functionKey) => `${hubRolePrefix}-${kebab(functionKey)}`;

/**
 * The stage's organisation settings, checked: the mode and what it needs. Returns the settings, or
 * throws an Error whose message names the parameter to fix.
 */
const organizationOf = (raw, { service, stage }) => {
  const mode = String(raw.deploymentMode || 'standalone');
  if (!MODES.includes(mode)) throw new Error(`deploymentMode must be one of ${MODES.join(', ')}, got ${mode}`);
  const settings = {
    mode,
    hubBusName: `${service}-${stage}-hub`,
    hubAccountId: String(raw.hubAccountId || ''),
    hubEventBusArn: String(raw.hubEventBusArn || ''),
    hubRolePrefix: String(raw.hubRolePrefix || `${service}-${stage}-hub`),
    memberRolePrefix: String(raw.memberRolePrefix || `${service}-${stage}-member`),
    organizationId: String(raw.organizationId || ''),
    memberAccountIds: list(raw.memberAccountIds),
  };
  if (mode === 'standalone') return settings;

  if (settings.organizationId && !ORGANIZATION_ID.test(settings.organizationId))
    throw new Error(`organizationId must look like o-abcd123456, got ${settings.organizationId}`);
  for (const suffix of ['read', 'cleanup'])
    if (!ROLE_NAME.test(`${settings.memberRolePrefix}-${suffix}`))
      throw new Error(`memberRolePrefix makes an invalid IAM role name: ${settings.memberRolePrefix}-${suffix}`);
  for (const key of [...READERS, CLEANER])
    if (!ROLE_NAME.test(hubRoleName(settings.hubRolePrefix, key)))
      throw new Error(
        `hubRolePrefix makes an invalid IAM role name (64 characters at most): ${hubRoleName(settings.hubRolePrefix, key)}`,
      );

  if (mode === 'hub') {
    const bad = settings.memberAccountIds.filter((id) => !ACCOUNT_ID.test(id));
    if (bad.length > 0) throw new Error(`memberAccountIds must be 12-digit account ids, got ${bad.join(', ')}`);
    const admits = [
      settings.organizationId && 'organizationId',
      settings.memberAccountIds.length > 0 && 'memberAccountIds',
    ];
    if (admits.filter(Boolean).length !== 1)
      throw new Error(
        'a hub admits either an organisation or a list of accounts to its bus: set organizationId or memberAccountIds (one of them)',
      );
    return settings;
  }

  // member
  if (!ACCOUNT_ID.test(settings.hubAccountId))
    throw new Error(
      `a member needs hubAccountId, the hub's 12-digit account id; got ${settings.hubAccountId || 'nothing'}`,
    );
  const bus = EVENT_BUS_ARN.exec(settings.hubEventBusArn);
  if (!bus)
    throw new Error(
      `a member needs hubEventBusArn, the hub bus's ARN (the hub stack's HubEventBusArn output); got ${settings.hubEventBusArn || 'nothing'}`,
    );
  if (bus[3] !== settings.hubAccountId)
    throw new Error(`hubEventBusArn is in account ${bus[3]}, not in the hub account ${settings.hubAccountId}`);
  return settings;
};

const sub = (text) => ({ 'Fn::Sub': text });

/** Who may assume a member role: exactly the named hub roles, from the hub account (and organisation). */
const trustOf = (settings, functionKeys) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      // The account as principal, narrowed to the roles by aws:PrincipalArn: a trust naming a role
      // directly fails while that role does not exist yet, and the hub may be deployed after members.
      Principal: { AWS: sub(`arn:\${AWS::Partition}:iam::${settings.hubAccountId}:root`) },
      Action: 'sts:AssumeRole',
      Condition: {
        ArnEquals: {
          'aws:PrincipalArn': functionKeys.map((key) =>
            sub(
              `arn:\${AWS::Partition}:iam::${settings.hubAccountId}:role/${hubRoleName(settings.hubRolePrefix, key)}`,
            ),
          ),
        },
        ...(settings.organizationId ? { StringEquals: { 'aws:PrincipalOrgID': settings.organizationId } } : {}),
      },
    },
  ],
});

// What the hub's functions read in a member account, in every region of it (IAM roles are global).
const READ_STATEMENTS = [
  {
    Effect: 'Allow',
    Action: [
      'codedeploy:GetDeployment',
      'codedeploy:BatchGetDeployments',
      'codedeploy:GetDeploymentGroup',
      'codedeploy:BatchGetDeploymentGroups',
      'codedeploy:ListApplications',
      'codedeploy:ListDeploymentGroups',
      'codedeploy:ListDeployments',
      'codedeploy:GetApplicationRevision',
    ],
    Resource: sub('arn:${AWS::Partition}:codedeploy:*:${AWS::AccountId}:*'),
  },
  {
    Effect: 'Allow',
    // Read-only; these accept no narrower resource.
    Action: [
      'codedeploy:ListDeploymentTargets',
      'codedeploy:BatchGetDeploymentTargets',
      'autoscaling:DescribeAutoScalingGroups',
      'ec2:DescribeInstances',
    ],
    Resource: '*',
  },
];

const DELETE_STATEMENT = {
  Effect: 'Allow',
  Action: 'autoscaling:DeleteAutoScalingGroup',
  // Only groups CodeDeploy names; which of them may go is decided by the cleanup's own checks.
  Resource: sub(
    'arn:${AWS::Partition}:autoscaling:*:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/CodeDeploy_*',
  ),
};

/**
 * The member template: rules forwarding CodeDeploy and alarm events to the hub's bus, with the role
 * and dead-letter queue their targets need and an alarm on that queue; and, where the
 * CreateMemberRoles parameter says so, the two roles the hub assumes. No Lambda function.
 */
const memberTemplate = (settings, { service, stage }) => {
  const prefix = `${service}-${stage}-member`;
  const queueRef = { 'Fn::GetAtt': ['MemberDeadLetterQueue', 'Arn'] };
  const rules = Object.fromEntries(
    FORWARDED.map(({ id, name, pattern }) => [
      `Member${id}Rule`,
      {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: `${prefix}-${name}`,
          Description: `Forwards ${name} state changes to the ${service} hub`,
          EventPattern: pattern,
          State: 'ENABLED',
          Targets: [
            {
              Id: 'hub',
              Arn: settings.hubEventBusArn,
              RoleArn: { 'Fn::GetAtt': ['MemberForwardRole', 'Arn'] },
              // As the service's own rules: hours of retries, then the queue, never dropped.
              RetryPolicy: { MaximumEventAgeInSeconds: 14400, MaximumRetryAttempts: 50 },
              DeadLetterConfig: { Arn: queueRef },
            },
          ],
        },
      },
    ]),
  );
  const roleResource = (suffix, functionKeys, statements) => ({
    Type: 'AWS::IAM::Role',
    Condition: 'CreateMemberRoles',
    Properties: {
      RoleName: `${settings.memberRolePrefix}-${suffix}`,
      Description: `Assumed by the ${service} hub (${functionKeys.join(', ')}) in account ${settings.hubAccountId}`,
      AssumeRolePolicyDocument: trustOf(settings, functionKeys),
      Policies: [{ PolicyName: suffix, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  });
  return {
    Parameters: {
      CreateMemberRoles: {
        Type: 'String',
        AllowedValues: ['true', 'false'],
        Default: 'true',
        Description:
          'Create the roles the hub assumes. IAM names are global: true in one region of each account, false in its others.',
      },
    },
    Conditions: { CreateMemberRoles: { 'Fn::Equals': [{ Ref: 'CreateMemberRoles' }, 'true'] } },
    Resources: {
      ...rules,
      // Unnamed: one per region, with no global name to collide.
      MemberForwardRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: `Lets this region's ${prefix} rules put events on the hub bus`,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          Policies: [
            {
              PolicyName: 'put-events-on-hub',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: settings.hubEventBusArn }],
              },
            },
          ],
        },
      },
      MemberDeadLetterQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: `${prefix}-dead-letters`,
          MessageRetentionPeriod: 1209600,
          SqsManagedSseEnabled: true,
        },
      },
      MemberDeadLetterQueuePolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: 'MemberDeadLetterQueue' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: queueRef,
                Condition: {
                  ArnEquals: {
                    'aws:SourceArn': FORWARDED.map(({ id }) => ({ 'Fn::GetAtt': [`Member${id}Rule`, 'Arn'] })),
                  },
                },
              },
            ],
          },
        },
      },
      // Its own state change is an alarm event: the alarm rule carries it to the hub like any other.
      MemberDeadLetterAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: `${prefix}-dead-letters`,
          AlarmDescription: `Events of this account and region could not be forwarded to the ${service} hub; the queue ${prefix}-dead-letters keeps them 14 days. Check that the hub stack exists and its bus admits this account.`,
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['MemberDeadLetterQueue', 'QueueName'] } }],
          Statistic: 'Maximum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
        },
      },
      MemberReadRole: roleResource('read', READERS, READ_STATEMENTS),
      MemberCleanupRole: roleResource('cleanup', [CLEANER], [...READ_STATEMENTS, DELETE_STATEMENT]),
    },
    Outputs: {
      HubEventBusArn: { Description: 'Where this region forwards its events', Value: settings.hubEventBusArn },
      MemberDeadLetterQueueUrl: { Value: { Ref: 'MemberDeadLetterQueue' } },
      MemberReadRoleArn: { Condition: 'CreateMemberRoles', Value: { 'Fn::GetAtt': ['MemberReadRole', 'Arn'] } },
      MemberCleanupRoleArn: { Condition: 'CreateMemberRoles', Value: { 'Fn::GetAtt': ['MemberCleanupRole', 'Arn'] } },
    },
  };
};

/** What a hub's function may assume in member accounts: read for the readers, cleanup for the cleanup. */
const assumeStatementFor = (settings, functionKey) => {
  const suffix = functionKey === CLEANER ? 'cleanup' : READERS.includes(functionKey) ? 'read' : undefined;
  if (!suffix) return undefined;
  return {
    Effect: 'Allow',
    Action: 'sts:AssumeRole',
    Resource: sub(`arn:\${AWS::Partition}:iam::*:role/${settings.memberRolePrefix}-${suffix}`),
  };
};

/** The member role a hub function assumes, by its key; undefined for functions that assume none. */
const memberRoleFor = (settings, functionKey) =>
  functionKey === CLEANER
    ? `${settings.memberRolePrefix}-cleanup`
    : READERS.includes(functionKey)
      ? `${settings.memberRolePrefix}-read`
      : undefined;

/**
 * The environment a hub adds to a function that works in member accounts (lib/config.ts reads it):
 * the mode, the hub's own account (no role needed there) and the member role to assume; the cleanup
 * also gets its schedule, from which its sweep rotates the account it starts with.
 */
const hubEnvironment = (settings, functionKey, sweepSchedule) => {
  const role = memberRoleFor(settings, functionKey);
  if (!role) return undefined;
  return {
    DEPLOYMENT_MODE: 'hub',
    HUB_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
    MEMBER_ROLE_NAME: role,
    ...(functionKey === CLEANER && sweepSchedule ? { SWEEP_SCHEDULE: String(sweepSchedule) } : {}),
  };
};

// CodeDeploy and Auto Scaling ARNs of the stack's own region, as the function statements write them.
const OWN_REGION_ARN = /^arn:\$\{AWS::Partition\}:(codedeploy|autoscaling):\$\{AWS::Region\}:\$\{AWS::AccountId\}:/;

/**
 * A hub function's statement for its own account in every region: the hub account's other regions
 * forward their events to the hub like members, but hold no member role (IAM names are global), so
 * the hub reads and cleans them with its own role. Only CodeDeploy and Auto Scaling resources widen;
 * SSM, Kinesis, EventBridge and the queue stay in the hub's region.
 */
const inEveryRegion = (statement) => {
  const widen = (resource) =>
    resource && typeof resource['Fn::Sub'] === 'string' && OWN_REGION_ARN.test(resource['Fn::Sub'])
      ? { 'Fn::Sub': resource['Fn::Sub'].replace(':${AWS::Region}:', ':*:') }
      : resource;
  if (!statement || statement.Resource === undefined) return statement;
  const resource = Array.isArray(statement.Resource) ? statement.Resource.map(widen) : widen(statement.Resource);
  return { ...statement, Resource: resource };
};

/** The hub bus's policy: PutEvents from the organisation, or from the listed accounts. */
const hubBusPolicy = (settings, busLogicalId) => ({
  Type: 'AWS::Events::EventBusPolicy',
  Properties: {
    EventBusName: { Ref: busLogicalId },
    StatementId: 'member-accounts',
    Statement: {
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: { 'Fn::GetAtt': [busLogicalId, 'Arn'] },
      ...(settings.organizationId
        ? { Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': settings.organizationId } } }
        : {
            Principal: {
              AWS: settings.memberAccountIds.map((id) => sub(`arn:\${AWS::Partition}:iam::${id}:root`)),
            },
          }),
    },
  },
});

/** Whether an eventBridge event of a function is one that members forward to the hub. */
const isForwardedPattern = (pattern) =>
  !!pattern &&
  FORWARDED.some(
    ({ pattern: p }) =>
      p.source[0] === [pattern.source].flat()[0] && p['detail-type'][0] === [pattern['detail-type']].flat()[0],
  );

module.exports = {
  MODES,
  READERS,
  CLEANER,
  FORWARDED,
  organizationOf,
  hubRoleName,
  memberTemplate,
  assumeStatementFor,
  memberRoleFor,
  hubEnvironment,
  inEveryRegion,
  hubBusPolicy,
  isForwardedPattern,
};
