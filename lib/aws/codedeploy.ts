import {
  BatchGetDeploymentGroupsCommand,
  BatchGetDeploymentsCommand,
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import {
  type DeploymentDetails,
  type DeploymentGroup,
  type FailedTarget,
  IN_PROGRESS_STATUSES,
  type RegisteredRevision,
  toDeploymentDetails,
  toDeploymentGroup,
  toFailedTarget,
} from '../codedeploy/deployment.js';
import { type CallBudget, callAws } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';
import { allPages } from './pages.js';
import { awsErrorCode } from './errors.js';

/**
 * The CodeDeploy port: every CodeDeploy call the service makes, each within the caller's budget
 * (`callAws`), answering in the service's own terms (`lib/codedeploy/deployment.ts`). "Does not
 * exist" answers become `undefined`; every other error is thrown to the caller.
 */

/** BatchGetDeployments, BatchGetDeploymentTargets and BatchGetDeploymentGroups take at most 25 names per call. */
export const CODEDEPLOY_BATCH = 25;

/** How much of a failure's per-target detail to read. */
export interface FailedTargetsOptions {
  /** At most this many failed targets are described. */
  maxTargets?: number;
  /** ListDeploymentTargets pages read at most; beyond them the count is a lower bound. */
  maxPages?: number;
}

/** A hook execution to report on. */
export interface HookExecution {
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
}

/** An ECS deployment target's task sets: which target group serves the replacement and which the original. */
export interface EcsTaskSets {
  targetType?: string;
  /** Target group names by task set label; absent when the target exposes no task sets. */
  green?: string;
  blue?: string;
  taskSetCount: number;
}

/** A Lambda deployment's function, as its deployment target describes it (`lambdaTarget.lambdaFunctionInfo`). */
export interface LambdaFunctionTarget {
  targetType?: string;
  functionName?: string;
  functionAlias?: string;
  /** The version production traffic points to before the deployment. */
  currentVersion?: string;
  /** The version traffic moves to. */
  targetVersion?: string;
  targetVersionWeight?: number;
}

export interface CodeDeployPort {
  /** GetDeployment; `undefined` when CodeDeploy does not know the id. */
  getDeployment(deploymentId: string, budget: CallBudget): Promise<DeploymentDetails | undefined>;
  /**
   * GetApplicationRevision: when the application's revision at that location was registered;
   * `undefined` when the application or the revision does not exist (or CodeDeploy gives no time).
   */
  getRevisionRegisterTime(
    application: string,
    revision: RegisteredRevision,
    budget: CallBudget,
  ): Promise<Date | undefined>;
  /** ListDeploymentTargets (failed) then BatchGetDeploymentTargets: why each target failed. */
  failedTargets(
    deploymentId: string,
    options: FailedTargetsOptions,
    budget: CallBudget,
  ): Promise<
    Required<Pick<DeploymentDetails, 'failedTargets' | 'failedTargetCount'>> &
      Pick<DeploymentDetails, 'failedTargetCountIsLowerBound'>
  >;
  /** BatchGetDeployments, 25 ids per call; unknown ids are simply absent from the answer. */
  batchGetDeployments(deploymentIds: string[], budget: CallBudget): Promise<DeploymentDetails[]>;
  /** GetDeploymentGroup; `undefined` when the application or the group no longer exists. */
  getDeploymentGroup(
    application: string,
    deploymentGroup: string,
    budget: CallBudget,
  ): Promise<DeploymentGroup | undefined>;
  /** ListDeployments of unfinished deployments; `undefined` when the application or the group no longer exists. */
  listInProgressDeployments(
    application: string,
    deploymentGroup: string,
    budget: CallBudget,
  ): Promise<string[] | undefined>;
  /** Every deployment group of the region: ListApplications, ListDeploymentGroups, BatchGetDeploymentGroups. */
  listDeploymentGroups(budget: CallBudget): Promise<DeploymentGroup[]>;
  /** ListDeploymentTargets, every page: the ids of a deployment's targets. */
  listDeploymentTargetIds(deploymentId: string, budget: CallBudget): Promise<string[]>;
  /** GetDeploymentTarget of a Lambda deployment: its function, alias and versions. */
  getLambdaTarget(deploymentId: string, targetId: string, budget: CallBudget): Promise<LambdaFunctionTarget>;
  /** GetDeploymentTarget of an ECS deployment: its task sets' target groups. */
  getEcsTaskSets(deploymentId: string, targetId: string, budget: CallBudget): Promise<EcsTaskSets>;
  /**
   * PutLifecycleEventHookExecutionStatus; `already-completed` when CodeDeploy had the status already
   * (a duplicate invocation, or the lifecycle event timed out).
   */
  reportHookStatus(
    execution: HookExecution,
    status: 'Succeeded' | 'Failed',
    budget: CallBudget,
  ): Promise<'reported' | 'already-completed'>;
}

const GONE = new Set([
  'DeploymentDoesNotExistException',
  'DeploymentGroupDoesNotExistException',
  'ApplicationDoesNotExistException',
  'RevisionDoesNotExistException',
]);

const isGone = (error: unknown): boolean => GONE.has(awsErrorCode(error) ?? '');

const unlessGone = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await work();
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
};

