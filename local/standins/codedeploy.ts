import type {
  DeploymentGroupInfo,
  DeploymentInfo,
  DeploymentTarget,
  GenericRevisionInfo,
  LastDeploymentInfo,
  RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import type { Scenario, ScenarioRevision } from './state.js';
import { AwsFault, type JsonOperation } from './aws.js';

/**
 * CodeDeploy (AWS JSON 1.1, X-Amz-Target prefix `CodeDeploy_20141006`) answered from a Scenario:
 * the read operations the service uses plus PutLifecycleEventHookExecutionStatus, with the field
 * names, limits and error codes of the real API (checked against @aws-sdk/client-codedeploy's
 * model types). Timestamps go over the wire as epoch seconds, as the JSON protocol sends them.
 */

export const CODEDEPLOY_TARGET_PREFIX = 'CodeDeploy_20141006';

export interface CodeDeployStandInOptions {
  /** Items per page of the List operations; small values make paging testable. */
  pageSize?: number;
}

const BATCH_DEPLOYMENTS = 25;
const BATCH_TARGETS = 25;
const BATCH_GROUPS = 100;
const DEPLOYMENT_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Succeeded', 'Failed', 'Stopped', 'Ready'];
const TARGET_STATUSES = ['Pending', 'InProgress', 'Succeeded', 'Failed', 'Skipped', 'Unknown', 'Ready'];
const TARGET_LABELS = ['Blue', 'Green'];
const NOT_STARTED = new Set(['Created', 'Queued']);
const REPORTABLE = new Set(['Succeeded', 'Failed']);
const COMPLETED = new Set(['Succeeded', 'Failed', 'Skipped']);

/** The JSON protocol's rendering of a value: Dates as epoch seconds, undefined members dropped. */
export const toWire = (value: unknown): unknown => {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toWire(v)]),
    );
  }
  return value;
};

const str = (input: Record<string, unknown>, key: string): string | undefined => {
  const value = input[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

const strings = (input: Record<string, unknown>, key: string): string[] | undefined => {
  const value = input[key];
  return Array.isArray(value) ? value.map(String) : undefined;
};

const fault = (code: string, message: string) => new AwsFault(code, message);

/** Opaque paging tokens that carry the operation and the offset of the next page. */
const encodeToken = (operation: string, offset: number) =>
  Buffer.from(JSON.stringify({ operation, offset })).toString('base64');

const decodeToken = (operation: string, token: string | undefined): number => {
  if (token === undefined) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      operation?: unknown;
      offset?: unknown;
    };
    if (
      parsed.operation === operation &&
      typeof parsed.offset === 'number' &&
      Number.isInteger(parsed.offset) &&
      parsed.offset >= 0
    ) {
      return parsed.offset;
    }
  } catch {
    // Falls through to the same fault as a well-formed token from another operation.
  }
  throw fault('InvalidNextTokenException', 'The next token was specified in an invalid format.');
};

const page = <T>(operation: string, items: T[], token: string | undefined, size: number) => {
  const offset = decodeToken(operation, token);
  const next = offset + size;
  return {
    items: items.slice(offset, next),
    nextToken: next < items.length ? encodeToken(operation, next) : undefined,
  };
};

/**
 * Whether a requested location names a registered revision: same S3 object (a version or an ETag
 * the request gives must match too), or same GitHub repository and commit.
 */
const sameRevision = (asked: RevisionLocation, known: RevisionLocation | undefined): boolean => {
  if (!known || asked.revisionType !== known.revisionType) return false;
  if (asked.revisionType === 'S3') {
    const [a, k] = [asked.s3Location, known.s3Location];
    return (
      a?.bucket === k?.bucket &&
      a?.key === k?.key &&
      (a?.version === undefined || a.version === k?.version) &&
      (a?.eTag === undefined || a.eTag === k?.eTag)
    );
  }
  if (asked.revisionType === 'GitHub') {
    const [a, k] = [asked.gitHubLocation, known.gitHubLocation];
    return a?.repository === k?.repository && a?.commitId === k?.commitId;
  }
  return false;
};

/** A location GetApplicationRevision can look up: an S3 object or a GitHub commit, fully named. */
const isCompleteLocation = (revision: RevisionLocation): boolean =>
  revision.revisionType === 'S3'
    ? Boolean(revision.s3Location?.bucket && revision.s3Location.key)
    : revision.revisionType === 'GitHub'
      ? Boolean(revision.gitHubLocation?.repository && revision.gitHubLocation.commitId)
      : // Inline content is a valid location; it is simply never registered.
        revision.revisionType === 'AppSpecContent' || revision.revisionType === 'String';

