import { describe, expect, it } from 'vitest';
import { MemberAccessError, type Target } from '../../lib/aws/accounts.js';
import type { CleanupDeps } from '../../lib/cleanup/clean-up.js';
import {
  OrganisationSweepError,
  type OrganisationSweepSummary,
  rotateTargets,
  sweepOrganisation,
  sweepTargets,
} from '../../lib/cleanup/organisation.js';
import type { CleanupDetail } from '../../lib/events/sentinel.js';
import { createLogger } from '../../lib/log.js';
import { deadlineAt } from '../../lib/time.js';

// The hub's sweep over its organisation, with in-memory accounts and an injected clock: who is swept
// in which order, with how much time, and what happens to the others when one account fails.

const HUB: Target = { account: '111111111111', region: 'eu-west-1' };
const MEMBERS = [
  { account: '222222222222', regions: ['eu-west-1', 'us-east-1'] },
  { account: '333333333333', regions: ['eu-west-1'] },
  { account: '444444444444', regions: ['ap-southeast-2'] },
];
const HOUR = 3_600_000;
const key = (t: Target) => `${t.account}/${t.region}`;

/**
 * An organisation in memory: each account and region has no Auto Scaling groups, and listing them
 * takes `listingMs` of the injected clock (all of a target's share when larger). Accounts in
 * `denied` cannot be read.
 */
const organisation = (options: { totalMs: number; listingMs?: number; denied?: string[] }) => {
  let now = Date.parse('2026-12-01T10:00:00Z');
  const clock = () => now;
  const started = now;
  const deadline = deadlineAt(started + options.totalMs, clock);
  const swept: string[] = [];
  const shares: Record<string, number> = {};
  const published: CleanupDetail[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ write: (line) => lines.push(JSON.parse(line)) });

  const depsFor = (target: Target, share: { remainingMs(): number }): CleanupDeps => ({
    codedeploy: {
      getDeployment: async () => undefined,
      batchGetDeployments: async () => [],
      getDeploymentGroup: async () => undefined,
      listInProgressDeployments: async () => undefined,
    },
    autoscaling: {
      describeGroup: async () => undefined,
      deleteGroup: async () => 'deleted',
      // eslint-disable-next-line require-yield
      async *listGroups() {
        shares[key(target)] = share.remainingMs();
        if (options.denied?.includes(target.account))
          throw new MemberAccessError(target.account, 'deploy-sentinel-prod-member-cleanup', 'AccessDenied');
        swept.push(key(target));
        now += Math.min(options.listingMs ?? 0, Math.max(0, share.remainingMs()));
      },
    },
    instances: async () => ({ describeInstances: async () => [] }),
    publish: async (details) => void published.push(...details),
    mode: 'delete',
    minAgeMs: HOUR,
    deadline: share,
    clock,
    sleep: async () => {},
    log,
  });

  const run = (scheduleTimeMs: number) => {
    now = started;
    swept.length = 0;
    published.length = 0;
    return sweepOrganisation({
      targets: sweepTargets(HUB, MEMBERS),
      scheduleTimeMs,
      periodMs: HOUR,
      depsFor,
      publish: async (details) => void published.push(...details),
      mode: 'delete',
      deadline,
      clock,
      log,
      minShareMs: 20_000,
    });
  };
  return { run, swept, shares, published, lines };
};

const RUN_0 = 0;

