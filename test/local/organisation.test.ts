import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAccountPorts, type Target } from '../../lib/aws/accounts.js';
import { autoScalingPortOver } from '../../lib/aws/autoscaling.js';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { type AwsClientOptions, clientConfig } from '../../lib/aws/config.js';
import { eventBridgePortOver } from '../../lib/aws/eventbridge.js';
import { stsPortOver } from '../../lib/aws/sts.js';
import { type CleanupDeps, CleanupError, cleanUpAfterDeployment } from '../../lib/cleanup/clean-up.js';
import { OrganisationSweepError, sweepOrganisation, sweepTargets } from '../../lib/cleanup/organisation.js';
import { createCleanupPublisher } from '../../lib/cleanup/publish.js';
import { cleanupEventSchema } from '../../lib/events/sentinel.js';
import { createLogger } from '../../lib/log.js';
import { type Deadline, deadlineAt, realClock } from '../../lib/time.js';
import { createScenario } from '../../local/scenario.js';
import { type AwsStandIn, startAwsStandIn } from '../../local/standins/aws.js';
import { createEventBus, type EventBus, eventBridgeOperations } from '../../local/standins/eventbridge.js';
import { organisationRoute, type Place, placeKey, placeOf } from '../../local/standins/organisation.js';
import { type StsModel, stsOperations } from '../../local/standins/sts.js';

// A hub and its members against stand-ins that keep each account's and region's state apart and
// answer AssumeRole: the real SDK clients sign every call with the credentials the hub would use, so
// a call that went to the wrong account would find (and delete) that account's group.

const HUB = '123456789012';
const MEMBER = '210987654321';
const DENIED = '333344445555';
const HOME_REGION = 'us-east-1';
const ROLE = 'deploy-sentinel-local-member-cleanup';
const ORPHAN = 'CodeDeploy_checkout-prod_d-F41LED001';
const STOPPED = 'CodeDeploy_checkout-prod_d-ST0PPED01';

const HUB_PLACE: Target = { account: HUB, region: HOME_REGION };
const MEMBER_PLACE: Target = { account: MEMBER, region: HOME_REGION };
const MEMBER_OTHER_REGION: Target = { account: MEMBER, region: 'eu-west-1' };
const DENIED_PLACE: Target = { account: DENIED, region: 'eu-west-1' };

let aws: AwsStandIn;
let places: Map<string, Place>;
/** Every place, the hub's own among them (which the stand-in serves by default). */
let all: Map<string, Place>;
let bus: EventBus;
let sts: StsModel;
const clients: Array<{ destroy(): void }> = [];

beforeEach(async () => {
  const now = Date.now();
  places = new Map(
    [HUB_PLACE, MEMBER_PLACE, MEMBER_OTHER_REGION, DENIED_PLACE].map((t) => [
      placeKey(t.account, t.region),
      // The same demo account everywhere: identically named groups in every account and region.
      placeOf(createScenario(now), t.account, t.region),
    ]),
  );
  bus = createEventBus({ accountId: HUB, region: HOME_REGION });
  sts = { roles: new Set([`arn:aws:iam::${MEMBER}:role/${ROLE}`]), assumed: [] };
  all = new Map(places);
  const home = places.get(placeKey(HUB, HOME_REGION))!;
  places.delete(placeKey(HUB, HOME_REGION));
  aws = await startAwsStandIn({
    json: { ...home.operations.json, ...eventBridgeOperations(bus) },
    query: { ...home.operations.query, ...stsOperations(sts) },
    route: organisationRoute(HUB_PLACE, places),
  });
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await aws.close();
});

/** The hub's own key for its own account; assumed keys for members (the ports decide which). */
const against = <C extends { destroy(): void }>(
  Client: new (config: ReturnType<typeof clientConfig> & { endpoint: string }) => C,
  options: AwsClientOptions,
) => {
  const client = new Client({
    ...clientConfig({ credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...options }),
    endpoint: aws.url,
  });
  clients.push(client);
  return client;
};

const hubCleanup = () => {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ write: (line) => lines.push(JSON.parse(line)) });
  const accounts = createAccountPorts(
    { homeAccount: HUB, memberRole: ROLE },
    {
      region: HOME_REGION,
      log,
      sessionName: 'deploy-sentinel-local-clean-up-orphans',
      clock: realClock,
      sts: stsPortOver(against(STSClient, { region: HOME_REGION })),
    },
  );
  const codedeployFor = accounts.of((o) => codeDeployPortOver(against(CodeDeployClient, o)));
  const autoscalingFor = accounts.of((o) => autoScalingPortOver(against(AutoScalingClient, o)));
  const events = eventBridgePortOver(against(EventBridgeClient, { region: HOME_REGION }));
  const depsFor = (target: Target, deadline: Deadline): CleanupDeps => ({
    codedeploy: codedeployFor(target),
    autoscaling: autoscalingFor(target),
    instances: async () => ({ describeInstances: async () => [] }),
    publish: createCleanupPublisher(events, { deadline, sleep: async () => {} }),
    mode: 'delete',
    minAgeMs: 60 * 60_000,
    deadline,
    clock: realClock,
    sleep: async () => {},
    log,
    target,
  });
  return { depsFor, accounts, log, lines };
};

const groupsOf = (t: Target) =>
  all
    .get(placeKey(t.account, t.region))!
    .scenario.autoScalingGroups.map((g) => g.name)
    .filter((n) => n === ORPHAN || n === STOPPED);
