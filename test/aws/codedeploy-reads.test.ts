import {
  ApplicationDoesNotExistException,
  BatchGetDeploymentGroupsCommand,
  BatchGetDeploymentsCommand,
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  DeploymentDoesNotExistException,
  DeploymentGroupDoesNotExistException,
  type DeploymentGroupInfo,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  ThrottlingException,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { clientConfig } from '../../lib/aws/config.js';
import { IN_PROGRESS_STATUSES } from '../../lib/codedeploy/deployment.js';
import { deadlineAt } from '../../lib/time.js';
import { deploymentGroupInfo, deploymentInfo } from '../support/builders.js';

/**
 * The CodeDeploy port's reads, as the alerts, the stream, the alarm lookup and the cleanup use them:
 * the requests sent, the answers mapped, "does not exist" as undefined, and one budget per call.
 */

const codedeploy = mockClient(CodeDeployClient);
const port = codeDeployPortOver(new CodeDeployClient({ ...clientConfig({ region: 'us-east-1' }) }));
const meta = { $metadata: {} };
const budget = () => ({ deadline: deadlineAt(Date.now() + 60_000), sleep: async () => {} });

beforeEach(() => codedeploy.reset());

const failedTarget = (id: string) => ({
  deploymentTargetType: 'InstanceTarget' as const,
  instanceTarget: {
    targetId: id,
    status: 'Failed' as const,
    lifecycleEvents: [
      { lifecycleEventName: 'BeforeInstall', status: 'Succeeded' as const },
      {
        lifecycleEventName: 'ValidateService',
        status: 'Failed' as const,
        diagnostics: {
          errorCode: 'ScriptFailed' as const,
          scriptName: 'validate.sh',
          message: 'exit 1',
          logTail: 'boom',
        },
      },
    ],
  },
});

describe('getDeployment', () => {
  it('maps the deployment, asked under an abort signal', async () => {
    const info = deploymentInfo({
      deploymentId: 'd-F41LED001',
      status: 'Failed',
      errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'Too many individual instances failed deployment.' },
    });
    codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-F41LED001' }).resolves({ deploymentInfo: info });
    await expect(port.getDeployment('d-F41LED001', budget())).resolves.toMatchObject({
      deploymentId: 'd-F41LED001',
      status: 'Failed',
      errorCode: 'HEALTH_CONSTRAINTS',
      greenFleetAction: 'COPY_AUTO_SCALING_GROUP',
      autoScalingGroups: ['CodeDeploy_checkout-prod_d-F41LED001'],
    });
    const call = codedeploy.commandCalls(GetDeploymentCommand)[0]!;
    expect((call.args as unknown[])[1]).toMatchObject({ abortSignal: expect.any(AbortSignal) });
  });

  it('answers undefined for a deployment CodeDeploy does not know', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .rejects(new DeploymentDoesNotExistException({ message: 'no such deployment', ...meta }));
    await expect(port.getDeployment('d-N0THERE00', budget())).resolves.toBeUndefined();
    expect(codedeploy.commandCalls(GetDeploymentCommand)).toHaveLength(1);
  });

  it('retries throttling within its budget, then lets the error through (it fails the invocation)', async () => {
    codedeploy.on(GetDeploymentCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', ...meta }));
    await expect(port.getDeployment('d-F41LED001', budget())).rejects.toBeInstanceOf(ThrottlingException);
    // One budget per call: three attempts in all, the SDK adding none of its own.
    expect(codedeploy.commandCalls(GetDeploymentCommand)).toHaveLength(3);
  });
});

