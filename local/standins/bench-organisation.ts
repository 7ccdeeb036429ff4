import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { STSClient } from '@aws-sdk/client-sts';
import { createAccountPorts, type Target } from '../../lib/aws/accounts.js';
import { autoScalingPortOver } from '../../lib/aws/autoscaling.js';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { type AwsClientOptions, clientConfig } from '../../lib/aws/config.js';
import { eventBridgePortOver } from '../../lib/aws/eventbridge.js';
import { stsPortOver } from '../../lib/aws/sts.js';
import type { CleanupDeps } from '../../lib/cleanup/clean-up.js';
import { type OrganisationSweepSummary, sweepOrganisation, sweepTargets } from '../../lib/cleanup/organisation.js';
import { createCleanupPublisher } from '../../lib/cleanup/publish.js';
import { createLogger } from '../../lib/log.js';
import { type Deadline, deadlineAt, realClock, realSleep } from '../../lib/time.js';
import { startAwsStandIn } from './aws.js';
import { createEventBus, eventBridgeOperations } from './eventbridge.js';
import { generateAccount } from './generate-account.js';
import { organisationRoute, type Place, placeKey, placeOf } from './organisation.js';
import { type StsModel, stsOperations } from './sts.js';

/** How an organisation sweep went, account by account, against what the generator expects. */
export interface OrganisationSweepBench {
  accounts: number;
  groupsPerAccount: number;
  elapsedMs: number;
  summary: OrganisationSweepSummary;
  /** Every account lost exactly its generated orphans, and nothing else. */
  asExpected: boolean;
  assumeRoleCalls: number;
  /** HTTP requests the stand-in answered, by operation. */
  apiCalls: Record<string, number>;
}

const HUB = '100000000000';
const ROLE = 'deploy-sentinel-bench-member-cleanup';

/**
 * Generates `accounts` accounts of `groups` groups each (the first is the hub's own, the others
 * members in two regions), puts them behind one stand-in endpoint with STS, and runs the hub's
 * organisation sweep through the real SDK clients, each member through its assumed role.
 */
export const benchOrganisationSweep = async (options: {
  accounts: number;
  groups: number;
}): Promise<OrganisationSweepBench> => {
  const now = Date.now();
  const targets: Target[] = Array.from({ length: options.accounts }, (_, i) => ({
    account: String(Number(HUB) + i),
    region: i % 2 === 0 ? 'us-east-1' : 'eu-west-1',
  }));
  const generated = targets.map((t, i) => ({
    target: t,
    account: generateAccount({ groups: options.groups, seed: 11 + i, now }),
  }));
  const places = new Map<string, Place>();
  for (const { target, account } of generated)
    places.set(placeKey(target.account, target.region), placeOf(account.scenario, target.account, target.region));
  const home = places.get(placeKey(HUB, 'us-east-1'))!;
  places.delete(placeKey(HUB, 'us-east-1'));
  const bus = createEventBus({ accountId: HUB });
  const sts: StsModel = {
    roles: new Set(targets.slice(1).map((t) => `arn:aws:iam::${t.account}:role/${ROLE}`)),
    assumed: [],
  };
  const aws = await startAwsStandIn({
    json: { ...home.operations.json, ...eventBridgeOperations(bus) },
    query: { ...home.operations.query, ...stsOperations(sts) },
    route: organisationRoute({ account: HUB, region: 'us-east-1' }, places),
  });
  const clients: Array<{ destroy(): void }> = [];
  const client = <C extends { destroy(): void }>(Client: new (config: object) => C, o: AwsClientOptions) => {
    const c = new Client({
      ...clientConfig({ credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...o }),
      endpoint: aws.url,
    });
    clients.push(c);
    return c;
  };
  try {
    const log = createLogger({ level: 'error' });
    const accounts = createAccountPorts(
      { homeAccount: HUB, memberRole: ROLE },
      {
        region: 'us-east-1',
        log,
        sessionName: 'bench',
        clock: realClock,
        sts: stsPortOver(client(STSClient, { region: 'us-east-1' })),
      },
    );
    const codedeployFor = accounts.of((o) => codeDeployPortOver(client(CodeDeployClient, o)));
    const autoscalingFor = accounts.of((o) => autoScalingPortOver(client(AutoScalingClient, o)));
    const events = eventBridgePortOver(client(EventBridgeClient, { region: 'us-east-1' }));
    const deadline = deadlineAt(now + 15 * 60_000);
    const depsFor = (target: Target, share: Deadline): CleanupDeps => ({
      codedeploy: codedeployFor(target),
      autoscaling: autoscalingFor(target),
      instances: async () => ({ describeInstances: async () => [] }),
      publish: createCleanupPublisher(events, { deadline: share }),
      mode: 'delete',
      minAgeMs: generated[0]!.account.minAgeMs,
      deadline: share,
      clock: realClock,
      sleep: realSleep,
      log,
      target,
    });
    const started = performance.now();
    const summary = await sweepOrganisation({
      targets: sweepTargets(
        targets[0]!,
        targets.slice(1).map((t) => ({ account: t.account, regions: [t.region] })),
      ),
      scheduleTimeMs: now,
      periodMs: 3_600_000,
      depsFor,
      publish: createCleanupPublisher(events, { deadline }),
      mode: 'delete',
      deadline,
      clock: realClock,
      log,
    });
    const elapsedMs = performance.now() - started;
    const asExpected = generated.every(({ target, account }) => {
      const place = target.account === HUB ? home : places.get(placeKey(target.account, target.region))!;
      const deleted = new Set(place.autoscaling.deleted);
      return deleted.size === account.orphans.length && account.orphans.every((n) => deleted.has(n));
    });
    return {
      accounts: options.accounts,
      groupsPerAccount: options.groups,
      elapsedMs,
      summary,
      asExpected,
      assumeRoleCalls: sts.assumed.length,
      apiCalls: aws.calls.reduce<Record<string, number>>((acc, c) => {
        acc[c.operation] = (acc[c.operation] ?? 0) + 1;
        return acc;
      }, {}),
    };
  } finally {
    for (const c of clients) c.destroy();
    await aws.close();
  }
};
