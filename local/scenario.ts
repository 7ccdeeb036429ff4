import type {
  ApplicationInfo,
  AutoRollbackConfiguration,
  BlueGreenDeploymentConfiguration,
  DeploymentGroupInfo,
  DeploymentInfo,
  DeploymentOverview,
  DeploymentTarget,
  Diagnostics,
  LifecycleEvent,
  LifecycleEventStatus,
  RevisionLocation,
  TargetStatus,
} from '@aws-sdk/client-codedeploy';
import type {
  Scenario,
  ScenarioAutoScalingGroup,
  ScenarioHookExecution,
  ScenarioInstance,
  ScenarioRevision,
} from './standins/state.js';

/**
 * One account's CodeDeploy and Auto Scaling state, coherent with the sample events under events/
 * (same applications, groups, deployment ids and instance ids), for the local stand-ins and the
 * end-to-end tests. Every call builds a fresh, mutable copy; times are relative to `now`, so
 * "failed two hours ago" stays true whenever it runs.
 *
 * checkout (Server)  checkout-prod   BLUE_GREEN, COPY_AUTO_SCALING_GROUP
 *   d-SUCC3SS01 Succeeded 2 days ago   -> CodeDeploy_checkout-prod_d-SUCC3SS01 is live
 *   d-ST0PPED01 Stopped 26 hours ago   -> CodeDeploy_checkout-prod_d-ST0PPED01 left behind
 *   d-F41LED001 Failed 2 hours ago     -> CodeDeploy_checkout-prod_d-F41LED001 left behind
 *   d-R0LLBK001 Succeeded, the automatic rollback of d-F41LED001
 * search (Server)    search-staging  IN_PLACE, d-ST4RT0001 InProgress
 *                    search-prod     BLUE_GREEN, DISCOVER_EXISTING, d-READY0001 Ready,
 *                                    d-D1SC0V3R1 Failed 3 days ago (green instances kept running)
 * payments (Server)  payments_blue   BLUE_GREEN, COPY, d-PAYM3NT01 InProgress (its copy is young)
 * orders (ECS)       orders-ecs      d-EC5H00K01 InProgress, waiting on AfterAllowTestTraffic
 * bastion-asg        an Auto Scaling group no deployment knows about
 *
 * Every S3 bundle and GitHub commit a deployment names is a registered revision, registered 40
 * minutes to 2 hours before its first deployment; the orders appspec is inline, so it is not.
 */

export const SCENARIO_ACCOUNT = '123456789012';
export const SCENARIO_REGION = 'us-east-1';

/** The ECS blue/green listeners of orders-ecs (production on port 80, test traffic on 8080). */
export const ORDERS_LOAD_BALANCER = {
  loadBalancerArn: `arn:aws:elasticloadbalancing:${SCENARIO_REGION}:${SCENARIO_ACCOUNT}:loadbalancer/app/orders-prod/7d3e9a1b2c4f5e60`,
  prodListenerArn: `arn:aws:elasticloadbalancing:${SCENARIO_REGION}:${SCENARIO_ACCOUNT}:listener/app/orders-prod/7d3e9a1b2c4f5e60/4a1b2c3d4e5f6071`,
  testListenerArn: `arn:aws:elasticloadbalancing:${SCENARIO_REGION}:${SCENARIO_ACCOUNT}:listener/app/orders-prod/7d3e9a1b2c4f5e60/9f8e7d6c5b4a3921`,
  prodPort: 80,
  testPort: 8080,
  blueTargetGroup: 'orders-blue',
  greenTargetGroup: 'orders-green',
} as const;

/**
 * Lifecycle hook executions of d-EC5H00K01, one per ECS hook. BeforeInstall and AfterInstall have
 * already reported; AfterAllowTestTraffic is the one CodeDeploy is waiting on (its id is the one in
 * events/hooks/after-allow-test-traffic.json).
 */
export const HOOK_EXECUTION_IDS = {
  BeforeInstall: 'da86494a-7bb1-4b72-b7a4-d6a87ce52291',
  AfterInstall: '0d5c89af-8f86-4894-98bb-e73a7cca92e0',
  AfterAllowTestTraffic: '2b01599b-b984-499d-8835-97f389a7dc3b',
  BeforeAllowTraffic: '2e387b2c-ad18-48a5-88d7-9684c4386b68',
  AfterAllowTraffic: 'b632bfbf-1541-40b4-8e34-3cd02c168fa5',
} as const;

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const SERVER_GREEN_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];
const SERVER_BLUE_EVENTS = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'];
const SERVER_REROUTE_EVENTS = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'];
const IN_PLACE_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
];
const ECS_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];

/** What GetDeploymentTarget shows for an event that ran cleanly. */
const SUCCESS_DIAGNOSTICS: Diagnostics = { errorCode: 'Success', scriptName: '', message: 'Succeeded', logTail: '' };

const VALIDATE_FAILED_MESSAGE =
  'Script at specified location: scripts/validate.sh run as user root failed with exit code 1';

const healthCheckTail = (lastStatus: string, cause: string) =>
  [
    '[stdout]Waiting for checkout to answer on http://127.0.0.1:8080/healthz',
    "[stderr]curl: (7) Failed to connect to 127.0.0.1 port 8080 after 0 ms: Couldn't connect to server",
    '[stdout]attempt 1/10 failed, retrying in 6s',
    "[stderr]curl: (7) Failed to connect to 127.0.0.1 port 8080 after 0 ms: Couldn't connect to server",
    '[stdout]attempt 2/10 failed, retrying in 6s',
    ...Array.from({ length: 8 }, (_, i) => [
      `[stderr]curl: (22) The requested URL returned error: ${lastStatus}`,
      `[stdout]attempt ${i + 3}/10 failed${i < 7 ? ', retrying in 6s' : ''}`,
    ]).flat(),
    `[stdout]checkout did not become healthy after 10 attempts (last answer: HTTP ${lastStatus})`,
    '[stdout]--- journalctl -u checkout -n 3 ---',
    `[stdout]checkout[2211]: ${cause}`,
    '[stdout]checkout[2211]: readiness: database pool not ready',
    '[stdout]checkout[2211]: health check answered 503',
  ].join('\n');

