import {
  ApplicationDoesNotExistException,
  BatchGetDeploymentsCommand,
  BatchGetDeploymentTargetsCommand,
  BatchLimitExceededException,
  CodeDeployClient,
  DeploymentDoesNotExistException,
  DeploymentGroupDoesNotExistException,
  DeploymentGroupNameRequiredException,
  DeploymentTargetListSizeExceededException,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  InvalidLifecycleEventHookExecutionIdException,
  InvalidRevisionException,
  LifecycleEventAlreadyCompletedException,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  paginateListDeploymentGroups,
  paginateListDeployments,
  PutLifecycleEventHookExecutionStatusCommand,
  RevisionDoesNotExistException,
  type RevisionLocation,
  RevisionRequiredException,
  UnsupportedActionForDeploymentTypeException,
} from '@aws-sdk/client-codedeploy';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { describeDeployment } from '../../lib/codedeploy/describe.js';
import { deadlineAt } from '../../lib/time.js';
import { createScenario, HOOK_EXECUTION_IDS, ORDERS_LOAD_BALANCER } from '../../local/scenario.js';
import { type AwsStandIn, startAwsStandIn } from '../../local/standins/aws.js';
import { codeDeployOperations } from '../../local/standins/codedeploy.js';
import { ssmOperations } from '../../local/standins/ssm.js';
import type { Scenario } from '../../local/standins/state.js';

const WEBHOOK_PARAMETER = '/deploy-sentinel/prod/slack-webhook';
const WEBHOOK_URL = 'http://127.0.0.1:9/services/T000/B000/local';
const NOW = Date.parse('2026-11-20T17:00:00Z');

// One scenario object for the server's lifetime, refilled before each test: the operations read it
// on every call, so each test starts from a fresh account without restarting the server.
const scenario: Scenario = createScenario(NOW);
let standIn: AwsStandIn;
let codedeploy: CodeDeployClient;
let ssm: SSMClient;

beforeAll(async () => {
  standIn = await startAwsStandIn({
    json: {
      CodeDeploy_20141006: codeDeployOperations(scenario, { pageSize: 2 }),
      AmazonSSM: ssmOperations({ [WEBHOOK_PARAMETER]: WEBHOOK_URL }),
    },
  });
  const config = {
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  codedeploy = new CodeDeployClient(config);
  ssm = new SSMClient(config);
});

afterAll(async () => {
  codedeploy?.destroy();
  ssm?.destroy();
  await standIn?.close();
});

beforeEach(() => {
  Object.assign(scenario, createScenario(NOW));
});

describe('CodeDeploy stand-in: why a deployment failed', () => {
  it('gives describeDeployment the error, the failed lifecycle event, the script and its log', async () => {
    const details = (await describeDeployment(codeDeployPortOver(codedeploy), 'd-F41LED001', {
      includeFailedTargets: true,
      budget: { deadline: deadlineAt(Date.now() + 30_000) },
    }))!;

    expect(details).toMatchObject({
      application: 'checkout',
      deploymentGroup: 'checkout-prod',
      status: 'Failed',
      errorCode: 'HEALTH_CONSTRAINTS',
      deploymentType: 'BLUE_GREEN',
      greenFleetAction: 'COPY_AUTO_SCALING_GROUP',
      rolledBackBy: 'd-R0LLBK001',
      autoScalingGroups: ['CodeDeploy_checkout-prod_d-F41LED001'],
      overview: { succeeded: 1, failed: 2 },
      failedTargetCount: 2,
    });
    expect(details.completeTime).toEqual(new Date(NOW - 2 * 3_600_000));
    expect(details.failedTargets).toHaveLength(2);
    for (const target of details.failedTargets ?? []) {
      expect(target).toMatchObject({
        lifecycleEvent: 'ValidateService',
        errorCode: 'ScriptFailed',
        scriptName: 'scripts/validate.sh',
        message: 'Script at specified location: scripts/validate.sh run as user root failed with exit code 1',
      });
      expect(target.logTail).toMatch(/curl: \(22\) The requested URL returned error: 503/);
    }
    expect(details.failedTargets?.map((t) => t.targetId).sort()).toEqual([
      'i-0a1b2c3d4e5f60001',
      'i-0a1b2c3d4e5f60002',
    ]);
  });

  it('links a rollback to the deployment it rolls back', async () => {
    const rollback = await describeDeployment(codeDeployPortOver(codedeploy), 'd-R0LLBK001', {
      budget: { deadline: deadlineAt(Date.now() + 30_000) },
    });
    expect(rollback).toMatchObject({ creator: 'codeDeployRollback', rollsBack: 'd-F41LED001', status: 'Succeeded' });
  });

  it('answers an unknown deployment with DeploymentDoesNotExistException', async () => {
    await expect(codedeploy.send(new GetDeploymentCommand({ deploymentId: 'd-UNKN0WN01' }))).rejects.toBeInstanceOf(
      DeploymentDoesNotExistException,
    );
  });

  it('leaves unknown ids out of BatchGetDeployments and refuses more than 25', async () => {
    const { deploymentsInfo } = await codedeploy.send(
      new BatchGetDeploymentsCommand({ deploymentIds: ['d-ST0PPED01', 'd-UNKN0WN01'] }),
    );
    expect(deploymentsInfo?.map((d) => [d.deploymentId, d.errorInformation?.code])).toEqual([
      ['d-ST0PPED01', 'MANUAL_STOP'],
    ]);

    const tooMany = Array.from({ length: 26 }, (_, i) => `d-B4TCH${String(i).padStart(4, '0')}`);
    await expect(codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: tooMany }))).rejects.toBeInstanceOf(
      BatchLimitExceededException,
    );
  });

  it('filters targets by instance label, a page at a time, and refuses more than 25 in one batch', async () => {
    const { targetIds } = await codedeploy.send(
      new ListDeploymentTargetsCommand({
        deploymentId: 'd-SUCC3SS01',
        targetFilters: { ServerInstanceLabel: ['Blue'] },
      }),
    );
    expect(targetIds).toHaveLength(2); // first page of three blue instances
    const tooMany = Array.from({ length: 26 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    await expect(
      codedeploy.send(new BatchGetDeploymentTargetsCommand({ deploymentId: 'd-F41LED001', targetIds: tooMany })),
    ).rejects.toBeInstanceOf(DeploymentTargetListSizeExceededException);
  });
});