describe('failedTargets', () => {
  it('lists failed targets across pages and describes them 25 at a time', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    codedeploy.on(ListDeploymentTargetsCommand, { nextToken: undefined }).resolves({
      targetIds: ids.slice(0, 30),
      nextToken: 'p2',
    });
    codedeploy.on(ListDeploymentTargetsCommand, { nextToken: 'p2' }).resolves({ targetIds: ids.slice(30) });
    codedeploy.on(BatchGetDeploymentTargetsCommand).callsFake((input: { targetIds: string[] }) => ({
      deploymentTargets: input.targetIds.map(failedTarget),
    }));
    const failed = await port.failedTargets('d-ABCDEFGH1', { maxTargets: 50 }, budget());
    expect(codedeploy.commandCalls(ListDeploymentTargetsCommand).map((c) => c.args[0].input.targetFilters)).toEqual([
      { TargetStatus: ['Failed'] },
      { TargetStatus: ['Failed'] },
    ]);
    expect(
      codedeploy.commandCalls(BatchGetDeploymentTargetsCommand).map((c) => c.args[0].input.targetIds!.length),
    ).toEqual([25, 25]);
    expect(failed.failedTargetCount).toBe(60);
    expect(failed.failedTargets).toHaveLength(50);
    expect(failed.failedTargets[0]).toEqual({
      targetId: ids[0],
      type: 'InstanceTarget',
      lifecycleEvent: 'ValidateService',
      errorCode: 'ScriptFailed',
      scriptName: 'validate.sh',
      message: 'exit 1',
      logTail: 'boom',
    });
  });

  it('stops listing after a few pages and says the count is a lower bound', async () => {
    let page = 0;
    codedeploy
      .on(ListDeploymentTargetsCommand)
      .callsFake(() => ({ targetIds: [`i-page${(page += 1)}`], nextToken: 'more' }));
    codedeploy.on(BatchGetDeploymentTargetsCommand).callsFake((input: { targetIds: string[] }) => ({
      deploymentTargets: input.targetIds.map(failedTarget),
    }));
    const failed = await port.failedTargets('d-ABCDEFGH1', {}, budget());
    expect(codedeploy.commandCalls(ListDeploymentTargetsCommand)).toHaveLength(5);
    expect(failed).toMatchObject({ failedTargetCount: 5, failedTargetCountIsLowerBound: true });
  });
});

describe('the reads the cleanup makes', () => {
  it('asks BatchGetDeployments for at most 25 ids at a time; unknown ids are absent', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `d-${String(i).padStart(9, '0')}`);
    codedeploy.on(BatchGetDeploymentsCommand).callsFake(({ deploymentIds }: { deploymentIds: string[] }) => ({
      deploymentsInfo: deploymentIds
        .filter((id) => !id.endsWith('7'))
        .map((deploymentId) => ({ deploymentId, status: 'Failed' })),
    }));
    const found = await port.batchGetDeployments(ids, budget());
    const sizes = codedeploy.commandCalls(BatchGetDeploymentsCommand).map((c) => c.args[0].input.deploymentIds!.length);
    expect(sizes).toEqual([25, 25, 10]);
    expect(found).toHaveLength(54);
    expect(found.map((f) => f.deploymentId)).not.toContain('d-000000007');
  });

  it('reads the live groups and tag filters of a deployment group', async () => {
    const group = deploymentGroupInfo({
      applicationName: 'checkout',
      deploymentGroupName: 'checkout-prod',
      autoScalingGroups: [
        { name: 'CodeDeploy_checkout-prod_d-SUCC3SS01', hook: 'CodeDeploy-managed-automatic-launch' },
      ],
    });
    codedeploy
      .on(GetDeploymentGroupCommand, { applicationName: 'checkout', deploymentGroupName: 'checkout-prod' })
      .resolves({ deploymentGroupInfo: group });
    await expect(port.getDeploymentGroup('checkout', 'checkout-prod', budget())).resolves.toMatchObject({
      application: 'checkout',
      deploymentGroup: 'checkout-prod',
      liveAutoScalingGroups: ['CodeDeploy_checkout-prod_d-SUCC3SS01'],
      tagSet: undefined,
    });
  });

  it('answers undefined for a deleted deployment group or application', async () => {
    codedeploy
      .on(GetDeploymentGroupCommand)
      .rejects(new DeploymentGroupDoesNotExistException({ message: 'gone', ...meta }));
    codedeploy.on(ListDeploymentsCommand).rejects(new ApplicationDoesNotExistException({ message: 'gone', ...meta }));
    await expect(port.getDeploymentGroup('shop', 'web', budget())).resolves.toBeUndefined();
    await expect(port.listInProgressDeployments('shop', 'web', budget())).resolves.toBeUndefined();
  });

  it('lists unfinished deployments of the group across pages', async () => {
    codedeploy
      .on(ListDeploymentsCommand)
      .resolvesOnce({ deployments: ['d-QUEUED0001'], nextToken: 'page-2' })
      .resolvesOnce({ deployments: ['d-READY0001'] });
    await expect(port.listInProgressDeployments('search', 'search-prod', budget())).resolves.toEqual([
      'd-QUEUED0001',
      'd-READY0001',
    ]);
    const calls = codedeploy.commandCalls(ListDeploymentsCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({
      applicationName: 'search',
      deploymentGroupName: 'search-prod',
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
    });
    expect(calls[0]!.includeOnlyStatuses).toEqual([...IN_PROGRESS_STATUSES]);
    expect(calls[1]?.nextToken).toBe('page-2');
  });
});

