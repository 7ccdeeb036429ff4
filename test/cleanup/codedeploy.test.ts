import {
  ApplicationDoesNotExistException,
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  DeploymentDoesNotExistException,
  DeploymentGroupDoesNotExistException,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  ThrottlingException,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCodeDeployPort, toDeploymentFacts } from '../../lib/cleanup/codedeploy.js';
import { createScenario } from '../../local/scenario.js';

const NOW = Date.parse('2026-11-20T17:00:00Z');
const codedeploy = mockClient(CodeDeployClient);
const port = createCodeDeployPort(new CodeDeployClient({ region: 'us-east-1' }));
const scenario = () => createScenario(NOW);
const deployment = (id: string) => scenario().deployments.find((d) => d.deploymentId === id)!;
const meta = { $metadata: {} };

beforeEach(() => codedeploy.reset());

describe('toDeploymentFacts', () => {
  it('reads what the decision needs from a failed copy deployment', () => {
    expect(toDeploymentFacts(deployment('d-F41LED001'))).toEqual({
      deploymentId: 'd-F41LED001',
      application: 'checkout',
      deploymentGroup: 'checkout-prod',
      status: 'Failed',
      deploymentType: 'BLUE_GREEN',
      greenFleetAction: 'COPY_AUTO_SCALING_GROUP',
      targetAutoScalingGroups: ['CodeDeploy_checkout-prod_d-F41LED001'],
      targetTagSet: undefined,
      completeTimeMs: NOW - 2 * 3_600_000,
    });
  });

  it("reads a DISCOVER_EXISTING deployment's replacement tag filters", () => {
    expect(toDeploymentFacts(deployment('d-D1SC0V3R1'))?.targetTagSet).toEqual([
      [{ key: 'release', value: 'search-2026-11-17', type: 'KEY_AND_VALUE' }],
    ]);
  });
});

describe('createCodeDeployPort', () => {
  it('answers undefined for a deployment CodeDeploy does not know', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .rejects(new DeploymentDoesNotExistException({ message: 'no such deployment', ...meta }));
    await expect(port.getDeployment('d-N0THERE00')).resolves.toBeUndefined();
  });

  it('lets other errors through (they fail the invocation)', async () => {
    codedeploy.on(GetDeploymentCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', ...meta }));
    await expect(port.getDeployment('d-F41LED001')).rejects.toBeInstanceOf(ThrottlingException);
  });

  it('asks BatchGetDeployments for at most 25 ids at a time; unknown ids are absent', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `d-${String(i).padStart(9, '0')}`);
    codedeploy.on(BatchGetDeploymentsCommand).callsFake(({ deploymentIds }: { deploymentIds: string[] }) => ({
      deploymentsInfo: deploymentIds
        .filter((id) => !id.endsWith('7'))
        .map((deploymentId) => ({ deploymentId, status: 'Failed' })),
    }));
    const facts = await port.batchGetDeployments(ids);
    const sizes = codedeploy.commandCalls(BatchGetDeploymentsCommand).map((c) => c.args[0].input.deploymentIds!.length);
    expect(sizes).toEqual([25, 25, 10]);
    expect(facts).toHaveLength(54);
    expect(facts.map((f) => f.deploymentId)).not.toContain('d-000000007');
  });

  it('reads the live groups and tag filters of a deployment group', async () => {
    const group = scenario().deploymentGroups.find((g) => g.deploymentGroupName === 'checkout-prod')!;
    codedeploy
      .on(GetDeploymentGroupCommand, { applicationName: 'checkout', deploymentGroupName: 'checkout-prod' })
      .resolves({ deploymentGroupInfo: group });
    await expect(port.getDeploymentGroup('checkout', 'checkout-prod')).resolves.toEqual({
      application: 'checkout',
      deploymentGroup: 'checkout-prod',
      liveGroupNames: ['CodeDeploy_checkout-prod_d-SUCC3SS01'],
      tagSet: undefined,
    });
  });

  it('answers undefined for a deleted deployment group or application', async () => {
    codedeploy
      .on(GetDeploymentGroupCommand)
      .rejects(new DeploymentGroupDoesNotExistException({ message: 'gone', ...meta }));
    codedeploy.on(ListDeploymentsCommand).rejects(new ApplicationDoesNotExistException({ message: 'gone', ...meta }));
    await expect(port.getDeploymentGroup('shop', 'web')).resolves.toBeUndefined();
    await expect(port.listInProgressDeployments('shop', 'web')).resolves.toBeUndefined();
  });

  it('lists unfinished deployments of the group across pages', async () => {
    codedeploy
      .on(ListDeploymentsCommand)
      .resolvesOnce({ deployments: ['d-QUEUED0001'], nextToken: 'page-2' })
      .resolvesOnce({ deployments: ['d-READY0001'] });
    await expect(port.listInProgressDeployments('search', 'search-prod')).resolves.toEqual([
      'd-QUEUED0001',
      'd-READY0001',
    ]);
    const calls = codedeploy.commandCalls(ListDeploymentsCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({
      applicationName: 'search',
      deploymentGroupName: 'search-prod',
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
    });
    expect(calls[1]?.nextToken).toBe('page-2');
  });
});
