import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CodeDeployClient, type DeploymentGroupInfo, type DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { seededRandom } from '../../tools/metrics/generate.js';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { autoScalingPortOver } from '../../lib/aws/autoscaling.js';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { clientConfig } from '../../lib/aws/config.js';
import { ec2PortOver } from '../../lib/aws/ec2.js';
import { eventBridgePortOver } from '../../lib/aws/eventbridge.js';
import { type CleanupSummary, sweepOrphans } from '../../lib/cleanup/clean-up.js';
import type { KeepReason } from '../../lib/cleanup/decide.js';
import { createCleanupPublisher } from '../../lib/cleanup/publish.js';
import type { CleanupMode } from '../../lib/events/sentinel.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { deadlineAt, realClock, realSleep } from '../../lib/time.js';
import type { Scenario, ScenarioAutoScalingGroup } from './state.js';
import { type AutoScalingAccount, autoScalingAccountFromScenario, autoScalingOperations } from './autoscaling.js';
import { type AwsStandIn, startAwsStandIn } from './aws.js';
import { CODEDEPLOY_TARGET_PREFIX, codeDeployOperations } from './codedeploy.js';
import { type Ec2StandIn, ec2InstancesFromScenario, startEc2StandIn } from './ec2.js';
import { createEventBus, type EventBus, eventBridgeOperations } from './eventbridge.js';

/**
 * Generated accounts of any size for the cleanup: N Auto Scaling groups with matching CodeDeploy
 * deployments and deployment groups, as a `Scenario` the stand-ins serve, together with what a
 * correct sweep must do with each group (known by construction, not by running the decision).
 */

const HOUR = 3_600_000;

/** How large an account to generate, and around which time. */
export interface GenerateAccountOptions {
  /** Auto Scaling groups in all (live, orphans, kept copies, unrelated groups). */
  groups: number;
  /** Same seed, same account. */
  seed?: number;
  now?: number;
  /** The sweep's minimum age; "too recent" copies are placed inside it. */
  minAgeMs?: number;
}

/** A generated account and what a correct sweep does with each group. */
export interface GeneratedAccount {
  scenario: Scenario;
  minAgeMs: number;
  /** Groups a correct sweep deletes (delete mode, same minAgeMs). */
  orphans: string[];
  /** `CodeDeploy_<group>_<deploymentId>` groups a correct sweep keeps, and why. */
  kept: Record<string, KeepReason>;
  /** Groups that are not candidates (other names, look-alikes). */
  others: string[];
}

type Kind =
  | 'orphan-failed'
  | 'orphan-stopped'
  | 'recent'
  | 'protected'
  | 'deleting'
  | 'old-success'
  | 'busy-group'
  | 'unknown-deployment'
  | 'deleted-deployment-group'
  | 'in-place'
  | 'plain'
  | 'lookalike';