describe('the organisation sweep', () => {
  it("covers the hub's own account and region, then every member region listed, each once", () => {
    expect(sweepTargets(HUB, [...MEMBERS, { account: HUB.account, regions: ['eu-west-1', 'us-east-1'] }])).toEqual([
      HUB,
      { account: '222222222222', region: 'eu-west-1' },
      { account: '222222222222', region: 'us-east-1' },
      { account: '333333333333', region: 'eu-west-1' },
      { account: '444444444444', region: 'ap-southeast-2' },
      { account: HUB.account, region: 'us-east-1' },
    ]);
  });

  it('starts one account further along on each scheduled run', () => {
    const letters = ['a', 'b', 'c', 'd'];
    expect(rotateTargets(letters, 0 * HOUR, HOUR)).toEqual(['a', 'b', 'c', 'd']);
    expect(rotateTargets(letters, 1 * HOUR + 5_000, HOUR)).toEqual(['b', 'c', 'd', 'a']);
    expect(rotateTargets(letters, 5 * HOUR, HOUR)).toEqual(['b', 'c', 'd', 'a']);
    expect(rotateTargets(letters, 1 * HOUR, HOUR, 3)).toEqual(['d', 'a', 'b', 'c']);
  });

  it('gives each account an equal share of the time left, passing on what one did not need', async () => {
    const org = organisation({ totalMs: 500_000, listingMs: 0 });
    const summary = await org.run(RUN_0);
    expect(org.swept).toEqual(sweepTargets(HUB, MEMBERS).map(key));
    expect(summary.notReached).toEqual([]);
    // Nothing was spent, so each account could use what was left divided by those still to come.
    expect(org.shares[key(HUB)]).toBe(100_000);
    expect(org.shares['444444444444/ap-southeast-2']).toBe(500_000);
  });

  it('goes on with the next account when one cannot be read, reports it, and fails the run at the end', async () => {
    const org = organisation({ totalMs: 500_000, denied: ['222222222222'] });
    const failure = (await org.run(RUN_0).catch((e: unknown) => e)) as OrganisationSweepError;
    expect(failure).toBeInstanceOf(OrganisationSweepError);
    // Every other account was swept, after the denied one too.
    expect(org.swept).toEqual([key(HUB), '333333333333/eu-west-1', '444444444444/ap-southeast-2']);
    expect(failure.summary.targets.filter((t) => t.outcome === 'failed')).toEqual([
      expect.objectContaining({
        account: '222222222222',
        region: 'eu-west-1',
        error: 'cannot assume deploy-sentinel-prod-member-cleanup in 222222222222: AccessDenied',
      }),
      expect.objectContaining({ account: '222222222222', region: 'us-east-1' }),
    ]);
    // Reported where people look: one event per account and region, naming it.
    expect(org.published).toEqual([
      expect.objectContaining({
        action: 'sweep-incomplete',
        reason: 'account-unreachable',
        account: '222222222222',
        region: 'eu-west-1',
        reasonText: expect.stringContaining('cannot assume deploy-sentinel-prod-member-cleanup in 222222222222'),
      }),
      expect.objectContaining({ account: '222222222222', region: 'us-east-1', reason: 'account-unreachable' }),
    ]);
    expect(failure.message).toContain('222222222222/us-east-1: cannot assume');
  });

  it('says which accounts it did not reach when time runs out, and reaches them first on the next run', async () => {
    // 60 s for five accounts at a 20 s minimum share: three fit, and each uses all of its share.
    const org = organisation({ totalMs: 60_000, listingMs: 60_000 });
    const first: OrganisationSweepSummary = await org.run(RUN_0);
    const all = sweepTargets(HUB, MEMBERS).map(key);
    expect(org.swept).toEqual(all.slice(0, 3));
    expect(first.notReached.map(key)).toEqual(all.slice(3));
    expect(org.published.filter((d) => d.reason === 'deadline').map((d) => `${d.account}/${d.region}`)).toEqual(
      all.slice(3),
    );
    expect(org.lines).toContainEqual(expect.objectContaining({ level: 'warn', notReached: all.slice(3) }));

    const second = await org.run(RUN_0 + HOUR);
    expect(org.swept.slice(0, 2)).toEqual(all.slice(3));
    expect(org.swept).toEqual([...all.slice(3), all[0]]);
    expect(second.notReached.map(key)).toEqual(all.slice(1, 3));
  });
});