describe('CodeDeploy stand-in: listing', () => {
  it('pages ListDeployments newest first and filters by status', async () => {
    const ids: string[] = [];
    let pages = 0;
    for await (const page of paginateListDeployments(
      { client: codedeploy },
      { applicationName: 'checkout', deploymentGroupName: 'checkout-prod' },
    )) {
      pages += 1;
      ids.push(...(page.deployments ?? []));
    }
    expect(pages).toBe(2);
    expect(ids).toEqual(['d-R0LLBK001', 'd-F41LED001', 'd-ST0PPED01', 'd-SUCC3SS01']);

    const unsuccessful = await codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: 'checkout',
        deploymentGroupName: 'checkout-prod',
        includeOnlyStatuses: ['Failed', 'Stopped'],
      }),
    );
    expect(unsuccessful.deployments).toEqual(['d-F41LED001', 'd-ST0PPED01']);
    expect(unsuccessful.nextToken).toBeUndefined();
  });

  it('requires the deployment group name along with the application name, as the API does', async () => {
    await expect(codedeploy.send(new ListDeploymentsCommand({ applicationName: 'checkout' }))).rejects.toBeInstanceOf(
      DeploymentGroupNameRequiredException,
    );
  });

  it('pages ListDeploymentGroups', async () => {
    const groups: string[] = [];
    for await (const page of paginateListDeploymentGroups({ client: codedeploy }, { applicationName: 'search' })) {
      groups.push(...(page.deploymentGroups ?? []));
    }
    expect(groups).toEqual(['search-prod', 'search-staging']);
  });

  it('describes the live group, its alarms and its last deployments', async () => {
    const { deploymentGroupInfo } = await codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: 'checkout', deploymentGroupName: 'checkout-prod' }),
    );
    expect(deploymentGroupInfo?.autoScalingGroups?.map((g) => g.name)).toEqual([
      'CodeDeploy_checkout-prod_d-SUCC3SS01',
    ]);
    expect(deploymentGroupInfo?.alarmConfiguration?.alarms?.map((a) => a.name)).toEqual([
      'checkout-5xx',
      'checkout-p99-latency',
    ]);
    expect(deploymentGroupInfo?.lastAttemptedDeployment?.deploymentId).toBe('d-R0LLBK001');

    scenario.deployments.find((d) => d.deploymentId === 'd-R0LLBK001')!.status = 'Failed';
    const after = await codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: 'checkout', deploymentGroupName: 'checkout-prod' }),
    );
    expect(after.deploymentGroupInfo?.lastSuccessfulDeployment?.deploymentId).toBe('d-SUCC3SS01');

    await expect(
      codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'checkout', deploymentGroupName: 'checkout-staging' }),
      ),
    ).rejects.toBeInstanceOf(DeploymentGroupDoesNotExistException);
  });
});