const innerTarget = (target: DeploymentTarget) =>
  target.instanceTarget ?? target.ecsTarget ?? target.lambdaTarget ?? target.cloudFormationTarget;

/** Operations keyed by name, to pass as `json: { CodeDeploy_20141006: codeDeployOperations(s) }`. */
export const codeDeployOperations = (
  scenario: Scenario,
  options: CodeDeployStandInOptions = {},
): Record<string, JsonOperation> => {
  const pageSize = options.pageSize ?? 100;

  const application = (input: Record<string, unknown>) => {
    const name = str(input, 'applicationName');
    if (!name)
      throw fault(
        'ApplicationNameRequiredException',
        'The minimum number of required application names was not specified.',
      );
    const found = scenario.applications.find((a) => a.applicationName === name);
    if (!found) throw fault('ApplicationDoesNotExistException', `No application found for name: ${name}`);
    return found;
  };

  const deployment = (input: Record<string, unknown>): DeploymentInfo => {
    const id = str(input, 'deploymentId');
    if (!id) throw fault('DeploymentIdRequiredException', 'At least one deployment ID must be specified.');
    const found = scenario.deployments.find((d) => d.deploymentId === id);
    if (!found) throw fault('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`);
    return found;
  };

  const startedDeployment = (input: Record<string, unknown>) => {
    const found = deployment(input);
    if (NOT_STARTED.has(found.status ?? ''))
      throw fault('DeploymentNotStartedException', `The deployment ${found.deploymentId} has not started.`);
    return found;
  };

  const targetsOf = (deploymentId: string) => scenario.deploymentTargets[deploymentId] ?? [];

  const target = (deploymentId: string, targetId: string) => {
    const found = targetsOf(deploymentId).find((t) => innerTarget(t)?.targetId === targetId);
    if (!found)
      throw fault(
        'DeploymentTargetDoesNotExistException',
        `The target ${targetId} does not exist in deployment ${deploymentId}.`,
      );
    return found;
  };

  const newestFirst = (a: DeploymentInfo, b: DeploymentInfo) =>
    (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0);

  const lastInfo = (d: DeploymentInfo | undefined): LastDeploymentInfo | undefined =>
    d && { deploymentId: d.deploymentId, status: d.status, endTime: d.completeTime, createTime: d.createTime };

  // The last deployments are derived on every answer, so that a test that changes a deployment
  // sees the group change with it.
  const withHistory = (group: DeploymentGroupInfo): DeploymentGroupInfo => {
    const own = scenario.deployments
      .filter((d) => d.applicationName === group.applicationName && d.deploymentGroupName === group.deploymentGroupName)
      .sort(newestFirst);
    return {
      ...group,
      lastSuccessfulDeployment: lastInfo(own.find((d) => d.status === 'Succeeded')),
      lastAttemptedDeployment: lastInfo(own[0]),
    };
  };

  const groupsOf = (applicationName: string) =>
    scenario.deploymentGroups.filter((g) => g.applicationName === applicationName);

  // Like the groups' last deployments, a revision's use is derived from the deployments on every answer.
  const revisionInfo = (known: ScenarioRevision): GenericRevisionInfo => {
    const uses = scenario.deployments
      .filter((d) => d.applicationName === known.applicationName && sameRevision(known.revision, d.revision))
      .sort(newestFirst);
    return {
      description: known.description,
      deploymentGroups: [...new Set(uses.map((d) => d.deploymentGroupName!))],
      firstUsedTime: uses.at(-1)?.createTime,
      lastUsedTime: uses[0]?.createTime,
      registerTime: known.registerTime,
    };
  };

  return {
    GetDeployment: (input) => ({ deploymentInfo: toWire(deployment(input)) }),

    GetApplicationRevision: (input) => {
      const app = application(input);
      const revision = input.revision as RevisionLocation | undefined;
      if (!revision || typeof revision !== 'object')
        throw fault('RevisionRequiredException', 'The revision ID was not specified.');
      if (!isCompleteLocation(revision))
        throw fault('InvalidRevisionException', 'The revision was specified incorrectly.');
      const known = scenario.revisions.find(
        (r) => r.applicationName === app.applicationName && sameRevision(revision, r.revision),
      );
      if (!known)
        throw fault(
          'RevisionDoesNotExistException',
          'The named revision does not exist with the IAM user or Amazon Web Services account.',
        );
      return {
        applicationName: app.applicationName,
        revision: toWire(known.revision),
        revisionInfo: toWire(revisionInfo(known)),
      };
    },

    BatchGetDeployments: (input) => {
      const ids = strings(input, 'deploymentIds') ?? [];
      if (ids.length === 0)
        throw fault('DeploymentIdRequiredException', 'At least one deployment ID must be specified.');
      if (ids.length > BATCH_DEPLOYMENTS)
        throw fault(
          'BatchLimitExceededException',
          `The maximum number of deployment IDs (${BATCH_DEPLOYMENTS}) was exceeded.`,
        );
      // Unknown ids are left out of the answer, not reported as errors. One pass over the account's
      // deployments, not one per id: a generated account of 10,000 groups holds tens of thousands.
      const wanted = new Set(ids);
      const byId = new Map<string, (typeof scenario.deployments)[number][]>();
      for (const d of scenario.deployments)
        if (d.deploymentId && wanted.has(d.deploymentId))
          byId.set(d.deploymentId, [...(byId.get(d.deploymentId) ?? []), d]);
      const found = ids.flatMap((id) => byId.get(id) ?? []);
      return { deploymentsInfo: toWire(found) };
    },

    ListDeployments: (input) => {
      const applicationName = str(input, 'applicationName');
      const groupName = str(input, 'deploymentGroupName');
      // The API takes both names or neither.
      if (applicationName && !groupName)
        throw fault('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.');
      if (groupName && !applicationName)
        throw fault(
          'ApplicationNameRequiredException',
          'The minimum number of required application names was not specified.',
        );
      if (applicationName && groupName) {
        application(input);
        if (!groupsOf(applicationName).some((g) => g.deploymentGroupName === groupName)) {
          throw fault('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${groupName}`);
        }
      }
      const statuses = strings(input, 'includeOnlyStatuses');
      const invalid = statuses?.find((s) => !DEPLOYMENT_STATUSES.includes(s));
      if (invalid) throw fault('InvalidDeploymentStatusException', `The deployment status ${invalid} is invalid.`);
      const range = (input.createTimeRange ?? {}) as { start?: number; end?: number };
      const matching = scenario.deployments
        .filter(
          (d) => !applicationName || (d.applicationName === applicationName && d.deploymentGroupName === groupName),
        )
        .filter((d) => !statuses?.length || statuses.includes(d.status ?? ''))
        .filter((d) => range.start === undefined || (d.createTime?.getTime() ?? 0) >= range.start * 1000)
        .filter((d) => range.end === undefined || (d.createTime?.getTime() ?? 0) <= range.end * 1000)
        .sort(newestFirst)
        .map((d) => d.deploymentId);
      const { items, nextToken } = page('ListDeployments', matching, str(input, 'nextToken'), pageSize);
      return { deployments: items, nextToken };
    },

    GetDeploymentGroup: (input) => {
      const app = application(input);
      const name = str(input, 'deploymentGroupName');
      if (!name) throw fault('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.');
      const group = groupsOf(app.applicationName!).find((g) => g.deploymentGroupName === name);
      if (!group) throw fault('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`);
      return { deploymentGroupInfo: toWire(withHistory(group)) };
    },

    BatchGetDeploymentGroups: (input) => {
      const app = application(input);
      const names = strings(input, 'deploymentGroupNames') ?? [];
      if (names.length === 0)
        throw fault('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.');
      if (names.length > BATCH_GROUPS)
        throw fault(
          'BatchLimitExceededException',
          `The maximum number of deployment group names (${BATCH_GROUPS}) was exceeded.`,
        );
      const groups = groupsOf(app.applicationName!);
      const found = names.flatMap((n) => groups.filter((g) => g.deploymentGroupName === n));
      const missing = names.filter((n) => !groups.some((g) => g.deploymentGroupName === n));
      return {
        deploymentGroupsInfo: toWire(found.map(withHistory)),
        errorMessage: missing.length > 0 ? `Deployment groups not found: ${missing.join(', ')}` : undefined,
      };
    },

    ListApplications: (input) => {
      const names = scenario.applications.map((a) => a.applicationName!).sort();
      const { items, nextToken } = page('ListApplications', names, str(input, 'nextToken'), pageSize);
      return { applications: items, nextToken };
    },

    ListDeploymentGroups: (input) => {
      const app = application(input);
      const names = groupsOf(app.applicationName!)
        .map((g) => g.deploymentGroupName!)
        .sort();
      const { items, nextToken } = page(
        `ListDeploymentGroups:${app.applicationName}`,
        names,
        str(input, 'nextToken'),
        pageSize,
      );
      return { applicationName: app.applicationName, deploymentGroups: items, nextToken };
    },

    ListDeploymentTargets: (input) => {
      const found = startedDeployment(input);
      const filters = (input.targetFilters ?? {}) as Record<string, unknown>;
      const unknownFilter = Object.keys(filters).find((k) => k !== 'TargetStatus' && k !== 'ServerInstanceLabel');
      if (unknownFilter)
        throw fault('InvalidTargetFilterNameException', `The target filter name ${unknownFilter} is invalid.`);
      const statuses = strings(filters, 'TargetStatus');
      const labels = strings(filters, 'ServerInstanceLabel');
      const badStatus = statuses?.find((s) => !TARGET_STATUSES.includes(s));
      if (badStatus) throw fault('InvalidInstanceStatusException', `The target status ${badStatus} is invalid.`);
      const badLabel = labels?.find((l) => !TARGET_LABELS.includes(l));
      if (badLabel) throw fault('InvalidInstanceTypeException', `The instance label ${badLabel} is invalid.`);
      const ids = targetsOf(found.deploymentId!)
        .filter((t) => !statuses?.length || statuses.includes(innerTarget(t)?.status ?? ''))
        .filter((t) => !labels?.length || labels.includes(t.instanceTarget?.instanceLabel ?? ''))
        .map((t) => innerTarget(t)?.targetId)
        .filter((id): id is string => id !== undefined);
      const { items, nextToken } = page(
        `ListDeploymentTargets:${found.deploymentId}`,
        ids,
        str(input, 'nextToken'),
        pageSize,
      );
      return { targetIds: items, nextToken };
    },

    BatchGetDeploymentTargets: (input) => {
      const found = startedDeployment(input);
      const ids = strings(input, 'targetIds') ?? [];
      if (ids.length === 0)
        throw fault('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.');
      if (ids.length > BATCH_TARGETS) {
        throw fault(
          'DeploymentTargetListSizeExceededException',
          `The maximum number of targets that can be associated with a deployment (${BATCH_TARGETS}) was exceeded.`,
        );
      }
      return { deploymentTargets: toWire(ids.map((id) => target(found.deploymentId!, id))) };
    },

    GetDeploymentTarget: (input) => {
      const found = startedDeployment(input);
      const id = str(input, 'targetId');
      if (!id) throw fault('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.');
      return { deploymentTarget: toWire(target(found.deploymentId!, id)) };
    },

    PutLifecycleEventHookExecutionStatus: (input) => {
      const found = deployment(input);
      if (found.computePlatform === 'Server') {
        throw fault(
          'UnsupportedActionForDeploymentTypeException',
          'Lifecycle hook execution status can only be reported for ECS and Lambda deployments.',
        );
      }
      const status = str(input, 'status');
      if (!status || !REPORTABLE.has(status)) {
        throw fault(
          'InvalidLifecycleEventHookExecutionStatusException',
          `The lifecycle event hook execution status ${String(status)} is invalid: use Succeeded or Failed.`,
        );
      }
      const executionId = str(input, 'lifecycleEventHookExecutionId');
      const execution = scenario.hookExecutions.find(
        (e) => e.lifecycleEventHookExecutionId === executionId && e.deploymentId === found.deploymentId,
      );
      if (!execution) {
        throw fault(
          'InvalidLifecycleEventHookExecutionIdException',
          `The lifecycle event hook execution ID ${String(executionId)} is invalid.`,
        );
      }
      if (COMPLETED.has(execution.status)) {
        throw fault(
          'LifecycleEventAlreadyCompletedException',
          `The ${execution.lifecycleEventName} lifecycle event has already completed.`,
        );
      }
      execution.status = status as 'Succeeded' | 'Failed';
      scenario.hookReports.push({
        deploymentId: found.deploymentId!,
        lifecycleEventHookExecutionId: execution.lifecycleEventHookExecutionId,
        status,
      });
      // The target's lifecycle event shows the reported outcome, as GetDeploymentTarget would.
      for (const t of targetsOf(found.deploymentId!)) {
        const inner = innerTarget(t);
        const event = inner?.lifecycleEvents?.find((e) => e.lifecycleEventName === execution.lifecycleEventName);
        if (inner && event) {
          event.status = execution.status;
          event.endTime = scenario.now;
          inner.lastUpdatedAt = scenario.now;
        }
      }
      return { lifecycleEventHookExecutionId: execution.lifecycleEventHookExecutionId };
    },
  };
};