interface Outcome {
  /** The first event that did not succeed. */
  at: string;
  status: LifecycleEventStatus;
  diagnostics?: Diagnostics;
}

/**
 * The lifecycle events of one target: every event before `outcome.at` succeeded, the event at it has
 * the outcome's status, and the later ones are Skipped (after a failure or a skip) or Pending.
 */
const lifecycle = (names: string[], start: number, outcome?: Outcome): LifecycleEvent[] => {
  const stop = outcome ? names.indexOf(outcome.at) : names.length;
  const after: LifecycleEventStatus =
    outcome?.status === 'Failed' || outcome?.status === 'Skipped' ? 'Skipped' : 'Pending';
  return names.map((lifecycleEventName, i) => {
    const startTime = new Date(start + i * 20 * SECOND);
    const endTime = new Date(start + i * 20 * SECOND + 15 * SECOND);
    if (i < stop)
      return { lifecycleEventName, status: 'Succeeded', startTime, endTime, diagnostics: SUCCESS_DIAGNOSTICS };
    if (i > stop || !outcome) return { lifecycleEventName, status: after };
    if (outcome.status === 'InProgress') return { lifecycleEventName, status: 'InProgress', startTime };
    if (outcome.status === 'Failed')
      return { lifecycleEventName, status: 'Failed', startTime, endTime, diagnostics: outcome.diagnostics };
    return { lifecycleEventName, status: outcome.status };
  });
};

const instanceArn = (instanceId: string) => `arn:aws:ec2:${SCENARIO_REGION}:${SCENARIO_ACCOUNT}:instance/${instanceId}`;

const instanceTarget = (
  deploymentId: string,
  instanceId: string,
  label: 'Blue' | 'Green',
  status: TargetStatus,
  lifecycleEvents: LifecycleEvent[],
): DeploymentTarget => ({
  deploymentTargetType: 'InstanceTarget',
  instanceTarget: {
    deploymentId,
    targetId: instanceId,
    targetArn: instanceArn(instanceId),
    status,
    lastUpdatedAt: lifecycleEvents.reduce<Date | undefined>((last, e) => e.endTime ?? e.startTime ?? last, undefined),
    lifecycleEvents,
    instanceLabel: label,
  },
});

const TARGET_STATUS_KEYS: Record<string, keyof DeploymentOverview> = {
  Pending: 'Pending',
  InProgress: 'InProgress',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Skipped: 'Skipped',
  Ready: 'Ready',
};

/** GetDeployment's overview counts, as CodeDeploy derives them from the targets. */
const overviewOf = (targets: DeploymentTarget[]): DeploymentOverview => {
  const overview: Required<DeploymentOverview> = {
    Pending: 0,
    InProgress: 0,
    Succeeded: 0,
    Failed: 0,
    Skipped: 0,
    Ready: 0,
  };
  for (const target of targets) {
    const t = target.instanceTarget ?? target.ecsTarget ?? target.lambdaTarget ?? target.cloudFormationTarget;
    const key = t?.status ? TARGET_STATUS_KEYS[t.status] : undefined;
    if (key) overview[key] += 1;
  }
  return overview;
};

const s3Revision = (app: string, version: string, eTag: string): RevisionLocation => ({
  revisionType: 'S3',
  s3Location: {
    bucket: `${app}-artifacts-${SCENARIO_ACCOUNT}`,
    key: `${app}/${app}-${version}.zip`,
    bundleType: 'zip',
    eTag,
  },
});

const ORDERS_APPSPEC = [
  'version: 0.0',
  'Resources:',
  '  - TargetService:',
  '      Type: AWS::ECS::Service',
  '      Properties:',
  `        TaskDefinition: "arn:aws:ecs:${SCENARIO_REGION}:${SCENARIO_ACCOUNT}:task-definition/orders:58"`,
  '        LoadBalancerInfo:',
  '          ContainerName: "orders"',
  '          ContainerPort: 8080',
  'Hooks:',
  '  - BeforeInstall: "CodeDeployHook_deploy-sentinel-prod-before-install"',
  '  - AfterInstall: "CodeDeployHook_deploy-sentinel-prod-after-install"',
  '  - AfterAllowTestTraffic: "CodeDeployHook_deploy-sentinel-prod-after-test-traffic"',
  '  - BeforeAllowTraffic: "CodeDeployHook_deploy-sentinel-prod-before-traffic"',
  '  - AfterAllowTraffic: "CodeDeployHook_deploy-sentinel-prod-after-traffic"',
  '',
].join('\n');

const codeDeployHook = (group: string, id: string) =>
  `CodeDeploy-managed-automatic-launch-deployment-hook-${group}-${id}`;
const asgArn = (id: string, name: string) =>
  `arn:aws:autoscaling:${SCENARIO_REGION}:${SCENARIO_ACCOUNT}:autoScalingGroup:${id}:autoScalingGroupName/${name}`;
const targetGroupArn = (name: string, id: string) =>
  `arn:aws:elasticloadbalancing:${SCENARIO_REGION}:${SCENARIO_ACCOUNT}:targetgroup/${name}/${id}`;

