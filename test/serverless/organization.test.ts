import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// The deployment mode's parameters as packaging checks them, before anything is built.
const require = createRequire(import.meta.url);
const organization = require('../../serverless/organization.cjs');
const { organizationOf } = organization;
const SERVICE = { service: 'deploy-sentinel', stage: 'prod' };

const HUB_BUS_ARN = 'arn:aws:events:eu-west-1:111122223333:event-bus/deploy-sentinel-prod-hub';
const check = (params: Record<string, string>) => () =>
  organizationOf(params, { service: 'deploy-sentinel', stage: 'prod' });

describe('deployment mode parameters', () => {
  it('defaults to standalone, which needs nothing', () => {
    expect(check({})()).toMatchObject({ mode: 'standalone' });
  });

  it('names the hub bus, the member roles and the hub roles after the stage', () => {
    expect(check({ deploymentMode: 'hub', organizationId: 'o-abcd123456' })()).toMatchObject({
      mode: 'hub',
      hubBusName: 'deploy-sentinel-prod-hub',
      memberRolePrefix: 'deploy-sentinel-prod-member',
      hubRolePrefix: 'deploy-sentinel-prod-hub',
    });
  });

  it.each([
    [
      { deploymentMode: 'member', hubEventBusArn: HUB_BUS_ARN },
      /needs hubAccountId, the hub's 12-digit account id; got nothing/,
    ],
    [{ deploymentMode: 'member', hubAccountId: '111122223333' }, /needs hubEventBusArn.*HubEventBusArn output/],
    [
      {
        deploymentMode: 'member',
        hubAccountId: '111122223333',
        hubEventBusArn: 'arn:aws:sqs:eu-west-1:111122223333:q',
      },
      /needs hubEventBusArn/,
    ],
    [
      { deploymentMode: 'member', hubAccountId: '444455556666', hubEventBusArn: HUB_BUS_ARN },
      /hubEventBusArn is in account 111122223333, not in the hub account 444455556666/,
    ],
    [{ deploymentMode: 'hub' }, /set organizationId or memberAccountIds/],
    [{ deploymentMode: 'hub', organizationId: 'o-abcd123456', memberAccountIds: '444455556666' }, /one of them/],
    [{ deploymentMode: 'hub', memberAccountIds: '444455556666,12345' }, /12-digit account ids, got 12345/],
    [{ deploymentMode: 'hub', organizationId: 'my-org' }, /organizationId must look like o-/],
    [
      { deploymentMode: 'hub', organizationId: 'o-abcd123456', hubRolePrefix: 'x'.repeat(50) },
      /hubRolePrefix makes an invalid IAM role name \(64 characters at most\)/,
    ],
    [
      { deploymentMode: 'member', hubAccountId: '111122223333', hubEventBusArn: HUB_BUS_ARN, memberRolePrefix: 'a b' },
      /memberRolePrefix makes an invalid IAM role name: a b-read/,
    ],
    [{ deploymentMode: 'central' }, /deploymentMode must be one of standalone, hub, member, got central/],
  ])('refuses %j, saying which parameter to fix', (params, message) => {
    expect(check(params)).toThrow(message);
  });

  it('accepts a list of member accounts with spaces after the commas', () => {
    expect(check({ deploymentMode: 'hub', memberAccountIds: '444455556666, 777788889999' })()).toMatchObject({
      memberAccountIds: ['444455556666', '777788889999'],
    });
  });
});

describe('a member stage', () => {
  const DeploySentinelPlugin = require('../../serverless/sentinel-plugin.cjs');
  class FrameworkError extends Error {}
  const memberService = () => ({
    classes: { Error: FrameworkError },
    pluginManager: { hooks: {} },
    service: {
      service: 'deploy-sentinel',
      provider: { stage: 'prod' },
      functions: { notifyDeployment: {}, hookBeforeInstall: {} },
      resources: { Resources: { DeadLetterQueue: {} }, Outputs: {} },
      custom: {
        sentinel: {
          organization: { deploymentMode: 'member', hubAccountId: '111122223333', hubEventBusArn: HUB_BUS_ARN },
        },
      },
    },
  });

  it('keeps no function and none of the service resources, only what forwards to the hub', () => {
    const serverless = memberService();
    new DeploySentinelPlugin(serverless).hooks.initialize();
    expect(serverless.service.functions).toEqual({});
    expect(Object.keys(serverless.service.resources.Resources)).not.toContain('DeadLetterQueue');
    expect(Object.keys(serverless.service.resources.Resources)).toContain('MemberDeploymentsRule');
  });

  it('is not deployed with serverless deploy: the StackSet rolls it out', async () => {
    const plugin = new DeploySentinelPlugin(memberService());
    plugin.hooks.initialize();
    await expect(async () => plugin.hooks['before:deploy:deploy']()).rejects.toThrow(/rolled out by a StackSet/);
  });
});

describe("a hub function's environment and grants", () => {
  const settings = organization.organizationOf({ deploymentMode: 'hub', organizationId: 'o-abcd123456' }, SERVICE);

  it('names the mode, the hub account and the member role each function assumes; the cleanup also its schedule', () => {
    expect(organization.hubEnvironment(settings, 'notifyAlarm')).toEqual({
      DEPLOYMENT_MODE: 'hub',
      HUB_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
      MEMBER_ROLE_NAME: 'deploy-sentinel-prod-member-read',
    });
    expect(organization.hubEnvironment(settings, 'cleanUpOrphans', 'rate(2 hours)')).toMatchObject({
      MEMBER_ROLE_NAME: 'deploy-sentinel-prod-member-cleanup',
      SWEEP_SCHEDULE: 'rate(2 hours)',
    });
    expect(organization.hubEnvironment(settings, 'hookBeforeInstall')).toBeUndefined();
  });

  it('widens CodeDeploy and Auto Scaling grants of its own account to every region, and nothing else', () => {
    const own = (service: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:deploymentgroup:*`,
    });
    expect(organization.inEveryRegion({ Effect: 'Allow', Action: 'x', Resource: own('codedeploy') })).toEqual({
      Effect: 'Allow',
      Action: 'x',
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:codedeploy:*:${AWS::AccountId}:deploymentgroup:*' },
    });
    for (const service of ['ssm', 'kinesis', 'events'])
      expect(organization.inEveryRegion({ Resource: own(service) })).toEqual({ Resource: own(service) });
    expect(organization.inEveryRegion({ Resource: '*' })).toEqual({ Resource: '*' });
  });
});