describe('listDeploymentGroups (the alarm scan)', () => {
  /** Two pages of applications; one application with two pages of groups, 30 in all. */
  const APPLICATIONS = [['checkout', 'search'], ['billing']];
  const GROUPS: Record<string, string[][]> = {
    checkout: [
      ['checkout-prod', ...Array.from({ length: 19 }, (_, i) => `checkout-extra-${i}`)],
      Array.from({ length: 10 }, (_, i) => `checkout-more-${i}`),
    ],
    search: [['search-prod']],
    billing: [[]],
  };
  const info = (application: string, name: string): DeploymentGroupInfo => ({
    applicationName: application,
    deploymentGroupName: name,
    alarmConfiguration: { enabled: true, alarms: name.endsWith('-prod') ? [{ name: 'cpu-high' }] : [] },
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] },
  });
  const paged = <T>(pages: T[][], token: string | undefined) => {
    const n = token ? Number(token.slice('page-'.length)) : 0;
    return { items: pages[n] ?? [], nextToken: n + 1 < pages.length ? `page-${n + 1}` : undefined };
  };

  beforeEach(() => {
    codedeploy.on(ListApplicationsCommand).callsFake((input) => {
      const { items, nextToken } = paged(APPLICATIONS, input.nextToken);
      return { applications: items, nextToken };
    });
    codedeploy.on(ListDeploymentGroupsCommand).callsFake((input) => {
      const { items, nextToken } = paged(GROUPS[input.applicationName]!, input.nextToken);
      return { applicationName: input.applicationName, deploymentGroups: items, nextToken };
    });
    codedeploy.on(BatchGetDeploymentGroupsCommand).callsFake((input) => {
      if (input.deploymentGroupNames.length > 25) throw new Error('BatchLimitExceededException');
      return {
        deploymentGroupsInfo: input.deploymentGroupNames.map((n: string) => info(input.applicationName, n)),
      };
    });
  });

  it('follows every page of applications and groups and reads groups 25 at a time', async () => {
    const groups = await port.listDeploymentGroups(budget());

    expect(codedeploy.commandCalls(ListApplicationsCommand)).toHaveLength(2);
    expect(codedeploy.commandCalls(ListDeploymentGroupsCommand)).toHaveLength(4);
    expect(
      codedeploy
        .commandCalls(BatchGetDeploymentGroupsCommand)
        .map((c) => [c.args[0].input.applicationName, c.args[0].input.deploymentGroupNames?.length])
        .sort(),
    ).toEqual([
      ['checkout', 25],
      ['checkout', 5],
      ['search', 1],
    ]);
    expect(groups).toHaveLength(31);
    expect(groups.filter((g) => g.alarms.includes('cpu-high')).map((g) => g.deploymentGroup)).toEqual([
      'checkout-prod',
      'search-prod',
    ]);
  });

  it('gives every AWS call an abort signal', async () => {
    await port.listDeploymentGroups(budget());
    const calls = codedeploy.calls();
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls)
      expect(((call.args as unknown[])[1] as { abortSignal?: unknown } | undefined)?.abortSignal).toBeInstanceOf(
        AbortSignal,
      );
  });

  it('reads a few applications side by side, never more than four at once, in a stable order', async () => {
    const apps = Array.from({ length: 9 }, (_, i) => `app-${i}`);
    let inFlight = 0;
    let most = 0;
    codedeploy.on(ListApplicationsCommand).resolves({ applications: apps });
    codedeploy.on(ListDeploymentGroupsCommand).callsFake(async (input: { applicationName: string }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return { deploymentGroups: [`${input.applicationName}-web`] };
    });
    codedeploy
      .on(BatchGetDeploymentGroupsCommand)
      .callsFake(async (input: { applicationName: string; deploymentGroupNames: string[] }) => ({
        deploymentGroupsInfo: input.deploymentGroupNames.map((name) => ({
          applicationName: input.applicationName,
          deploymentGroupName: name,
        })),
      }));
    const groups = await port.listDeploymentGroups(budget());
    expect(groups.map((g) => g.application)).toEqual(apps);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
  });

  it('skips an application deleted between the listing and the read', async () => {
    codedeploy
      .on(ListDeploymentGroupsCommand, { applicationName: 'search' })
      .rejects(new ApplicationDoesNotExistException({ message: 'gone', ...meta }));
    const groups = await port.listDeploymentGroups(budget());
    expect(groups.map((g) => g.application)).not.toContain('search');
    expect(groups).toHaveLength(30);
  });
});