const CHECKOUT_HOOK = codeDeployHook('checkout-prod', '5f2a3b4c-6d7e-4f80-91a2-b3c4d5e6f708');
const PAYMENTS_HOOK = codeDeployHook('payments_blue', '0e1d2c3b-4a59-4687-a7b6-c5d4e3f2a1b0');
const CHECKOUT_TG = targetGroupArn('checkout-prod-tg', '73e2d6bc24d8a067');
const PAYMENTS_TG = targetGroupArn('payments-tg', '1c2d3e4f5a6b7c8d');
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const SUBNETS = 'subnet-0a1b2c3d4e5f60718,subnet-0b2c3d4e5f6071829,subnet-0c3d4e5f607182930';

const instances = (ids: string[], instanceType: string, lifecycleState: string): ScenarioInstance[] =>
  ids.map((instanceId, i) => ({
    instanceId,
    instanceType,
    availabilityZone: ZONES[i % ZONES.length]!,
    lifecycleState,
    healthStatus: 'Healthy',
    protectedFromScaleIn: false,
  }));

const appTags = (app: string, env: string) => [
  { key: 'Name', value: `${app}-${env}`, propagateAtLaunch: true },
  { key: 'app', value: app, propagateAtLaunch: true },
  { key: 'env', value: env, propagateAtLaunch: true },
];

