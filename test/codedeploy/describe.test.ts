import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeDeployment, describeRevision, toDeploymentDetails } from '../../lib/codedeploy/describe.js';

const cd = mockClient(CodeDeployClient);
const client = new CodeDeployClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

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

beforeEach(() => {
  cd.reset();
  cd.on(GetDeploymentCommand).resolves({
    deploymentInfo: {
      deploymentId: 'd-ABCDEFGH1',
      status: 'Failed',
      errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'too many failed' },
    },
  });
});

describe('describeDeployment', () => {
  it('reads only GetDeployment when failed targets are not asked for', async () => {
    const details = await describeDeployment(client, 'd-ABCDEFGH1');
    expect(details).toMatchObject({ deploymentId: 'd-ABCDEFGH1', status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS' });
    expect(cd.commandCalls(ListDeploymentTargetsCommand)).toHaveLength(0);
  });

  it('lists failed targets across pages and describes them 25 at a time', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    cd.on(ListDeploymentTargetsCommand, { nextToken: undefined }).resolves({
      targetIds: ids.slice(0, 30),
      nextToken: 'p2',
    });
    cd.on(ListDeploymentTargetsCommand, { nextToken: 'p2' }).resolves({ targetIds: ids.slice(30) });
    cd.on(BatchGetDeploymentTargetsCommand).callsFake((input: { targetIds: string[] }) => ({
      deploymentTargets: input.targetIds.map(failedTarget),
    }));
    const details = await describeDeployment(client, 'd-ABCDEFGH1', {
      includeFailedTargets: true,
      maxFailedTargets: 50,
    });
    expect(cd.commandCalls(ListDeploymentTargetsCommand).map((c) => c.args[0].input.targetFilters)).toEqual([
      { TargetStatus: ['Failed'] },
      { TargetStatus: ['Failed'] },
    ]);
    expect(cd.commandCalls(BatchGetDeploymentTargetsCommand).map((c) => c.args[0].input.targetIds!.length)).toEqual([
      25, 25,
    ]);
    expect(details.failedTargetCount).toBe(60);
    expect(details.failedTargets).toHaveLength(50);
    expect(details.failedTargets![0]).toEqual({
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
    cd.on(ListDeploymentTargetsCommand).callsFake(() => ({ targetIds: [`i-page${(page += 1)}`], nextToken: 'more' }));
    cd.on(BatchGetDeploymentTargetsCommand).callsFake((input: { targetIds: string[] }) => ({
      deploymentTargets: input.targetIds.map(failedTarget),
    }));
    const details = await describeDeployment(client, 'd-ABCDEFGH1', { includeFailedTargets: true });
    expect(cd.commandCalls(ListDeploymentTargetsCommand)).toHaveLength(5);
    expect(details).toMatchObject({ failedTargetCount: 5, failedTargetCountIsLowerBound: true });
  });
});

describe('toDeploymentDetails', () => {
  it('keeps what CodeDeploy said and invents nothing', () => {
    expect(toDeploymentDetails({}, 'd-ABCDEFGH1')).toEqual({ deploymentId: 'd-ABCDEFGH1' });
  });

  it.each([
    [{ revisionType: 'S3', s3Location: { bucket: 'b', key: 'app.zip', version: '3' } }, 's3://b/app.zip (version 3)'],
    [
      { revisionType: 'GitHub', gitHubLocation: { repository: 'org/app', commitId: '0123456789abcdef' } },
      'github:org/app@0123456789ab',
    ],
    [{ revisionType: 'AppSpecContent', appSpecContent: { content: '{}' } }, 'inline AppSpec'],
  ] as const)('describes the revision %j', (revision, words) => {
    expect(describeRevision(revision as never)).toBe(words);
  });
});