const deletions = () =>
  aws.calls
    .filter((c) => c.operation === 'DeleteAutoScalingGroup')
    .map(
      (c) => `${c.caller?.accessKeyId} ${c.caller?.region} ${(c.input as Record<string, string>).AutoScalingGroupName}`,
    );
const published = () => bus.events.map((e) => cleanupEventSchema.parse(e).detail);
const deadline = () => deadlineAt(Date.now() + 60_000);

describe('a cleanup in a hub', () => {
  it("deletes only in the event's own account and region, though every account has a group of that name", async () => {
    const { depsFor } = hubCleanup();
    const summary = await cleanUpAfterDeployment('d-F41LED001', depsFor(MEMBER_PLACE, deadline()));

    expect(summary.deleted).toEqual([ORPHAN]);
    expect(deletions()).toEqual([`ASIA${MEMBER}LOCL us-east-1 ${ORPHAN}`]);
    expect(groupsOf(MEMBER_PLACE)).not.toContain(ORPHAN);
    for (const untouched of [HUB_PLACE, MEMBER_OTHER_REGION, DENIED_PLACE])
      expect(groupsOf(untouched)).toContain(ORPHAN);
    // What it published says where the group was, though it went on the hub's bus.
    expect(published()).toEqual([
      expect.objectContaining({
        action: 'deleted',
        autoScalingGroupName: ORPHAN,
        account: MEMBER,
        region: 'us-east-1',
      }),
    ]);
    expect(bus.events[0]).toMatchObject({ account: HUB });
  });

  it("deletes in the hub's own account with its own credentials, and in a member's other region with the member's", async () => {
    const { depsFor, accounts } = hubCleanup();
    await cleanUpAfterDeployment('d-F41LED001', depsFor(HUB_PLACE, deadline()));
    await cleanUpAfterDeployment('d-F41LED001', depsFor(MEMBER_OTHER_REGION, deadline()));
    await cleanUpAfterDeployment('d-F41LED001', depsFor(MEMBER_PLACE, deadline()));
    expect(deletions()).toEqual([
      `local us-east-1 ${ORPHAN}`,
      `ASIA${MEMBER}LOCL eu-west-1 ${ORPHAN}`,
      `ASIA${MEMBER}LOCL us-east-1 ${ORPHAN}`,
    ]);
    // One AssumeRole for the member, whatever the region; none for the hub's own account.
    expect(sts.assumed).toEqual([`arn:aws:iam::${MEMBER}:role/${ROLE}`]);
    expect(accounts.credentials?.assumed).toBe(1);
    expect(groupsOf(DENIED_PLACE)).toContain(ORPHAN);
  });

  it('keeps the group of a member whose role is missing, says why, and logs the account, region and role', async () => {
    const { depsFor, lines } = hubCleanup();
    const failure = await cleanUpAfterDeployment('d-F41LED001', depsFor(DENIED_PLACE, deadline())).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(CleanupError);
    expect(deletions()).toEqual([]);
    expect(groupsOf(DENIED_PLACE)).toContain(ORPHAN);
    expect(published()).toEqual([
      expect.objectContaining({
        action: 'kept',
        reason: 'account-unreachable',
        deploymentId: 'd-F41LED001',
        account: DENIED,
        region: 'eu-west-1',
        reasonText: expect.stringContaining(`cannot assume ${ROLE} in ${DENIED}: AccessDenied`),
      }),
    ]);
    expect(lines.filter((l) => l.message === 'member account unreachable')).toEqual([
      expect.objectContaining({ account: DENIED, region: 'eu-west-1', role: ROLE }),
    ]);
  });

  it('sweeps every account and region, each in its own state, and goes on past the one it cannot read', async () => {
    const { depsFor } = hubCleanup();
    const failure = (await sweepOrganisation({
      targets: sweepTargets(HUB_PLACE, [
        { account: DENIED, regions: ['eu-west-1'] },
        { account: MEMBER, regions: ['us-east-1', 'eu-west-1'] },
      ]),
      scheduleTimeMs: 0,
      periodMs: 3_600_000,
      depsFor,
      publish: depsFor(HUB_PLACE, deadline()).publish,
      mode: 'delete',
      deadline: deadlineAt(Date.now() + 600_000),
      clock: realClock,
      log: createLogger({ write: () => {} }),
    }).catch((e: unknown) => e)) as OrganisationSweepError;

    expect(failure).toBeInstanceOf(OrganisationSweepError);
    for (const swept of [HUB_PLACE, MEMBER_PLACE, MEMBER_OTHER_REGION]) expect(groupsOf(swept)).toEqual([]);
    expect(groupsOf(DENIED_PLACE)).toEqual(expect.arrayContaining([ORPHAN, STOPPED]));
    expect(failure.summary.targets.map((t) => `${t.account}/${t.region} ${t.outcome}`)).toEqual([
      `${HUB}/us-east-1 swept`,
      `${DENIED}/eu-west-1 failed`,
      `${MEMBER}/us-east-1 swept`,
      `${MEMBER}/eu-west-1 swept`,
    ]);
    expect(published().filter((d) => d.reason === 'account-unreachable')).toEqual([
      expect.objectContaining({ action: 'sweep-incomplete', account: DENIED, region: 'eu-west-1' }),
    ]);
  });
});