/** Builds a fresh scenario whose times are relative to `now` (milliseconds since the epoch). */
export const createScenario = (now: number = Date.now()): Scenario => {
  const ago = (ms: number) => new Date(now - ms);

  // --- checkout: blue/green with a copied Auto Scaling group ---------------------------------
  const checkoutRollback: AutoRollbackConfiguration = { enabled: true, events: ['DEPLOYMENT_FAILURE'] };
  const checkoutBlueGreen: BlueGreenDeploymentConfiguration = {
    terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 },
    deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
    greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
  };
  const checkoutCommon = {
    applicationName: 'checkout',
    deploymentGroupName: 'checkout-prod',
    deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
    computePlatform: 'Server',
    ignoreApplicationStopFailures: false,
    autoRollbackConfiguration: checkoutRollback,
    updateOutdatedInstancesOnly: false,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: checkoutBlueGreen,
    loadBalancerInfo: { targetGroupInfoList: [{ name: 'checkout-prod-tg' }] },
    fileExistsBehavior: 'DISALLOW',
    deploymentStatusMessages: [],
  } satisfies DeploymentInfo;

  const succeededAt = now - 2 * DAY;
  const succeededTargets = [
    ...['i-0a1b2c3d4e5f60010', 'i-0a1b2c3d4e5f60011', 'i-0a1b2c3d4e5f60012'].map((id) =>
      instanceTarget('d-SUCC3SS01', id, 'Green', 'Succeeded', lifecycle(SERVER_GREEN_EVENTS, succeededAt + 1 * MINUTE)),
    ),
    ...['i-0f9e8d7c6b5a40001', 'i-0f9e8d7c6b5a40002', 'i-0f9e8d7c6b5a40003'].map((id) =>
      instanceTarget('d-SUCC3SS01', id, 'Blue', 'Succeeded', lifecycle(SERVER_BLUE_EVENTS, succeededAt + 6 * MINUTE)),
    ),
  ];

  const stoppedAt = now - 26 * HOUR;
  const stoppedTargets = ['i-0a1b2c3d4e5f60020', 'i-0a1b2c3d4e5f60021', 'i-0a1b2c3d4e5f60022'].map((id) =>
    instanceTarget(
      'd-ST0PPED01',
      id,
      'Green',
      'Skipped',
      lifecycle(SERVER_GREEN_EVENTS, stoppedAt + 1 * MINUTE, { at: 'AllowTraffic', status: 'Skipped' }),
    ),
  );

  const failedAt = now - 2 * HOUR - 15 * MINUTE;
  const validateFailed = (lastStatus: string, cause: string): Outcome => ({
    at: 'ValidateService',
    status: 'Failed',
    diagnostics: {
      errorCode: 'ScriptFailed',
      scriptName: 'scripts/validate.sh',
      message: VALIDATE_FAILED_MESSAGE,
      logTail: healthCheckTail(lastStatus, cause),
    },
  });
  const failedTargets = [
    instanceTarget(
      'd-F41LED001',
      'i-0a1b2c3d4e5f60001',
      'Green',
      'Failed',
      lifecycle(
        SERVER_GREEN_EVENTS,
        failedAt + 2 * MINUTE,
        validateFailed('503', 'FATAL: password authentication failed for user "checkout"'),
      ),
    ),
    instanceTarget(
      'd-F41LED001',
      'i-0a1b2c3d4e5f60002',
      'Green',
      'Failed',
      lifecycle(
        SERVER_GREEN_EVENTS,
        failedAt + 2 * MINUTE,
        validateFailed('503', 'FATAL: password authentication failed for user "checkout"'),
      ),
    ),
    instanceTarget(
      'd-F41LED001',
      'i-0a1b2c3d4e5f60003',
      'Green',
      'Succeeded',
      lifecycle(SERVER_GREEN_EVENTS, failedAt + 2 * MINUTE, { at: 'BeforeAllowTraffic', status: 'Skipped' }),
    ),
  ];

  const rollbackAt = now - 2 * HOUR + 5 * SECOND;
  const rollbackTargets = ['i-0a1b2c3d4e5f60010', 'i-0a1b2c3d4e5f60011', 'i-0a1b2c3d4e5f60012'].map((id) =>
    instanceTarget('d-R0LLBK001', id, 'Blue', 'Succeeded', lifecycle(SERVER_REROUTE_EVENTS, rollbackAt + 30 * SECOND)),
  );

  // --- search: in-place staging, blue/green production on existing instances -------------------
  const startTargets = ['i-0d4e5f6a7b8c90001', 'i-0d4e5f6a7b8c90002'].map((id, i) =>
    instanceTarget(
      'd-ST4RT0001',
      id,
      'Blue',
      i === 0 ? 'InProgress' : 'Pending',
      i === 0
        ? lifecycle(IN_PLACE_EVENTS, now - 4 * MINUTE, { at: 'Install', status: 'InProgress' })
        : lifecycle(IN_PLACE_EVENTS, now, { at: 'ApplicationStop', status: 'Pending' }),
    ),
  );
  const readyTargets = ['i-0e5f6a7b8c9d00001', 'i-0e5f6a7b8c9d00002'].map((id) =>
    instanceTarget(
      'd-READY0001',
      id,
      'Green',
      'Ready',
      lifecycle(SERVER_GREEN_EVENTS, now - 33 * MINUTE, { at: 'BeforeAllowTraffic', status: 'Pending' }),
    ),
  );
  const discoverAt = now - 3 * DAY;
  const discoverTargets = ['i-0e5f6a7b8c9d00011', 'i-0e5f6a7b8c9d00012'].map((id) =>
    instanceTarget(
      'd-D1SC0V3R1',
      id,
      'Green',
      'Failed',
      lifecycle(SERVER_GREEN_EVENTS, discoverAt + 1 * MINUTE, {
        at: 'ApplicationStart',
        status: 'Failed',
        diagnostics: {
          errorCode: 'ScriptTimedOut',
          scriptName: 'scripts/start_server.sh',
          message: 'Script at specified location: scripts/start_server.sh failed to complete in 300 seconds',
          logTail:
            '[stdout]Starting search-api\n[stdout]Loading index shards 1/12\n[stdout]Loading index shards 2/12\n',
        },
      }),
    ),
  );

  // --- payments: copy in progress ---------------------------------------------------------------
  const paymentsTargets = ['i-0b2c3d4e5f6a70001', 'i-0b2c3d4e5f6a70002'].map((id) =>
    instanceTarget(
      'd-PAYM3NT01',
      id,
      'Green',
      'InProgress',
      lifecycle(SERVER_GREEN_EVENTS, now - 3 * MINUTE, { at: 'Install', status: 'InProgress' }),
    ),
  );

  // --- orders: ECS blue/green waiting on the test-traffic hook -----------------------------------
  const ecsAt = now - 8 * MINUTE;
  const ecsEvents = lifecycle(ECS_EVENTS, ecsAt + 10 * SECOND, { at: 'AfterAllowTestTraffic', status: 'InProgress' });
  const ecsTargets: DeploymentTarget[] = [
    {
      deploymentTargetType: 'ECSTarget',
      ecsTarget: {
        deploymentId: 'd-EC5H00K01',
        targetId: 'prod:orders',
        targetArn: `arn:aws:ecs:${SCENARIO_REGION}:${SCENARIO_ACCOUNT}:service/prod/orders`,
        lastUpdatedAt: ago(1 * MINUTE),
        lifecycleEvents: ecsEvents,
        status: 'InProgress',
        taskSetsInfo: [
          {
            identifer: 'ecs-svc/9223370479853227451',
            desiredCount: 4,
            pendingCount: 0,
            runningCount: 4,
            status: 'PRIMARY',
            trafficWeight: 100,
            targetGroup: { name: ORDERS_LOAD_BALANCER.blueTargetGroup },
            taskSetLabel: 'Blue',
          },
          {
            identifer: 'ecs-svc/9223370479852768112',
            desiredCount: 4,
            pendingCount: 0,
            runningCount: 4,
            status: 'ACTIVE',
            trafficWeight: 0,
            targetGroup: { name: ORDERS_LOAD_BALANCER.greenTargetGroup },
            taskSetLabel: 'Green',
          },
        ],
      },
    },
  ];

  const deployments: DeploymentInfo[] = [
    {
      ...checkoutCommon,
      deploymentId: 'd-SUCC3SS01',
      revision: s3Revision('checkout', '2026.11.18-8be41f0', '"3f1d0c6e9a2b47c58d1e0f9a8b7c6d5e"'),
      status: 'Succeeded',
      createTime: new Date(succeededAt),
      startTime: new Date(succeededAt + 2 * SECOND),
      completeTime: new Date(succeededAt + 9 * MINUTE + 14 * SECOND),
      deploymentOverview: overviewOf(succeededTargets),
      description: 'checkout 2026.11.18-8be41f0',
      creator: 'user',
      targetInstances: { autoScalingGroups: ['CodeDeploy_checkout-prod_d-SUCC3SS01'] },
      instanceTerminationWaitTimeStarted: true,
    },
    {
      ...checkoutCommon,
      deploymentId: 'd-ST0PPED01',
      revision: s3Revision('checkout', '2026.11.19-c07a9d2', '"9a8b7c6d5e4f30211f0e9d8c7b6a5f4e"'),
      status: 'Stopped',
      errorInformation: { code: 'MANUAL_STOP', message: 'The deployment was stopped by a user request.' },
      createTime: new Date(stoppedAt),
      startTime: new Date(stoppedAt + 2 * SECOND),
      completeTime: new Date(stoppedAt + 15 * MINUTE + 7 * SECOND),
      deploymentOverview: overviewOf(stoppedTargets),
      description: 'checkout 2026.11.19-c07a9d2',
      creator: 'user',
      targetInstances: { autoScalingGroups: ['CodeDeploy_checkout-prod_d-ST0PPED01'] },
      instanceTerminationWaitTimeStarted: false,
    },
    {
      ...checkoutCommon,
      deploymentId: 'd-F41LED001',
      previousRevision: s3Revision('checkout', '2026.11.18-8be41f0', '"3f1d0c6e9a2b47c58d1e0f9a8b7c6d5e"'),
      revision: s3Revision('checkout', '2026.11.20-41d7e3a', '"c4b3a2918f7e6d5c4b3a29180f1e2d3c"'),
      status: 'Failed',
      errorInformation: {
        code: 'HEALTH_CONSTRAINTS',
        message:
          'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.',
      },
      createTime: new Date(failedAt),
      startTime: new Date(failedAt + 2 * SECOND),
      completeTime: ago(2 * HOUR),
      deploymentOverview: overviewOf(failedTargets),
      description: 'checkout 2026.11.20-41d7e3a',
      creator: 'user',
      rollbackInfo: {
        rollbackDeploymentId: 'd-R0LLBK001',
        rollbackMessage: 'Automatic rollback triggered by DEPLOYMENT_FAILURE: rolled back by deployment d-R0LLBK001.',
      },
      targetInstances: { autoScalingGroups: ['CodeDeploy_checkout-prod_d-F41LED001'] },
      instanceTerminationWaitTimeStarted: false,
    },
    {
      // Whether a rollback copies the Auto Scaling group again is unconfirmed, so this one names none.
      ...checkoutCommon,
      deploymentId: 'd-R0LLBK001',
      revision: s3Revision('checkout', '2026.11.18-8be41f0', '"3f1d0c6e9a2b47c58d1e0f9a8b7c6d5e"'),
      status: 'Succeeded',
      createTime: new Date(rollbackAt),
      startTime: new Date(rollbackAt + 3 * SECOND),
      completeTime: new Date(rollbackAt + 7 * MINUTE + 41 * SECOND),
      deploymentOverview: overviewOf(rollbackTargets),
      description: 'Rollback of deployment d-F41LED001',
      creator: 'codeDeployRollback',
      rollbackInfo: {
        rollbackTriggeringDeploymentId: 'd-F41LED001',
        rollbackMessage: 'Automatic rollback of deployment d-F41LED001, triggered by DEPLOYMENT_FAILURE.',
      },
      instanceTerminationWaitTimeStarted: false,
    },
    {
      applicationName: 'search',
      deploymentGroupName: 'search-staging',
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      deploymentId: 'd-ST4RT0001',
      revision: {
        revisionType: 'GitHub',
        gitHubLocation: { repository: 'example-org/search-api', commitId: '5e0c8d2b7a4f9e1c3b6d8a0f2e4c6b8d0a1c3e5f' },
      },
      status: 'InProgress',
      createTime: ago(4 * MINUTE + 10 * SECOND),
      startTime: ago(4 * MINUTE + 8 * SECOND),
      deploymentOverview: overviewOf(startTargets),
      description: 'search-api 5e0c8d2 to staging',
      creator: 'user',
      ignoreApplicationStopFailures: false,
      autoRollbackConfiguration: { enabled: false },
      updateOutdatedInstancesOnly: false,
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      instanceTerminationWaitTimeStarted: false,
      fileExistsBehavior: 'OVERWRITE',
      deploymentStatusMessages: [],
      computePlatform: 'Server',
    },
    {
      applicationName: 'search',
      deploymentGroupName: 'search-prod',
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      deploymentId: 'd-READY0001',
      revision: {
        revisionType: 'GitHub',
        gitHubLocation: { repository: 'example-org/search-api', commitId: '5e0c8d2b7a4f9e1c3b6d8a0f2e4c6b8d0a1c3e5f' },
      },
      status: 'Ready',
      createTime: ago(35 * MINUTE),
      startTime: ago(35 * MINUTE - 2 * SECOND),
      deploymentOverview: overviewOf(readyTargets),
      description: 'search-api 5e0c8d2 to production',
      creator: 'user',
      ignoreApplicationStopFailures: false,
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      updateOutdatedInstancesOnly: false,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      targetInstances: { tagFilters: [{ Key: 'release', Value: 'search-2026-11-20', Type: 'KEY_AND_VALUE' }] },
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 0 },
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 120 },
        greenFleetProvisioningOption: { action: 'DISCOVER_EXISTING' },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'search-prod-tg' }] },
      instanceTerminationWaitTimeStarted: false,
      fileExistsBehavior: 'OVERWRITE',
      deploymentStatusMessages: [],
      computePlatform: 'Server',
    },
    {
      applicationName: 'search',
      deploymentGroupName: 'search-prod',
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      deploymentId: 'd-D1SC0V3R1',
      revision: {
        revisionType: 'GitHub',
        gitHubLocation: { repository: 'example-org/search-api', commitId: '0b9a8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b' },
      },
      status: 'Failed',
      errorInformation: {
        code: 'HEALTH_CONSTRAINTS',
        message:
          'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.',
      },
      createTime: new Date(discoverAt),
      startTime: new Date(discoverAt + 2 * SECOND),
      completeTime: new Date(discoverAt + 12 * MINUTE + 31 * SECOND),
      deploymentOverview: overviewOf(discoverTargets),
      description: 'search-api 0b9a8c7 to production',
      creator: 'user',
      ignoreApplicationStopFailures: false,
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      updateOutdatedInstancesOnly: false,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      targetInstances: { tagFilters: [{ Key: 'release', Value: 'search-2026-11-17', Type: 'KEY_AND_VALUE' }] },
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 0 },
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 120 },
        greenFleetProvisioningOption: { action: 'DISCOVER_EXISTING' },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'search-prod-tg' }] },
      instanceTerminationWaitTimeStarted: false,
      fileExistsBehavior: 'OVERWRITE',
      deploymentStatusMessages: [],
      computePlatform: 'Server',
    },
    {
      applicationName: 'payments',
      deploymentGroupName: 'payments_blue',
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      deploymentId: 'd-PAYM3NT01',
      revision: s3Revision('payments', '2026.11.20-77c1e9b', '"0f1e2d3c4b5a69788796a5b4c3d2e1f0"'),
      status: 'InProgress',
      createTime: ago(6 * MINUTE),
      startTime: ago(6 * MINUTE - 2 * SECOND),
      deploymentOverview: overviewOf(paymentsTargets),
      description: 'payments 2026.11.20-77c1e9b',
      creator: 'user',
      ignoreApplicationStopFailures: false,
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      updateOutdatedInstancesOnly: false,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      targetInstances: { autoScalingGroups: ['CodeDeploy_payments_blue_d-PAYM3NT01'] },
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 30 },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'payments-tg' }] },
      instanceTerminationWaitTimeStarted: false,
      fileExistsBehavior: 'DISALLOW',
      deploymentStatusMessages: [],
      computePlatform: 'Server',
    },
    {
      applicationName: 'orders',
      deploymentGroupName: 'orders-ecs',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      deploymentId: 'd-EC5H00K01',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: ORDERS_APPSPEC } },
      status: 'InProgress',
      createTime: new Date(ecsAt),
      startTime: new Date(ecsAt + 2 * SECOND),
      deploymentOverview: overviewOf(ecsTargets),
      description: 'orders task definition revision 58',
      creator: 'user',
      ignoreApplicationStopFailures: false,
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      updateOutdatedInstancesOnly: false,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
      },
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [
              { name: ORDERS_LOAD_BALANCER.blueTargetGroup },
              { name: ORDERS_LOAD_BALANCER.greenTargetGroup },
            ],
            prodTrafficRoute: { listenerArns: [ORDERS_LOAD_BALANCER.prodListenerArn] },
            testTrafficRoute: { listenerArns: [ORDERS_LOAD_BALANCER.testListenerArn] },
          },
        ],
      },
      instanceTerminationWaitTimeStarted: false,
      deploymentStatusMessages: [],
      computePlatform: 'ECS',
    },
  ];

  const serviceRoleArn = `arn:aws:iam::${SCENARIO_ACCOUNT}:role/CodeDeployServiceRole`;
  const deploymentGroups: DeploymentGroupInfo[] = [
    {
      applicationName: 'checkout',
      deploymentGroupId: '9fd2fbef-2157-40d8-91e7-6845af69e2d2',
      deploymentGroupName: 'checkout-prod',
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      ec2TagFilters: [],
      onPremisesInstanceTagFilters: [],
      // After d-SUCC3SS01 the group serves traffic from that deployment's copy.
      autoScalingGroups: [{ name: 'CodeDeploy_checkout-prod_d-SUCC3SS01', hook: CHECKOUT_HOOK }],
      serviceRoleArn,
      triggerConfigurations: [],
      alarmConfiguration: {
        enabled: true,
        ignorePollAlarmFailure: false,
        alarms: [{ name: 'checkout-5xx' }, { name: 'checkout-p99-latency' }],
      },
      autoRollbackConfiguration: checkoutRollback,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      outdatedInstancesStrategy: 'UPDATE',
      blueGreenDeploymentConfiguration: checkoutBlueGreen,
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'checkout-prod-tg' }] },
      computePlatform: 'Server',
      terminationHookEnabled: false,
    },
    {
      applicationName: 'search',
      deploymentGroupId: '3c7e1a52-8d44-4f0b-9b61-2e5d7a9c0f13',
      deploymentGroupName: 'search-staging',
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      ec2TagFilters: [
        { Key: 'service', Value: 'search', Type: 'KEY_AND_VALUE' },
        { Key: 'env', Value: 'staging', Type: 'KEY_AND_VALUE' },
      ],
      onPremisesInstanceTagFilters: [],
      autoScalingGroups: [],
      serviceRoleArn,
      triggerConfigurations: [],
      alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      autoRollbackConfiguration: { enabled: false },
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      outdatedInstancesStrategy: 'UPDATE',
      loadBalancerInfo: {},
      computePlatform: 'Server',
      terminationHookEnabled: false,
    },
    {
      applicationName: 'search',
      deploymentGroupId: '6b0f4e21-7a93-4c58-a1d2-58e3f0b9c746',
      deploymentGroupName: 'search-prod',
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      ec2TagFilters: [
        { Key: 'service', Value: 'search', Type: 'KEY_AND_VALUE' },
        { Key: 'env', Value: 'prod', Type: 'KEY_AND_VALUE' },
      ],
      onPremisesInstanceTagFilters: [],
      autoScalingGroups: [],
      serviceRoleArn,
      triggerConfigurations: [],
      alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'search-latency-p99' }] },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      outdatedInstancesStrategy: 'UPDATE',
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 0 },
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 120 },
        greenFleetProvisioningOption: { action: 'DISCOVER_EXISTING' },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'search-prod-tg' }] },
      computePlatform: 'Server',
      terminationHookEnabled: false,
    },
    {
      applicationName: 'payments',
      deploymentGroupId: 'c81f2a4e-6b3d-4e9a-8f17-0d5c2b9e4a63',
      deploymentGroupName: 'payments_blue',
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      ec2TagFilters: [],
      onPremisesInstanceTagFilters: [],
      autoScalingGroups: [{ name: 'payments-web', hook: PAYMENTS_HOOK }],
      serviceRoleArn,
      triggerConfigurations: [],
      alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      outdatedInstancesStrategy: 'UPDATE',
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 30 },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'payments-tg' }] },
      computePlatform: 'Server',
      terminationHookEnabled: false,
    },
    {
      applicationName: 'orders',
      deploymentGroupId: 'a41d9c07-5e2b-4f86-8d3a-0c7b92e15f48',
      deploymentGroupName: 'orders-ecs',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      ec2TagFilters: [],
      onPremisesInstanceTagFilters: [],
      autoScalingGroups: [],
      serviceRoleArn: `arn:aws:iam::${SCENARIO_ACCOUNT}:role/ecsCodeDeployRole`,
      triggerConfigurations: [],
      alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      outdatedInstancesStrategy: 'UPDATE',
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
      },
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [
              { name: ORDERS_LOAD_BALANCER.blueTargetGroup },
              { name: ORDERS_LOAD_BALANCER.greenTargetGroup },
            ],
            prodTrafficRoute: { listenerArns: [ORDERS_LOAD_BALANCER.prodListenerArn] },
            testTrafficRoute: { listenerArns: [ORDERS_LOAD_BALANCER.testListenerArn] },
          },
        ],
      },
      ecsServices: [{ serviceName: 'orders', clusterName: 'prod' }],
      computePlatform: 'ECS',
      terminationHookEnabled: false,
    },
  ];

  const applications: ApplicationInfo[] = [
    {
      applicationId: 'b7c1e2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
      applicationName: 'checkout',
      createTime: ago(400 * DAY),
      linkedToGitHub: false,
      computePlatform: 'Server',
    },
    {
      applicationId: 'c8d2f3e4-5a6b-4c7d-9e8f-0a1b2c3d4e5f',
      applicationName: 'search',
      createTime: ago(380 * DAY),
      linkedToGitHub: true,
      gitHubAccountName: 'example-org',
      computePlatform: 'Server',
    },
    {
      applicationId: 'd9e3a4f5-6b7c-4d8e-af90-1b2c3d4e5f60',
      applicationName: 'payments',
      createTime: ago(200 * DAY),
      linkedToGitHub: false,
      computePlatform: 'Server',
    },
    {
      applicationId: 'eaf4b5a6-7c8d-4e9f-b0a1-2c3d4e5f6071',
      applicationName: 'orders',
      createTime: ago(90 * DAY),
      linkedToGitHub: false,
      computePlatform: 'ECS',
    },
  ];

  const launchTemplate = (app: string, id: string, version: string) => ({
    launchTemplateId: id,
    launchTemplateName: `${app}-web`,
    version,
  });
  const autoScalingGroups: ScenarioAutoScalingGroup[] = [
    {
      name: 'CodeDeploy_checkout-prod_d-SUCC3SS01',
      arn: asgArn('e4a1c9b7-2f3d-4e58-9b06-7d8c1a2f5e34', 'CodeDeploy_checkout-prod_d-SUCC3SS01'),
      createdTime: new Date(succeededAt + 40 * SECOND),
      desiredCapacity: 3,
      minSize: 3,
      maxSize: 6,
      launchTemplate: launchTemplate('checkout', 'lt-0c1d2e3f4a5b6c7d8', '14'),
      availabilityZones: ZONES,
      vpcZoneIdentifier: SUBNETS,
      healthCheckType: 'ELB',
      // The live copy can lack its target group (a long-standing CodeDeploy bug): "no target group"
      // must never be read as "unused".
      targetGroupArns: [],
      lifecycleHookNames: [CHECKOUT_HOOK],
      instances: instances(
        ['i-0a1b2c3d4e5f60010', 'i-0a1b2c3d4e5f60011', 'i-0a1b2c3d4e5f60012'],
        'm6i.large',
        'InService',
      ),
      tags: appTags('checkout', 'prod'),
      deletionProtection: 'none',
    },
    {
      name: 'CodeDeploy_checkout-prod_d-ST0PPED01',
      arn: asgArn('5d2c7e91-3a4b-4f60-b1c8-e9d0f2a3b4c5', 'CodeDeploy_checkout-prod_d-ST0PPED01'),
      createdTime: new Date(stoppedAt + 45 * SECOND),
      desiredCapacity: 3,
      minSize: 3,
      maxSize: 6,
      launchTemplate: launchTemplate('checkout', 'lt-0c1d2e3f4a5b6c7d8', '14'),
      availabilityZones: ZONES,
      vpcZoneIdentifier: SUBNETS,
      healthCheckType: 'ELB',
      targetGroupArns: [CHECKOUT_TG],
      lifecycleHookNames: [CHECKOUT_HOOK],
      instances: instances(
        ['i-0a1b2c3d4e5f60020', 'i-0a1b2c3d4e5f60021', 'i-0a1b2c3d4e5f60022'],
        'm6i.large',
        'InService',
      ),
      tags: appTags('checkout', 'prod'),
      deletionProtection: 'none',
    },
    {
      name: 'CodeDeploy_checkout-prod_d-F41LED001',
      arn: asgArn('0b7e5c3a-9d21-4f6e-8a40-c5b2e1d7f903', 'CodeDeploy_checkout-prod_d-F41LED001'),
      createdTime: new Date(failedAt + 40 * SECOND),
      desiredCapacity: 3,
      minSize: 3,
      maxSize: 6,
      launchTemplate: launchTemplate('checkout', 'lt-0c1d2e3f4a5b6c7d8', '14'),
      availabilityZones: ZONES,
      vpcZoneIdentifier: SUBNETS,
      healthCheckType: 'ELB',
      targetGroupArns: [CHECKOUT_TG],
      lifecycleHookNames: [CHECKOUT_HOOK],
      instances: instances(
        ['i-0a1b2c3d4e5f60001', 'i-0a1b2c3d4e5f60002', 'i-0a1b2c3d4e5f60003'],
        'm6i.large',
        'InService',
      ),
      tags: appTags('checkout', 'prod'),
      deletionProtection: 'none',
    },
    {
      name: 'payments-web',
      arn: asgArn('7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910', 'payments-web'),
      createdTime: ago(200 * DAY),
      desiredCapacity: 2,
      minSize: 2,
      maxSize: 4,
      launchTemplate: launchTemplate('payments', 'lt-0d2e3f4a5b6c7d8e9', '7'),
      availabilityZones: ZONES.slice(0, 2),
      vpcZoneIdentifier: SUBNETS,
      healthCheckType: 'ELB',
      targetGroupArns: [PAYMENTS_TG],
      lifecycleHookNames: [PAYMENTS_HOOK],
      instances: instances(['i-0b2c3d4e5f6a70010', 'i-0b2c3d4e5f6a70011'], 'c6i.large', 'InService'),
      tags: appTags('payments', 'prod'),
      deletionProtection: 'none',
    },
    {
      name: 'CodeDeploy_payments_blue_d-PAYM3NT01',
      arn: asgArn('1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', 'CodeDeploy_payments_blue_d-PAYM3NT01'),
      createdTime: ago(5 * MINUTE + 20 * SECOND),
      desiredCapacity: 2,
      minSize: 2,
      maxSize: 4,
      launchTemplate: launchTemplate('payments', 'lt-0d2e3f4a5b6c7d8e9', '7'),
      availabilityZones: ZONES.slice(0, 2),
      vpcZoneIdentifier: SUBNETS,
      healthCheckType: 'ELB',
      targetGroupArns: [],
      lifecycleHookNames: [PAYMENTS_HOOK],
      instances: instances(['i-0b2c3d4e5f6a70001', 'i-0b2c3d4e5f6a70002'], 'c6i.large', 'Pending:Wait'),
      tags: appTags('payments', 'prod'),
      deletionProtection: 'none',
    },
    {
      name: 'bastion-asg',
      arn: asgArn('9c8b7a6f-5e4d-4c3b-a291-8f7e6d5c4b3a', 'bastion-asg'),
      createdTime: ago(700 * DAY),
      desiredCapacity: 1,
      minSize: 1,
      maxSize: 1,
      launchTemplate: { launchTemplateId: 'lt-0e3f4a5b6c7d8e9f0', launchTemplateName: 'bastion', version: '$Latest' },
      availabilityZones: ['us-east-1a'],
      vpcZoneIdentifier: 'subnet-0f1e2d3c4b5a69788',
      healthCheckType: 'EC2',
      targetGroupArns: [],
      lifecycleHookNames: [],
      instances: instances(['i-0c3d4e5f6a7b80001'], 't3.micro', 'InService'),
      tags: [{ key: 'Name', value: 'bastion', propagateAtLaunch: true }],
      deletionProtection: 'none',
    },
  ];

  // Each bundle or commit was registered by the build a while before its first deployment was created
  // (40 minutes to 2 hours: build, tests, review of the change), so a success has a lead time to show.
  const registered = (deploymentId: string, beforeCreate: number, description: string): ScenarioRevision => {
    const first = deployments.find((d) => d.deploymentId === deploymentId)!;
    return {
      applicationName: first.applicationName!,
      revision: first.revision!,
      registerTime: new Date(first.createTime!.getTime() - beforeCreate),
      description,
    };
  };
  const revisions: ScenarioRevision[] = [
    registered('d-SUCC3SS01', HOUR + 23 * MINUTE + 14 * SECOND, 'checkout 2026.11.18-8be41f0, built by the pipeline'),
    registered('d-ST0PPED01', 52 * MINUTE + 40 * SECOND, 'checkout 2026.11.19-c07a9d2, built by the pipeline'),
    registered('d-F41LED001', 47 * MINUTE + 5 * SECOND, 'checkout 2026.11.20-41d7e3a, built by the pipeline'),
    registered('d-D1SC0V3R1', HOUR + 41 * MINUTE, 'search-api 0b9a8c7'),
    // The same commit went to search-prod (d-READY0001) first, then to search-staging (d-ST4RT0001).
    registered('d-READY0001', HOUR + 6 * MINUTE + 30 * SECOND, 'search-api 5e0c8d2'),
    registered('d-PAYM3NT01', 58 * MINUTE, 'payments 2026.11.20-77c1e9b, built by the pipeline'),
  ];

  const hookStatus = (name: string): LifecycleEventStatus =>
    ecsEvents.find((e) => e.lifecycleEventName === name)?.status ?? 'Pending';
  const hookExecutions: ScenarioHookExecution[] = Object.entries(HOOK_EXECUTION_IDS).map(
    ([lifecycleEventName, id]) => ({
      lifecycleEventHookExecutionId: id,
      deploymentId: 'd-EC5H00K01',
      lifecycleEventName,
      status: hookStatus(lifecycleEventName),
    }),
  );

  return {
    now: new Date(now),
    account: SCENARIO_ACCOUNT,
    region: SCENARIO_REGION,
    applications,
    deploymentGroups,
    deployments,
    revisions,
    deploymentTargets: {
      'd-SUCC3SS01': succeededTargets,
      'd-ST0PPED01': stoppedTargets,
      'd-F41LED001': failedTargets,
      'd-R0LLBK001': rollbackTargets,
      'd-ST4RT0001': startTargets,
      'd-READY0001': readyTargets,
      'd-D1SC0V3R1': discoverTargets,
      'd-PAYM3NT01': paymentsTargets,
      'd-EC5H00K01': ecsTargets,
    },
    hookExecutions,
    hookReports: [],
    autoScalingGroups,
  };
};
