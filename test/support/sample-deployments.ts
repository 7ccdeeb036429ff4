import type { DeploymentInfo, DeploymentTarget, Diagnostics, RevisionLocation } from '@aws-sdk/client-codedeploy';
import type { DeploymentDetails } from '../../lib/codedeploy/deployment.js';
import {
  ACCOUNT,
  at,
  discoverExisting,
  ECS_BLUE_GREEN,
  ECS_EVENTS,
  ecsTarget,
  deploymentInfo,
  deploymentTarget,
  detailsOf,
  IN_PLACE,
  lifecycleEvents,
  MINUTE,
  overview,
  SECOND,
  SERVER_GREEN_EVENTS,
} from './builders.js';

/**
 * What CodeDeploy says about the deployments the sample events under events/ name: GetDeployment's
 * answer and the targets a test reads (the failed ones, and those the instance events name). The
 * alerts in the formatter snapshots are these deployments; the times sit around FIXED_NOW.
 *
 *   checkout/checkout-prod   d-SUCC3SS01 Succeeded, d-ST0PPED01 Stopped, d-F41LED001 Failed (two
 *                            instances failed ValidateService), d-R0LLBK001 its rollback
 *   search/search-staging    d-ST4RT0001 in place, in progress
 *   search/search-prod       d-READY0001 Ready, d-D1SC0V3R1 Failed (existing instances)
 *   orders/orders-ecs        d-EC5H00K01 ECS, waiting on AfterAllowTestTraffic
 */

export interface SampleDeployment {
  info: DeploymentInfo;
  targets: DeploymentTarget[];
}

const HEALTH_CONSTRAINTS = {
  code: 'HEALTH_CONSTRAINTS',
  message:
    'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.',
} as const;

const s3 = (app: string, version: string, eTag: string): RevisionLocation => ({
  revisionType: 'S3',
  s3Location: { bucket: `${app}-artifacts-${ACCOUNT}`, key: `${app}/${app}-${version}.zip`, bundleType: 'zip', eTag },
});
const searchApi = (commitId: string): RevisionLocation => ({
  revisionType: 'GitHub',
  gitHubLocation: { repository: 'example-org/search-api', commitId },
});

const CHECKOUT_18 = s3('checkout', '2026.11.18-8be41f0', '"3f1d0c6e9a2b47c58d1e0f9a8b7c6d5e"');

const checkout = (overrides: DeploymentInfo) =>
  deploymentInfo({ deploymentConfigName: 'CodeDeployDefault.HalfAtATime', ...overrides });

/** The log of a health check that never passed, as `scripts/validate.sh` leaves it. */
const HEALTH_CHECK_LOG = [
  '[stdout]Waiting for checkout to answer on http://127.0.0.1:8080/healthz',
  "[stderr]curl: (7) Failed to connect to 127.0.0.1 port 8080 after 0 ms: Couldn't connect to server",
  '[stdout]attempt 1/10 failed, retrying in 6s',
  "[stderr]curl: (7) Failed to connect to 127.0.0.1 port 8080 after 0 ms: Couldn't connect to server",
  '[stdout]attempt 2/10 failed, retrying in 6s',
  ...Array.from({ length: 8 }, (_, i) => [
    '[stderr]curl: (22) The requested URL returned error: 503',
    `[stdout]attempt ${i + 3}/10 failed${i < 7 ? ', retrying in 6s' : ''}`,
  ]).flat(),
  '[stdout]checkout did not become healthy after 10 attempts (last answer: HTTP 503)',
  '[stdout]--- journalctl -u checkout -n 3 ---',
  '[stdout]checkout[2211]: FATAL: password authentication failed for user "checkout"',
  '[stdout]checkout[2211]: readiness: database pool not ready',
  '[stdout]checkout[2211]: health check answered 503',
].join('\n');

const VALIDATE_FAILED: Diagnostics = {
  errorCode: 'ScriptFailed',
  scriptName: 'scripts/validate.sh',
  message: 'Script at specified location: scripts/validate.sh run as user root failed with exit code 1',
  logTail: HEALTH_CHECK_LOG,
};

const START_TIMED_OUT: Diagnostics = {
  errorCode: 'ScriptTimedOut',
  scriptName: 'scripts/start_server.sh',
  message: 'Script at specified location: scripts/start_server.sh failed to complete in 300 seconds',
  logTail: '[stdout]Starting search-api\n[stdout]Loading index shards 1/12\n[stdout]Loading index shards 2/12\n',
};