const MAX_FAILED_TARGET_PAGES = 5;

/** Applications whose deployment groups are read side by side in the alarm scan. */
const APPLICATIONS_AT_A_TIME = 4;

/** The CodeDeploy port over a client built from the service's client settings. */
export const createCodeDeployPort = (options: AwsClientOptions = {}): CodeDeployPort =>
  codeDeployPortOver(new CodeDeployClient(clientConfig(options)));

/** The port over a given client (tests hand in one behind aws-sdk-client-mock). */
export const codeDeployPortOver = (client: CodeDeployClient): CodeDeployPort => {
  const batches = <T>(items: T[]): T[][] =>
    Array.from({ length: Math.ceil(items.length / CODEDEPLOY_BATCH) }, (_, i) =>
      items.slice(i * CODEDEPLOY_BATCH, (i + 1) * CODEDEPLOY_BATCH),
    );

  return {
    getDeployment: (deploymentId, budget) =>
      unlessGone(async () => {
        const { deploymentInfo } = await callAws(
          (abortSignal) => client.send(new GetDeploymentCommand({ deploymentId }), { abortSignal }),
          budget,
        );
        return deploymentInfo ? toDeploymentDetails(deploymentInfo, deploymentId) : undefined;
      }),

    getRevisionRegisterTime: (application, revision, budget) =>
      unlessGone(async () => {
        // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetApplicationRevision.html
        const { revisionInfo } = await callAws(
          (abortSignal) =>
            client.send(new GetApplicationRevisionCommand({ applicationName: application, revision }), {
              abortSignal,
            }),
          budget,
        );
        return revisionInfo?.registerTime;
      }),

    async failedTargets(deploymentId, options, budget) {
      const wanted = options.maxTargets ?? 50;
      const maxPages = options.maxPages ?? MAX_FAILED_TARGET_PAGES;
      const ids: string[] = [];
      let total = 0;
      let pages = 0;
      let nextToken: string | undefined;
      let lowerBound = false;
      do {
        // A fleet of thousands of failed instances must not turn one alert into hundreds of calls.
        if (pages >= maxPages) {
          lowerBound = true;
          break;
        }
        pages += 1;
        const token = nextToken;
        const page = await callAws(
          (abortSignal) =>
            client.send(
              new ListDeploymentTargetsCommand({
                deploymentId,
                nextToken: token,
                targetFilters: { TargetStatus: ['Failed'] },
              }),
              { abortSignal },
            ),
          budget,
        );
        const pageIds = page.targetIds ?? [];
        total += pageIds.length;
        ids.push(...pageIds.slice(0, Math.max(0, wanted - ids.length)));
        nextToken = page.nextToken;
      } while (nextToken);

      const failedTargets: FailedTarget[] = [];
      for (const targetIds of batches(ids)) {
        const batch = await callAws(
          (abortSignal) =>
            client.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }), { abortSignal }),
          budget,
        );
        for (const target of batch.deploymentTargets ?? []) {
          const failed = toFailedTarget(target);
          if (failed) failedTargets.push(failed);
        }
      }
      return {
        failedTargets,
        failedTargetCount: total,
        ...(lowerBound ? { failedTargetCountIsLowerBound: true } : {}),
      };
    },

    async batchGetDeployments(deploymentIds, budget) {
      const found: DeploymentDetails[] = [];
      for (const ids of batches(deploymentIds)) {
        const { deploymentsInfo } = await callAws(
          (abortSignal) => client.send(new BatchGetDeploymentsCommand({ deploymentIds: ids }), { abortSignal }),
          budget,
        );
        for (const info of deploymentsInfo ?? []) {
          if (info.deploymentId) found.push(toDeploymentDetails(info, info.deploymentId));
        }
      }
      return found;
    },

    getDeploymentGroup: (application, deploymentGroup, budget) =>
      unlessGone(async () => {
        const { deploymentGroupInfo } = await callAws(
          (abortSignal) =>
            client.send(
              new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: deploymentGroup }),
              { abortSignal },
            ),
          budget,
        );
        return deploymentGroupInfo ? toDeploymentGroup(deploymentGroupInfo, application, deploymentGroup) : undefined;
      }),

    listInProgressDeployments: (application, deploymentGroup, budget) =>
      unlessGone(async () => {
        const pages = await allPages(
          (nextToken, abortSignal) =>
            client.send(
              new ListDeploymentsCommand({
                applicationName: application,
                deploymentGroupName: deploymentGroup,
                includeOnlyStatuses: [...IN_PROGRESS_STATUSES],
                nextToken,
              }),
              { abortSignal },
            ),
          (page) => page.nextToken,
          budget,
        );
        return pages.flatMap((page) => page.deployments ?? []);
      }),

    async listDeploymentGroups(budget) {
      const applicationPages = await allPages(
        (nextToken, abortSignal) => client.send(new ListApplicationsCommand({ nextToken }), { abortSignal }),
        (page) => page.nextToken,
        budget,
      );
      const groupsOf = async (application: string): Promise<DeploymentGroup[]> => {
        // An application deleted between the listing and now simply has no groups left.
        const groupPages = await unlessGone(() =>
          allPages(
            (nextToken, abortSignal) =>
              client.send(new ListDeploymentGroupsCommand({ applicationName: application, nextToken }), {
                abortSignal,
              }),
            (page) => page.nextToken,
            budget,
          ),
        );
        const found: DeploymentGroup[] = [];
        for (const deploymentGroupNames of batches((groupPages ?? []).flatMap((page) => page.deploymentGroups ?? []))) {
          const answer = await unlessGone(() =>
            callAws(
              (abortSignal) =>
                client.send(
                  new BatchGetDeploymentGroupsCommand({ applicationName: application, deploymentGroupNames }),
                  { abortSignal },
                ),
              budget,
            ),
          );
          for (const info of answer?.deploymentGroupsInfo ?? []) {
            if (info.deploymentGroupName) found.push(toDeploymentGroup(info, application, info.deploymentGroupName));
          }
        }
        return found;
      };
      // A few applications at a time: an account with many applications is read in a fraction of
      // the time, without a burst that CodeDeploy's request rate would throttle.
      const applications = applicationPages.flatMap((page) => page.applications ?? []);
      const groups: DeploymentGroup[] = [];
      for (let i = 0; i < applications.length; i += APPLICATIONS_AT_A_TIME) {
        const read = await Promise.all(applications.slice(i, i + APPLICATIONS_AT_A_TIME).map(groupsOf));
        groups.push(...read.flat());
      }
      return groups;
    },

    async listDeploymentTargetIds(deploymentId, budget) {
      const pages = await allPages(
        (nextToken, abortSignal) =>
          client.send(new ListDeploymentTargetsCommand({ deploymentId, nextToken }), { abortSignal }),
        (page) => page.nextToken,
        budget,
      );
      return pages.flatMap((page) => page.targetIds ?? []);
    },

    async getLambdaTarget(deploymentId, targetId, budget) {
      const { deploymentTarget } = await callAws(
        (abortSignal) => client.send(new GetDeploymentTargetCommand({ deploymentId, targetId }), { abortSignal }),
        budget,
      );
      const info = deploymentTarget?.lambdaTarget?.lambdaFunctionInfo;
      return {
        targetType: deploymentTarget?.deploymentTargetType,
        functionName: info?.functionName,
        functionAlias: info?.functionAlias,
        currentVersion: info?.currentVersion,
        targetVersion: info?.targetVersion,
        targetVersionWeight: info?.targetVersionWeight,
      };
    },

    async getEcsTaskSets(deploymentId, targetId, budget) {
      const { deploymentTarget } = await callAws(
        (abortSignal) => client.send(new GetDeploymentTargetCommand({ deploymentId, targetId }), { abortSignal }),
        budget,
      );
      const sets = deploymentTarget?.ecsTarget?.taskSetsInfo ?? [];
      return {
        targetType: deploymentTarget?.deploymentTargetType,
        green: sets.find((t) => t.taskSetLabel === 'Green')?.targetGroup?.name,
        blue: sets.find((t) => t.taskSetLabel === 'Blue')?.targetGroup?.name,
        taskSetCount: sets.length,
      };
    },

    async reportHookStatus(execution, status, budget) {
      try {
        await callAws(
          (abortSignal) =>
            client.send(new PutLifecycleEventHookExecutionStatusCommand({ ...execution, status }), { abortSignal }),
          { ...budget, final: (error) => awsErrorCode(error) === 'LifecycleEventAlreadyCompletedException' },
        );
        return 'reported';
      } catch (error) {
        if (awsErrorCode(error) === 'LifecycleEventAlreadyCompletedException') return 'already-completed';
        throw error;
      }
    },
  };
};