describe('CodeDeploy stand-in: ECS hooks', () => {
  const report = (
    lifecycleEventHookExecutionId: string,
    status: 'Succeeded' | 'Failed' = 'Succeeded',
    deploymentId = 'd-EC5H00K01',
  ) =>
    codedeploy.send(
      new PutLifecycleEventHookExecutionStatusCommand({ deploymentId, lifecycleEventHookExecutionId, status }),
    );

  it('shows both task sets with their traffic weights', async () => {
    const { deploymentTarget } = await codedeploy.send(
      new GetDeploymentTargetCommand({ deploymentId: 'd-EC5H00K01', targetId: 'prod:orders' }),
    );
    expect(
      deploymentTarget?.ecsTarget?.taskSetsInfo?.map((t) => [
        t.taskSetLabel,
        t.targetGroup?.name,
        t.trafficWeight,
        Boolean(t.identifer),
      ]),
    ).toEqual([
      ['Blue', ORDERS_LOAD_BALANCER.blueTargetGroup, 100, true],
      ['Green', ORDERS_LOAD_BALANCER.greenTargetGroup, 0, true],
    ]);
  });

  it('records a hook report once; a second report gets LifecycleEventAlreadyCompletedException', async () => {
    const first = await report(HOOK_EXECUTION_IDS.AfterAllowTestTraffic, 'Failed');
    expect(first.lifecycleEventHookExecutionId).toBe(HOOK_EXECUTION_IDS.AfterAllowTestTraffic);

    await expect(report(HOOK_EXECUTION_IDS.AfterAllowTestTraffic, 'Succeeded')).rejects.toBeInstanceOf(
      LifecycleEventAlreadyCompletedException,
    );
    expect(scenario.hookReports).toEqual([
      {
        deploymentId: 'd-EC5H00K01',
        lifecycleEventHookExecutionId: HOOK_EXECUTION_IDS.AfterAllowTestTraffic,
        status: 'Failed',
      },
    ]);

    const { deploymentTarget } = await codedeploy.send(
      new GetDeploymentTargetCommand({ deploymentId: 'd-EC5H00K01', targetId: 'prod:orders' }),
    );
    const event = deploymentTarget?.ecsTarget?.lifecycleEvents?.find(
      (e) => e.lifecycleEventName === 'AfterAllowTestTraffic',
    );
    expect(event?.status).toBe('Failed');
  });

  it('refuses reports for hooks that already ran, unknown executions and server deployments', async () => {
    await expect(report(HOOK_EXECUTION_IDS.BeforeInstall)).rejects.toBeInstanceOf(
      LifecycleEventAlreadyCompletedException,
    );
    await expect(report('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      InvalidLifecycleEventHookExecutionIdException,
    );
    await expect(report(HOOK_EXECUTION_IDS.AfterAllowTestTraffic, 'Succeeded', 'd-F41LED001')).rejects.toBeInstanceOf(
      UnsupportedActionForDeploymentTypeException,
    );
    await expect(report(HOOK_EXECUTION_IDS.AfterAllowTestTraffic, 'Succeeded', 'd-UNKN0WN01')).rejects.toBeInstanceOf(
      DeploymentDoesNotExistException,
    );
    expect(scenario.hookReports).toEqual([]);
  });
});

describe('SSM stand-in', () => {
  it('returns a SecureString in clear only when asked to decrypt it', async () => {
    const decrypted = await ssm.send(new GetParameterCommand({ Name: WEBHOOK_PARAMETER, WithDecryption: true }));
    expect(decrypted.Parameter).toMatchObject({ Name: WEBHOOK_PARAMETER, Type: 'SecureString', Value: WEBHOOK_URL });
    expect(decrypted.Parameter?.LastModifiedDate).toBeInstanceOf(Date);

    const encrypted = await ssm.send(new GetParameterCommand({ Name: WEBHOOK_PARAMETER }));
    expect(encrypted.Parameter?.Value).not.toContain('127.0.0.1');
  });

  it('finds a parameter by its ARN too', async () => {
    const { Parameter } = await ssm.send(
      new GetParameterCommand({
        Name: `arn:aws:ssm:us-east-1:123456789012:parameter${WEBHOOK_PARAMETER}`,
        WithDecryption: true,
      }),
    );
    expect(Parameter?.Value).toBe(WEBHOOK_URL);
  });

  it('answers an unknown name with ParameterNotFound', async () => {
    await expect(
      ssm.send(new GetParameterCommand({ Name: '/deploy-sentinel/prod/missing', WithDecryption: true })),
    ).rejects.toBeInstanceOf(ParameterNotFound);
  });
});

describe('CodeDeploy stand-in: application revisions', () => {
  const port = () => codeDeployPortOver(codedeploy);
  const budget = () => ({ deadline: deadlineAt(Date.now() + 30_000) });

  it("answers when a deployment's revision was registered: before the deployment was created", async () => {
    const success = (await port().getDeployment('d-SUCC3SS01', budget()))!;
    const registered = await port().getRevisionRegisterTime('checkout', success.revisionLocation!, budget());

    const before = success.createTime!.getTime() - registered!.getTime();
    expect(before).toBeGreaterThanOrEqual(40 * 60_000);
    expect(before).toBeLessThanOrEqual(2 * 3_600_000);
  });

  it('registers every S3 and GitHub revision a deployment names, before its first deployment', async () => {
    for (const deployment of scenario.deployments.filter((d) => d.revision?.revisionType !== 'AppSpecContent')) {
      const { revisionInfo } = await codedeploy.send(
        new GetApplicationRevisionCommand({
          applicationName: deployment.applicationName,
          revision: deployment.revision,
        }),
      );
      expect(revisionInfo?.registerTime!.getTime(), deployment.deploymentId).toBeLessThan(
        deployment.createTime!.getTime(),
      );
      expect(revisionInfo?.deploymentGroups, deployment.deploymentId).toContain(deployment.deploymentGroupName);
      expect(revisionInfo?.firstUsedTime!.getTime()).toBeLessThanOrEqual(deployment.createTime!.getTime());
    }
  });

  it('says which groups used a revision, and when first and last', async () => {
    const github = scenario.deployments.find((d) => d.deploymentId === 'd-READY0001')!;
    const { applicationName, revision, revisionInfo } = await codedeploy.send(
      new GetApplicationRevisionCommand({ applicationName: 'search', revision: github.revision }),
    );
    const start = scenario.deployments.find((d) => d.deploymentId === 'd-ST4RT0001')!;
    expect(applicationName).toBe('search');
    expect(revision).toEqual(github.revision);
    expect(revisionInfo?.deploymentGroups?.sort()).toEqual(['search-prod', 'search-staging']);
    expect(revisionInfo?.firstUsedTime).toEqual(github.createTime);
    expect(revisionInfo?.lastUsedTime).toEqual(start.createTime);
  });

  it('answers unknown applications and revisions with the API errors, which the port reads as no answer', async () => {
    const bundle = scenario.deployments.find((d) => d.deploymentId === 'd-SUCC3SS01')!.revision!;
    const unknownKey = { ...bundle, s3Location: { ...bundle.s3Location, key: 'checkout/checkout-0.0.0.zip' } };
    const otherETag = { ...bundle, s3Location: { ...bundle.s3Location, eTag: '"00000000000000000000000000000000"' } };
    const inline = scenario.deployments.find((d) => d.deploymentId === 'd-EC5H00K01')!.revision!;
    const ask = (applicationName: string, revision: RevisionLocation | undefined) =>
      codedeploy.send(new GetApplicationRevisionCommand({ applicationName, revision }));

    await expect(ask('nowhere', bundle)).rejects.toBeInstanceOf(ApplicationDoesNotExistException);
    await expect(ask('search', bundle)).rejects.toBeInstanceOf(RevisionDoesNotExistException);
    for (const revision of [unknownKey, otherETag, inline])
      await expect(ask('checkout', revision)).rejects.toBeInstanceOf(RevisionDoesNotExistException);
    await expect(ask('checkout', undefined)).rejects.toBeInstanceOf(RevisionRequiredException);
    await expect(ask('checkout', { revisionType: 'S3', s3Location: { bucket: 'b' } })).rejects.toBeInstanceOf(
      InvalidRevisionException,
    );

    const location = { revisionType: 'S3' as const, s3Location: { bucket: 'b', key: 'k.zip' } };
    await expect(port().getRevisionRegisterTime('nowhere', location, budget())).resolves.toBeUndefined();
    await expect(port().getRevisionRegisterTime('checkout', location, budget())).resolves.toBeUndefined();
  });
});