const build = (): Record<string, SampleDeployment> => {
  const failedAt = Date.parse('2026-11-20T15:45:00Z');
  const succeededAt = Date.parse('2026-11-18T18:00:00Z');
  const discoverAt = Date.parse('2026-11-17T18:00:00Z');
  const ecsAt = Date.parse('2026-11-20T17:52:00Z');
  return {
    'd-SUCC3SS01': {
      info: checkout({
        deploymentId: 'd-SUCC3SS01',
        revision: CHECKOUT_18,
        status: 'Succeeded',
        createTime: new Date(succeededAt),
        startTime: new Date(succeededAt + 2 * SECOND),
        completeTime: new Date(succeededAt + 9 * MINUTE + 14 * SECOND),
        deploymentOverview: overview({ Succeeded: 6 }),
        description: 'checkout 2026.11.18-8be41f0',
      }),
      // The green instances; events/codedeploy/instance.success.json names the first.
      targets: ['i-0a1b2c3d4e5f60010', 'i-0a1b2c3d4e5f60011', 'i-0a1b2c3d4e5f60012'].map((targetId) =>
        deploymentTarget({
          deploymentId: 'd-SUCC3SS01',
          targetId,
          lifecycleEvents: lifecycleEvents(SERVER_GREEN_EVENTS, succeededAt + MINUTE),
        }),
      ),
    },
    'd-ST0PPED01': {
      info: checkout({
        deploymentId: 'd-ST0PPED01',
        revision: s3('checkout', '2026.11.19-c07a9d2', '"9a8b7c6d5e4f30211f0e9d8c7b6a5f4e"'),
        status: 'Stopped',
        errorInformation: { code: 'MANUAL_STOP', message: 'The deployment was stopped by a user request.' },
        createTime: at('2026-11-19T16:00:00Z'),
        startTime: at('2026-11-19T16:00:02Z'),
        completeTime: at('2026-11-19T16:15:07Z'),
        deploymentOverview: overview({ Skipped: 3 }),
        description: 'checkout 2026.11.19-c07a9d2',
      }),
      targets: [],
    },
    'd-F41LED001': {
      info: checkout({
        deploymentId: 'd-F41LED001',
        previousRevision: CHECKOUT_18,
        revision: s3('checkout', '2026.11.20-41d7e3a', '"c4b3a2918f7e6d5c4b3a29180f1e2d3c"'),
        status: 'Failed',
        errorInformation: HEALTH_CONSTRAINTS,
        createTime: new Date(failedAt),
        startTime: new Date(failedAt + 2 * SECOND),
        completeTime: new Date(failedAt + 15 * MINUTE),
        deploymentOverview: overview({ Succeeded: 1, Failed: 2 }),
        description: 'checkout 2026.11.20-41d7e3a',
        rollbackInfo: {
          rollbackDeploymentId: 'd-R0LLBK001',
          rollbackMessage: 'Automatic rollback triggered by DEPLOYMENT_FAILURE: rolled back by deployment d-R0LLBK001.',
        },
      }),
      // events/codedeploy/instance.failure.json names the first.
      targets: ['i-0a1b2c3d4e5f60001', 'i-0a1b2c3d4e5f60002'].map((targetId) =>
        deploymentTarget({
          deploymentId: 'd-F41LED001',
          targetId,
          status: 'Failed',
          lifecycleEvents: lifecycleEvents(SERVER_GREEN_EVENTS, failedAt + 2 * MINUTE, {
            at: 'ValidateService',
            status: 'Failed',
            diagnostics: VALIDATE_FAILED,
          }),
        }),
      ),
    },
    'd-R0LLBK001': {
      info: checkout({
        deploymentId: 'd-R0LLBK001',
        revision: CHECKOUT_18,
        status: 'Succeeded',
        createTime: at('2026-11-20T16:00:05Z'),
        startTime: at('2026-11-20T16:00:08Z'),
        completeTime: at('2026-11-20T16:07:46Z'),
        deploymentOverview: overview({ Succeeded: 3 }),
        description: 'Rollback of deployment d-F41LED001',
        creator: 'codeDeployRollback',
        rollbackInfo: {
          rollbackTriggeringDeploymentId: 'd-F41LED001',
          rollbackMessage: 'Automatic rollback of deployment d-F41LED001, triggered by DEPLOYMENT_FAILURE.',
        },
        // Whether a rollback copies the Auto Scaling group again is unconfirmed, so it names none.
        targetInstances: undefined,
      }),
      targets: [],
    },
    'd-ST4RT0001': {
      // Its times are those of a later run than the sample events', so its alerts show no duration.
      info: deploymentInfo({
        ...IN_PLACE,
        applicationName: 'search',
        deploymentGroupName: 'search-staging',
        deploymentId: 'd-ST4RT0001',
        revision: searchApi('5e0c8d2b7a4f9e1c3b6d8a0f2e4c6b8d0a1c3e5f'),
        status: 'InProgress',
        createTime: at('2026-11-20T17:55:50Z'),
        startTime: at('2026-11-20T17:55:52Z'),
        completeTime: undefined,
        deploymentOverview: overview({ InProgress: 1, Pending: 1 }),
        description: 'search-api 5e0c8d2 to staging',
      }),
      targets: [],
    },
    'd-READY0001': {
      info: deploymentInfo({
        ...discoverExisting([{ Key: 'release', Value: 'search-2026-11-20', Type: 'KEY_AND_VALUE' }]),
        applicationName: 'search',
        deploymentGroupName: 'search-prod',
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        deploymentId: 'd-READY0001',
        revision: searchApi('5e0c8d2b7a4f9e1c3b6d8a0f2e4c6b8d0a1c3e5f'),
        status: 'Ready',
        createTime: at('2026-11-20T17:25:00Z'),
        startTime: at('2026-11-20T17:25:02Z'),
        completeTime: undefined,
        deploymentOverview: overview({ Ready: 2 }),
        description: 'search-api 5e0c8d2 to production',
      }),
      targets: [],
    },
    'd-D1SC0V3R1': {
      info: deploymentInfo({
        ...discoverExisting([{ Key: 'release', Value: 'search-2026-11-17', Type: 'KEY_AND_VALUE' }]),
        applicationName: 'search',
        deploymentGroupName: 'search-prod',
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        deploymentId: 'd-D1SC0V3R1',
        revision: searchApi('0b9a8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b'),
        status: 'Failed',
        errorInformation: HEALTH_CONSTRAINTS,
        createTime: new Date(discoverAt),
        startTime: new Date(discoverAt + 2 * SECOND),
        completeTime: new Date(discoverAt + 12 * MINUTE + 31 * SECOND),
        deploymentOverview: overview({ Failed: 2 }),
        description: 'search-api 0b9a8c7 to production',
      }),
      // The green instances it selected; events/deploy-sentinel/cleanup.green-instances-running.json names them.
      targets: ['i-0e5f6a7b8c9d00011', 'i-0e5f6a7b8c9d00012'].map((targetId) =>
        deploymentTarget({
          deploymentId: 'd-D1SC0V3R1',
          targetId,
          status: 'Failed',
          lifecycleEvents: lifecycleEvents(SERVER_GREEN_EVENTS, discoverAt + MINUTE, {
            at: 'ApplicationStart',
            status: 'Failed',
            diagnostics: START_TIMED_OUT,
          }),
        }),
      ),
    },
    'd-EC5H00K01': {
      info: deploymentInfo({
        ...ECS_BLUE_GREEN,
        applicationName: 'orders',
        deploymentGroupName: 'orders-ecs',
        deploymentId: 'd-EC5H00K01',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 0.0\n' } },
        status: 'InProgress',
        createTime: new Date(ecsAt),
        startTime: new Date(ecsAt + 2 * SECOND),
        completeTime: undefined,
        deploymentOverview: overview({ InProgress: 1 }),
        description: 'orders task definition revision 58',
      }),
      targets: [
        ecsTarget({
          deploymentId: 'd-EC5H00K01',
          targetId: 'prod:orders',
          lastUpdatedAt: at('2026-11-20T17:59:00Z'),
          lifecycleEvents: lifecycleEvents(ECS_EVENTS, ecsAt + 10 * SECOND, {
            at: 'AfterAllowTestTraffic',
            status: 'InProgress',
          }),
          taskSets: [
            {
              identifer: 'ecs-svc/9223370479853227451',
              desiredCount: 4,
              pendingCount: 0,
              runningCount: 4,
              status: 'PRIMARY',
              trafficWeight: 100,
              targetGroup: { name: 'orders-blue' },
              taskSetLabel: 'Blue',
            },
            {
              identifer: 'ecs-svc/9223370479852768112',
              desiredCount: 4,
              pendingCount: 0,
              runningCount: 4,
              status: 'ACTIVE',
              trafficWeight: 0,
              targetGroup: { name: 'orders-green' },
              taskSetLabel: 'Green',
            },
          ],
        }),
      ],
    },
  };
};

/** The ids of every sample deployment. */
export const SAMPLE_DEPLOYMENT_IDS = Object.keys(build());

/** A fresh copy of a sample deployment, or undefined for an id CodeDeploy would not know. */
export const sampleDeployment = (deploymentId: string): SampleDeployment | undefined => build()[deploymentId];

/** What the alerts are given for a sample deployment: its details and, unless told not to, why its targets failed. */
export const sampleDetails = (deploymentId: string, withTargets = true): DeploymentDetails | undefined => {
  const sample = sampleDeployment(deploymentId);
  return sample && detailsOf(sample.info, withTargets ? sample.targets : undefined);
};