const WEIGHTS: Array<[Kind, number]> = [
  ['orphan-failed', 30],
  ['orphan-stopped', 10],
  ['recent', 5],
  ['protected', 4],
  ['deleting', 2],
  ['old-success', 8],
  ['busy-group', 5],
  ['unknown-deployment', 4],
  ['deleted-deployment-group', 2],
  ['in-place', 3],
  ['plain', 15],
  ['lookalike', 3],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((n, [, w]) => n + w, 0);

const EXPECTED: Record<Exclude<Kind, 'plain' | 'lookalike' | 'orphan-failed' | 'orphan-stopped'>, KeepReason> = {
  recent: 'too-recent',
  protected: 'deletion-protected',
  deleting: 'already-deleting',
  'old-success': 'deployment-not-failed',
  'busy-group': 'deployment-in-progress',
  'unknown-deployment': 'deployment-not-found',
  'deleted-deployment-group': 'deployment-group-unknown',
  'in-place': 'not-copied-group',
};

const INSTANCE_TYPES = ['t3.micro', 'm6i.large', 'c6i.large', 'r6i.xlarge'];
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Builds an account of `groups` Auto Scaling groups; deterministic for a seed. */
export const generateAccount = (options: GenerateAccountOptions): GeneratedAccount => {
  const random = seededRandom(options.seed ?? 1);
  const now = options.now ?? Date.now();
  const minAgeMs = options.minAgeMs ?? HOUR;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const usedIds = new Set<string>();
  const deploymentId = (): string => {
    for (;;) {
      const id = `d-${Array.from({ length: 9 }, () => pick([...ALPHANUMERIC])).join('')}`;
      if (!usedIds.has(id)) {
        usedIds.add(id);
        return id;
      }
    }
  };
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');

  const dgCount = Math.max(1, Math.floor(options.groups / 25));
  const busyCount = dgCount >= 2 ? Math.ceil(dgCount / 10) : 0;
  const dgs = Array.from({ length: dgCount }, (_, i) => ({
    application: `app-${Math.floor(i / 3)}`,
    // Underscores and dots too: names are parsed from the right.
    name: [`web-${i}`, `api_${i}_blue`, `svc.${i}_x`][i % 3]!,
    busy: i >= dgCount - busyCount,
    live: [] as string[],
  }));
  const calm = dgs.filter((g) => !g.busy);
  const busy = dgs.filter((g) => g.busy);

  const deployments: DeploymentInfo[] = [];
  const groups: ScenarioAutoScalingGroup[] = [];
  const orphans: string[] = [];
  const kept: Record<string, KeepReason> = {};
  const others: string[] = [];

  const deployment = (
    dg: { application: string; name: string },
    id: string,
    status: DeploymentInfo['status'],
    completedAgoMs: number | undefined,
    style: 'copy' | 'in-place' = 'copy',
  ) => {
    const created = now - (completedAgoMs ?? 0) - 20 * 60_000;
    deployments.push({
      applicationName: dg.application,
      deploymentGroupName: dg.name,
      deploymentId: id,
      status,
      creator: 'user',
      computePlatform: 'Server',
      createTime: new Date(created),
      startTime: new Date(created + 2_000),
      completeTime: completedAgoMs === undefined ? undefined : new Date(now - completedAgoMs),
      ...(style === 'copy'
        ? {
            deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
            blueGreenDeploymentConfiguration: {
              greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
              terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' },
            },
            targetInstances: { autoScalingGroups: [`CodeDeploy_${dg.name}_${id}`] },
          }
        : { deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' } }),
    });
  };

  const group = (name: string, createdAgoMs: number, extra: Partial<ScenarioAutoScalingGroup> = {}) => {
    const size = Math.floor(random() * 4);
    const type = pick(INSTANCE_TYPES);
    groups.push({
      name,
      arn: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}:autoScalingGroupName/${name}`,
      createdTime: new Date(now - createdAgoMs),
      desiredCapacity: size,
      minSize: size,
      maxSize: size + 2,
      launchTemplate: {
        launchTemplateId: `lt-${hex(17)}`,
        launchTemplateName: name.replace(/^CodeDeploy_/, '').slice(0, 60),
        version: '1',
      },
      availabilityZones: ZONES,
      vpcZoneIdentifier: 'subnet-0a1b2c3d4e5f60718',
      healthCheckType: 'EC2',
      targetGroupArns: [],
      lifecycleHookNames: [],
      instances: Array.from({ length: size }, (_, i) => ({
        instanceId: `i-${hex(17)}`,
        instanceType: type,
        availabilityZone: ZONES[i % ZONES.length]!,
        lifecycleState: 'InService',
        healthStatus: 'Healthy' as const,
        protectedFromScaleIn: false,
      })),
      tags: [{ key: 'Name', value: name, propagateAtLaunch: true }],
      deletionProtection: 'none',
      ...extra,
    });
  };

  const copy = (
    dg: { application: string; name: string },
    status: DeploymentInfo['status'],
    completedAgoMs: number | undefined,
    extra?: Partial<ScenarioAutoScalingGroup>,
  ) => {
    const id = deploymentId();
    const name = `CodeDeploy_${dg.name}_${id}`;
    deployment(dg, id, status, completedAgoMs);
    group(name, (completedAgoMs ?? 0) + 15 * 60_000, extra);
    return name;
  };
  const old = () => minAgeMs + HOUR + Math.floor(random() * 72 * HOUR);

  // Each deployment group's live copy (its last success), and the running deployment of busy ones.
  for (const dg of dgs) {
    const live = copy(dg, 'Succeeded', old() + 72 * HOUR);
    dg.live.push(live);
    kept[live] = 'deployment-not-failed';
  }
  for (const dg of busy) {
    const running = copy(dg, 'InProgress', undefined);
    kept[running] = 'deployment-not-failed';
  }

  while (groups.length < options.groups) {
    let kind: Kind = 'plain';
    let roll = random() * TOTAL_WEIGHT;
    for (const [k, w] of WEIGHTS) {
      if ((roll -= w) < 0) {
        kind = k;
        break;
      }
    }
    if (kind === 'busy-group' && busy.length === 0) kind = 'orphan-failed';
    const dg = kind === 'busy-group' ? pick(busy) : pick(calm.length > 0 ? calm : dgs);
    switch (kind) {
      case 'orphan-failed':
      case 'orphan-stopped':
        orphans.push(copy(dg, kind === 'orphan-failed' ? 'Failed' : 'Stopped', old()));
        break;
      case 'recent':
        kept[copy(dg, 'Failed', Math.floor((random() * minAgeMs) / 2))] = EXPECTED.recent;
        break;
      case 'protected':
        kept[
          copy(dg, 'Failed', old(), {
            deletionProtection: pick(['prevent-force-deletion', 'prevent-all-deletion'] as const),
          })
        ] = EXPECTED.protected;
        break;
      case 'deleting':
        kept[copy(dg, 'Stopped', old(), { status: 'Delete in progress' })] = EXPECTED.deleting;
        break;
      case 'old-success':
        kept[copy(dg, 'Succeeded', old())] = EXPECTED['old-success'];
        break;
      case 'busy-group':
        kept[copy(dg, 'Failed', old())] = EXPECTED['busy-group'];
        break;
      case 'unknown-deployment': {
        // The deployment's history is gone (its application was deleted): only the group is left.
        const name = `CodeDeploy_${dg.name}_${deploymentId()}`;
        group(name, old());
        kept[name] = EXPECTED['unknown-deployment'];
        break;
      }
      case 'deleted-deployment-group':
        kept[copy({ application: dg.application, name: `retired-${groups.length}` }, 'Failed', old())] =
          EXPECTED['deleted-deployment-group'];
        break;
      case 'in-place': {
        const id = deploymentId();
        const name = `CodeDeploy_${dg.name}_${id}`;
        deployment(dg, id, 'Failed', old(), 'in-place');
        group(name, old());
        kept[name] = EXPECTED['in-place'];
        break;
      }
      case 'plain': {
        const name = `${dg.name}-asg-${groups.length}`;
        group(name, old());
        others.push(name);
        break;
      }
      case 'lookalike': {
        const name = pick([
          `CodeDeploy_${dg.name}`,
          `CodeDeploy_${dg.name}_d-${hex(6)}`,
          `codedeploy_${dg.name}_${deploymentId()}`,
        ]);
        if (groups.some((g) => g.name === name)) break;
        group(name, old());
        others.push(name);
        break;
      }
    }
  }

  const applications = [...new Set(dgs.map((g) => g.application))].map((applicationName, i) => ({
    applicationId: `${hex(8)}-0000-4000-8000-${String(i).padStart(12, '0')}`,
    applicationName,
    createTime: new Date(now - 400 * 24 * HOUR),
    linkedToGitHub: false,
    computePlatform: 'Server' as const,
  }));
  const deploymentGroups: DeploymentGroupInfo[] = dgs.map((dg, i) => ({
    applicationName: dg.application,
    deploymentGroupName: dg.name,
    deploymentGroupId: `${hex(8)}-1111-4000-8000-${String(i).padStart(12, '0')}`,
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    autoScalingGroups: dg.live.map((name) => ({
      name,
      hook: `CodeDeploy-managed-automatic-launch-deployment-hook-${dg.name}-${hex(8)}`,
    })),
    ec2TagFilters: [],
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: {
      greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
      terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' },
    },
    computePlatform: 'Server',
  }));

  return {
    scenario: {
      now: new Date(now),
      account: '123456789012',
      region: 'us-east-1',
      applications,
      deploymentGroups,
      deployments,
      revisions: [],
      deploymentTargets: {},
      hookExecutions: [],
      hookReports: [],
      autoScalingGroups: groups,
    },
    minAgeMs,
    orphans,
    kept,
    others,
  };
};

/** Every stand-in the cleanup talks to, over one scenario. */
export interface CleanupStandIns {
  /** CodeDeploy, Auto Scaling and EventBridge (point their clients here). */
  aws: AwsStandIn;
  /** EC2 (its own server: EC2's XML has another envelope). */
  ec2: Ec2StandIn;
  autoscaling: AutoScalingAccount;
  bus: EventBus;
  close(): Promise<void>;
}

/** Starts the CodeDeploy, Auto Scaling, EventBridge and EC2 stand-ins over a scenario, on 127.0.0.1. */
export const startCleanupStandIns = async (
  scenario: Scenario,
  options: { busy?: Record<string, number>; pageSize?: number } = {},
): Promise<CleanupStandIns> => {
  const autoscaling = autoScalingAccountFromScenario(scenario, { busy: options.busy });
  const bus = createEventBus({ region: scenario.region, accountId: scenario.account });
  const aws = await startAwsStandIn({
    json: {
      [CODEDEPLOY_TARGET_PREFIX]: codeDeployOperations(scenario, { pageSize: options.pageSize }),
      ...eventBridgeOperations(bus),
    },
    query: autoScalingOperations(autoscaling),
  });
  const ec2 = await startEc2StandIn(ec2InstancesFromScenario(scenario));
  return {
    aws,
    ec2,
    autoscaling,
    bus,
    close: async () => {
      await Promise.all([aws.close(), ec2.close()]);
    },
  };
};

/** SDK clients pointed at the stand-ins (dummy credentials, any region). */
export const standInClients = (standIns: CleanupStandIns, region = 'us-east-1') => {
  // The service's client settings (no SDK retries), one request handler per client.
  const config = () => clientConfig({ region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return {
    codedeploy: new CodeDeployClient({ ...config(), endpoint: standIns.aws.url }),
    autoscaling: new AutoScalingClient({ ...config(), endpoint: standIns.aws.url }),
    eventbridge: new EventBridgeClient({ ...config(), endpoint: standIns.aws.url }),
    ec2: new EC2Client({ ...config(), endpoint: standIns.ec2.url }),
  };
};

/** How a generated sweep went, and whether it did exactly what the generator expects. */
export interface SweepBenchResult {
  groups: number;
  elapsedMs: number;
  summary: CleanupSummary;
  /** The sweep deleted exactly the generated orphans (delete mode) or none (report mode). */
  asExpected: boolean;
  wronglyDeleted: string[];
  wronglyKept: string[];
  /** HTTP requests the stand-ins answered, by operation. */
  apiCalls: Record<string, number>;
}

/**
 * Generates an account of `groups` groups, sweeps it through the real SDK clients against the
 * stand-ins, and checks the outcome against what the generator knows. For the bench:
 * `await benchSweep({ groups: 10_000 })`.
 */
export const benchSweep = async (
  options: GenerateAccountOptions & { mode?: CleanupMode; log?: Logger },
): Promise<SweepBenchResult> => {
  const account = generateAccount(options);
  const standIns = await startCleanupStandIns(account.scenario);
  const clients = standInClients(standIns);
  const mode = options.mode ?? 'delete';
  try {
    const started = performance.now();
    const deadline = deadlineAt(Date.now() + 15 * 60_000);
    const summary = await sweepOrphans({
      codedeploy: codeDeployPortOver(clients.codedeploy),
      autoscaling: autoScalingPortOver(clients.autoscaling),
      instances: async () => ec2PortOver(clients.ec2),
      publish: createCleanupPublisher(eventBridgePortOver(clients.eventbridge), { deadline }),
      mode,
      minAgeMs: account.minAgeMs,
      deadline,
      clock: realClock,
      sleep: realSleep,
      log: options.log ?? createLogger({ level: 'warn' }),
    });
    const elapsedMs = performance.now() - started;
    const deleted = new Set(standIns.autoscaling.deleted);
    const expected = new Set(mode === 'delete' ? account.orphans : []);
    const wronglyDeleted = [...deleted].filter((n) => !expected.has(n));
    const wronglyKept = [...expected].filter((n) => !deleted.has(n));
    return {
      groups: options.groups,
      elapsedMs,
      summary,
      asExpected: wronglyDeleted.length === 0 && wronglyKept.length === 0,
      wronglyDeleted,
      wronglyKept,
      apiCalls: [...standIns.aws.calls, ...standIns.ec2.calls].reduce<Record<string, number>>((acc, c) => {
        acc[c.operation] = (acc[c.operation] ?? 0) + 1;
        return acc;
      }, {}),
    };
  } finally {
    for (const client of Object.values(clients)) client.destroy();
    await standIns.close();
  }
};
