import {
  CodeDeployClient,
  DeploymentDoesNotExistException,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  LifecycleEventAlreadyCompletedException,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  ThrottlingException,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { deadlineAt } from '../../lib/time.js';

/** The CodeDeploy port's calls an ECS hook makes: discovery and the status report. */

const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders-prod/7d3e9a1b2c4f5e60';
const PROD = `${LISTENER}/4a1b2c3d4e5f6071`;
const TEST = `${LISTENER}/9f8e7d6c5b4a3921`;
const EXECUTION = {
  deploymentId: 'd-EC5H00K01',
  lifecycleEventHookExecutionId: '2b01599b-b984-499d-8835-97f389a7dc3b',
};

const cd = mockClient(CodeDeployClient);
const port = codeDeployPortOver(new CodeDeployClient({ region: 'us-east-1' }));
const budget = () => ({ deadline: deadlineAt(Date.now() + 60_000), sleep: async () => {}, random: () => 0 });

beforeEach(() => cd.reset());

describe('the CodeDeploy port, as the hooks use it', () => {
  it('names the application and deployment group of a deployment', async () => {
    cd.on(GetDeploymentCommand, { deploymentId: 'd-EC5H00K01' }).resolves({
      deploymentInfo: { deploymentId: 'd-EC5H00K01', applicationName: 'orders', deploymentGroupName: 'orders-ecs' },
    });
    expect(await port.getDeployment('d-EC5H00K01', budget())).toMatchObject({
      application: 'orders',
      deploymentGroup: 'orders-ecs',
    });
  });

  it('answers undefined for a deployment CodeDeploy does not know', async () => {
    cd.on(GetDeploymentCommand).rejects(
      new DeploymentDoesNotExistException({ message: 'The deployment d-N0TF0UND1 could not be found.', $metadata: {} }),
    );
    expect(await port.getDeployment('d-N0TF0UND1', budget())).toBeUndefined();
  });

  it("reads an ECS deployment group's service, listeners and alarms", async () => {
    cd.on(GetDeploymentGroupCommand, { applicationName: 'orders', deploymentGroupName: 'orders-ecs' }).resolves({
      deploymentGroupInfo: {
        applicationName: 'orders',
        deploymentGroupName: 'orders-ecs',
        ecsServices: [{ clusterName: 'prod', serviceName: 'orders' }],
        alarmConfiguration: { enabled: true, alarms: [{ name: 'orders-5xx' }, { name: 'orders-5xx' }, {}] },
        loadBalancerInfo: {
          targetGroupPairInfoList: [
            {
              targetGroups: [{ name: 'orders-blue' }, { name: 'orders-green' }],
              prodTrafficRoute: { listenerArns: [PROD] },
              testTrafficRoute: { listenerArns: [TEST] },
            },
          ],
        },
      },
    });
    expect(await port.getDeploymentGroup('orders', 'orders-ecs', budget())).toMatchObject({
      ecsService: { clusterName: 'prod', serviceName: 'orders' },
      prodListenerArn: PROD,
      testListenerArn: TEST,
      alarms: ['orders-5xx'],
    });
  });

  it('tells green from blue by the task set label, not by order or weight', async () => {
    cd.on(GetDeploymentTargetCommand, { deploymentId: 'd-EC5H00K01', targetId: 'prod:orders' }).resolves({
      deploymentTarget: {
        deploymentTargetType: 'ECSTarget',
        ecsTarget: {
          taskSetsInfo: [
            { taskSetLabel: 'Green', trafficWeight: 100, targetGroup: { name: 'orders-b' } },
            { taskSetLabel: 'Blue', trafficWeight: 0, targetGroup: { name: 'orders-a' } },
          ],
        },
      },
    });
    expect(await port.getEcsTaskSets('d-EC5H00K01', 'prod:orders', budget())).toEqual({
      targetType: 'ECSTarget',
      green: 'orders-b',
      blue: 'orders-a',
      taskSetCount: 2,
    });
  });

  it('finds no task sets on a CloudFormation-driven deployment target', async () => {
    cd.on(GetDeploymentTargetCommand).resolves({
      deploymentTarget: {
        deploymentTargetType: 'CloudFormationTarget',
        cloudFormationTarget: { targetId: 'prod:orders', status: 'InProgress' },
      },
    });
    expect(await port.getEcsTaskSets('d-EC5H00K01', 'prod:orders', budget())).toEqual({
      targetType: 'CloudFormationTarget',
      green: undefined,
      blue: undefined,
      taskSetCount: 0,
    });
  });

  it('reports a hook status', async () => {
    cd.on(PutLifecycleEventHookExecutionStatusCommand).resolves({
      lifecycleEventHookExecutionId: EXECUTION.lifecycleEventHookExecutionId,
    });
    expect(await port.reportHookStatus(EXECUTION, 'Succeeded', budget())).toBe('reported');
    expect(cd.commandCalls(PutLifecycleEventHookExecutionStatusCommand)[0]?.args[0].input).toEqual({
      ...EXECUTION,
      status: 'Succeeded',
    });
  });

  it('counts LifecycleEventAlreadyCompletedException as already completed, without another try', async () => {
    cd.on(PutLifecycleEventHookExecutionStatusCommand).rejects(
      new LifecycleEventAlreadyCompletedException({
        message: 'The AfterAllowTestTraffic lifecycle event has already completed.',
        $metadata: {},
      }),
    );
    expect(await port.reportHookStatus(EXECUTION, 'Failed', budget())).toBe('already-completed');
    expect(cd.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(1);
  });

  it('retries a throttled report within its budget', async () => {
    cd.on(PutLifecycleEventHookExecutionStatusCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .resolves({ lifecycleEventHookExecutionId: EXECUTION.lifecycleEventHookExecutionId });
    expect(await port.reportHookStatus(EXECUTION, 'Succeeded', budget())).toBe('reported');
    expect(cd.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(2);
  });
});

describe('the CodeDeploy port, for Lambda deployments', () => {
  it('lists the targets of a deployment, every page', async () => {
    cd.on(ListDeploymentTargetsCommand, { deploymentId: 'd-L4MBD4001' }).resolves({
      targetIds: ['pricing-api:live'],
      nextToken: 'next',
    });
    cd.on(ListDeploymentTargetsCommand, { deploymentId: 'd-L4MBD4001', nextToken: 'next' }).resolves({ targetIds: [] });
    expect(await port.listDeploymentTargetIds('d-L4MBD4001', budget())).toEqual(['pricing-api:live']);
    expect(cd.commandCalls(ListDeploymentTargetsCommand)).toHaveLength(2);
  });

  it("reads a Lambda target's function, alias and versions", async () => {
    cd.on(GetDeploymentTargetCommand, { deploymentId: 'd-L4MBD4001', targetId: 'pricing-api:live' }).resolves({
      deploymentTarget: {
        deploymentTargetType: 'LambdaTarget',
        lambdaTarget: {
          deploymentId: 'd-L4MBD4001',
          targetId: 'pricing-api:live',
          lambdaFunctionInfo: {
            functionName: 'pricing-api',
            functionAlias: 'live',
            currentVersion: '6',
            targetVersion: '7',
            targetVersionWeight: 0,
          },
        },
      },
    });
    expect(await port.getLambdaTarget('d-L4MBD4001', 'pricing-api:live', budget())).toEqual({
      targetType: 'LambdaTarget',
      functionName: 'pricing-api',
      functionAlias: 'live',
      currentVersion: '6',
      targetVersion: '7',
      targetVersionWeight: 0,
    });
  });
});
