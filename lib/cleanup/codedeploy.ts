import {
  BatchGetDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentGroupInfo,
  type DeploymentInfo,
  type EC2TagFilter,
  type EC2TagSet,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  paginateListDeployments,
} from '@aws-sdk/client-codedeploy';
import { type DeploymentFacts, type DeploymentGroupFacts, IN_PROGRESS_STATUSES, type TagSet } from './decide.js';
import { type CodeDeployPort, DEPLOYMENTS_PER_BATCH } from './ports.js';

const GONE = new Set([
  'DeploymentDoesNotExistException',
  'DeploymentGroupDoesNotExistException',
  'ApplicationDoesNotExistException',
]);

const isGone = (error: unknown): boolean => error instanceof Error && GONE.has(error.name);

/** `ec2TagFilters` (any filter matches) or `ec2TagSet` (every inner list matches) as one TagSet. */
export const toTagSet = (filters: EC2TagFilter[] | undefined, set: EC2TagSet | undefined): TagSet | undefined => {
  const lists = set?.ec2TagSetList ?? (filters && filters.length > 0 ? [filters] : undefined);
  return lists?.map((list) => list.map((f) => ({ key: f.Key, value: f.Value, type: f.Type })));
};

/** Maps GetDeployment's / BatchGetDeployments' deploymentInfo to the decision's facts (pure). */
export const toDeploymentFacts = (info: DeploymentInfo, fallbackId?: string): DeploymentFacts | undefined => {
  const deploymentId = info.deploymentId ?? fallbackId;
  if (!deploymentId) return undefined;
  return {
    deploymentId,
    application: info.applicationName,
    deploymentGroup: info.deploymentGroupName,
    status: info.status,
    deploymentType: info.deploymentStyle?.deploymentType,
    greenFleetAction: info.blueGreenDeploymentConfiguration?.greenFleetProvisioningOption?.action,
    targetAutoScalingGroups: info.targetInstances?.autoScalingGroups,
    targetTagSet: toTagSet(info.targetInstances?.tagFilters, info.targetInstances?.ec2TagSet),
    completeTimeMs: info.completeTime?.getTime(),
  };
};

/** Maps GetDeploymentGroup's deploymentGroupInfo to the decision's facts (pure). */
export const toDeploymentGroupFacts = (
  info: DeploymentGroupInfo,
  application: string,
  deploymentGroup: string,
): DeploymentGroupFacts => ({
  application: info.applicationName ?? application,
  deploymentGroup: info.deploymentGroupName ?? deploymentGroup,
  liveGroupNames: (info.autoScalingGroups ?? []).flatMap((g) => (g.name ? [g.name] : [])),
  tagSet: toTagSet(info.ec2TagFilters, info.ec2TagSet),
});

/** The CodeDeploy port over an SDK client; errors other than "does not exist" propagate. */
export const createCodeDeployPort = (client: CodeDeployClient): CodeDeployPort => ({
  async getDeployment(deploymentId) {
    try {
      const { deploymentInfo } = await client.send(new GetDeploymentCommand({ deploymentId }));
      return deploymentInfo ? toDeploymentFacts(deploymentInfo, deploymentId) : undefined;
    } catch (error) {
      if (isGone(error)) return undefined;
      throw error;
    }
  },

  async batchGetDeployments(deploymentIds) {
    const facts: DeploymentFacts[] = [];
    for (let i = 0; i < deploymentIds.length; i += DEPLOYMENTS_PER_BATCH) {
      const { deploymentsInfo } = await client.send(
        new BatchGetDeploymentsCommand({ deploymentIds: deploymentIds.slice(i, i + DEPLOYMENTS_PER_BATCH) }),
      );
      for (const info of deploymentsInfo ?? []) {
        const fact = toDeploymentFacts(info);
        if (fact) facts.push(fact);
      }
    }
    return facts;
  },

  async getDeploymentGroup(application, deploymentGroup) {
    try {
      const { deploymentGroupInfo } = await client.send(
        new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: deploymentGroup }),
      );
      return deploymentGroupInfo
        ? toDeploymentGroupFacts(deploymentGroupInfo, application, deploymentGroup)
        : undefined;
    } catch (error) {
      if (isGone(error)) return undefined;
      throw error;
    }
  },

  async listInProgressDeployments(application, deploymentGroup) {
    const ids: string[] = [];
    try {
      const pages = paginateListDeployments(
        { client },
        {
          applicationName: application,
          deploymentGroupName: deploymentGroup,
          includeOnlyStatuses: [...IN_PROGRESS_STATUSES],
        },
      );
      for await (const page of pages) ids.push(...(page.deployments ?? []));
    } catch (error) {
      if (isGone(error)) return undefined;
      throw error;
    }
    return ids;
  },
});
