import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CleanupFacts,
  copiedGroupName,
  createdGroupName,
  decideCleanup,
  type DeploymentFacts,
  greenFleetTagSet,
  KEEP_REASONS,
  type KeepReason,
  parseCopiedGroupName,
  toEc2TagFilter,
} from '../../lib/cleanup/decide.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-20T17:00:00Z');
const ORPHAN = 'CodeDeploy_web_prod_d-F41LED001';
const LIVE = 'CodeDeploy_web_prod_d-SUCC3SS01';

/** A failed copy deployment two hours old whose group may go: every rule holds. */
const orphanFacts = (trigger: CleanupFacts['trigger'] = 'sweep'): CleanupFacts => ({
  trigger,
  groupName: ORPHAN,
  deployment: {
    deploymentId: 'd-F41LED001',
    application: 'shop',
    deploymentGroup: 'web_prod',
    status: 'Failed',
    deploymentType: 'BLUE_GREEN',
    greenFleetAction: 'COPY_AUTO_SCALING_GROUP',
    autoScalingGroups: [ORPHAN],
    completeTime: new Date(NOW - 2 * HOUR),
  },
  deploymentGroup: { application: 'shop', deploymentGroup: 'web_prod', liveAutoScalingGroups: [LIVE] },
  inProgressDeploymentIds: [],
  group: {
    name: ORPHAN,
    deletionProtection: 'none',
    createdTimeMs: NOW - 3 * HOUR,
    instances: [{ instanceId: 'i-0a1b2c3d4e5f60001', instanceType: 'm6i.large' }],
  },
  nowMs: NOW,
  minAgeMs: HOUR,
});

const withDeployment = (change: Partial<DeploymentFacts>, base = orphanFacts()): CleanupFacts => ({
  ...base,
  deployment: { ...base.deployment!, ...change },
});

describe('parseCopiedGroupName', () => {
  it('splits the deployment id from the right, so group names may hold underscores', () => {
    expect(parseCopiedGroupName('CodeDeploy_web_prod_d-F41LED001')).toEqual({
      deploymentGroup: 'web_prod',
      deploymentId: 'd-F41LED001',
    });
    expect(parseCopiedGroupName('CodeDeploy_a_d-ABCDEFGH1_d-123456789')).toEqual({
      deploymentGroup: 'a_d-ABCDEFGH1',
      deploymentId: 'd-123456789',
    });
  });

  it.each([
    'web-asg',
    'codedeploy_web_d-ABCDEFGH1',
    'CodeDeploy_web_d-abcdefgh1',
    'CodeDeploy_web_d-ABCDEFGH',
    'CodeDeploy_web_d-ABCDEFGH12',
    'CodeDeploy_d-ABCDEFGH1',
    'CodeDeploy__d-ABCDEFGH1',
    'CodeDeploy_web_d-ABCDEFGH1-copy',
    'CodeDeploy_web',
  ])('rejects %s', (name) => {
    expect(parseCopiedGroupName(name)).toBeUndefined();
  });

  it('reads back every name the naming rule produces', () => {
    const groupName = fc.stringMatching(/^[A-Za-z0-9._-]{1,100}$/);
    const deploymentId = fc.stringMatching(/^d-[A-Z0-9]{9}$/);
    fc.assert(
      fc.property(groupName, deploymentId, (group, id) => {
        expect(parseCopiedGroupName(copiedGroupName(group, id))).toEqual({ deploymentGroup: group, deploymentId: id });
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('createdGroupName', () => {
  it('prefers targetInstances.autoScalingGroups[0] when it carries the deployment id', () => {
    const renamed = {
      deploymentId: 'd-F41LED001',
      deploymentGroup: 'web-new',
      autoScalingGroups: ['CodeDeploy_web-old_d-F41LED001'],
    };
    expect(createdGroupName(renamed)).toBe('CodeDeploy_web-old_d-F41LED001');
  });

  it("falls back to the naming rule when the listed group is the source group or another deployment's copy", () => {
    expect(
      createdGroupName({ deploymentId: 'd-F41LED001', deploymentGroup: 'web', autoScalingGroups: ['web-asg'] }),
    ).toBe('CodeDeploy_web_d-F41LED001');
    expect(createdGroupName({ deploymentId: 'd-F41LED001', deploymentGroup: 'web', autoScalingGroups: [LIVE] })).toBe(
      'CodeDeploy_web_d-F41LED001',
    );
  });

  it('names nothing without a deployment group or with a malformed id', () => {
    expect(createdGroupName({ deploymentId: 'd-F41LED001' })).toBeUndefined();
    expect(createdGroupName({ deploymentId: 'not-an-id', deploymentGroup: 'web' })).toBeUndefined();
  });
});

describe('decideCleanup: one test per rule', () => {
  it('deletes an orphan when every rule holds, from the sweep and from the event', () => {
    expect(decideCleanup(orphanFacts('sweep'))).toEqual({ kind: 'delete', groupName: ORPHAN, reason: 'orphan' });
    expect(decideCleanup(orphanFacts('event'))).toEqual({ kind: 'delete', groupName: ORPHAN, reason: 'orphan' });
  });

  it('deletes the copy of a stopped deployment too', () => {
    expect(decideCleanup(withDeployment({ status: 'Stopped' })).kind).toBe('delete');
  });

  const refusals: Array<[KeepReason, string, CleanupFacts]> = [
    ['deployment-not-found', 'CodeDeploy does not know the deployment', { ...orphanFacts(), deployment: undefined }],
    [
      'not-copied-group',
      'an in-place deployment',
      withDeployment({ deploymentType: 'IN_PLACE', greenFleetAction: undefined }),
    ],
    [
      'not-copied-group',
      'blue/green on existing instances, seen by the sweep',
      withDeployment({ greenFleetAction: 'DISCOVER_EXISTING' }),
    ],
    ['deployment-not-failed', 'a succeeded deployment (its copy is live)', withDeployment({ status: 'Succeeded' })],
    ['deployment-not-failed', 'a deployment still waiting for traffic', withDeployment({ status: 'Ready' })],
    ['deployment-not-failed', 'a deployment with no status', withDeployment({ status: undefined })],
    [
      'not-created-by-deployment',
      'a look-alike name with another deployment id',
      { ...orphanFacts(), groupName: 'CodeDeploy_web_prod_d-0THER0001' },
    ],
    [
      'not-created-by-deployment',
      'a name of another deployment group',
      { ...orphanFacts(), groupName: 'CodeDeploy_web_d-F41LED001' },
    ],
    ['not-created-by-deployment', 'no name at all', { ...orphanFacts(), groupName: undefined }],
    [
      'deployment-group-unknown',
      'the deployment group could not be read',
      { ...orphanFacts(), deploymentGroup: undefined },
    ],
    [
      'deployment-group-unknown',
      'running deployments could not be listed',
      { ...orphanFacts(), inProgressDeploymentIds: undefined },
    ],
    [
      'deployment-group-unknown',
      'the facts describe another deployment group',
      { ...orphanFacts(), deploymentGroup: { application: 'shop', deploymentGroup: 'api', liveAutoScalingGroups: [] } },
    ],
    [
      'live-group',
      'the deployment group deploys to it',
      {
        ...orphanFacts(),
        deploymentGroup: { ...orphanFacts().deploymentGroup!, liveAutoScalingGroups: [LIVE, ORPHAN] },
      },
    ],
    ['deployment-in-progress', 'a rollback is running', { ...orphanFacts(), inProgressDeploymentIds: ['d-R0LLBK001'] }],
    ['group-not-found', 'the group is gone', { ...orphanFacts(), group: undefined }],
    [
      'group-not-found',
      'the facts describe another group',
      { ...orphanFacts(), group: { ...orphanFacts().group!, name: LIVE } },
    ],
    [
      'already-deleting',
      'a deletion is under way',
      { ...orphanFacts(), group: { ...orphanFacts().group!, status: 'Delete in progress' } },
    ],
    [
      'deletion-protected',
      'prevent-force-deletion',
      { ...orphanFacts(), group: { ...orphanFacts().group!, deletionProtection: 'prevent-force-deletion' } },
    ],
    [
      'deletion-protected',
      'prevent-all-deletion',
      { ...orphanFacts(), group: { ...orphanFacts().group!, deletionProtection: 'prevent-all-deletion' } },
    ],
    [
      'too-recent',
      'the sweep sees a deployment that completed 10 minutes ago',
      withDeployment({ completeTime: new Date(NOW - 10 * 60_000) }),
    ],
    ['too-recent', 'the sweep cannot tell when the deployment completed', withDeployment({ completeTime: undefined })],
  ];

  it.each(refusals)('keeps with %s: %s', (reason, _why, facts) => {
    expect(decideCleanup(facts)).toEqual({ kind: 'keep', groupName: facts.groupName, reason });
  });

  it('covers every refusal reason', () => {
    expect(new Set(refusals.map(([reason]) => reason))).toEqual(new Set(Object.keys(KEEP_REASONS)));
  });

  it('treats an absent deletion protection as none (the API default)', () => {
    const { deletionProtection: _omitted, ...group } = orphanFacts().group!;
    expect(decideCleanup({ ...orphanFacts(), group }).kind).toBe('delete');
  });

  it('acts at once on the event, whatever the minimum age', () => {
    const facts = withDeployment({ completeTime: new Date(NOW - 1_000) }, orphanFacts('event'));
    expect(decideCleanup(facts).kind).toBe('delete');
  });

  it('asks for the green instances of a failed DISCOVER_EXISTING deployment on the event path only', () => {
    const discover = { greenFleetAction: 'DISCOVER_EXISTING' as const, autoScalingGroups: undefined };
    expect(decideCleanup(withDeployment(discover, { ...orphanFacts('event'), groupName: undefined }))).toEqual({
      kind: 'report-green-instances',
      reason: 'existing-instances',
    });
    expect(decideCleanup(withDeployment({ ...discover, status: 'Succeeded' }, orphanFacts('event'))).kind).toBe('keep');
  });

  it('has words for every reason', () => {
    for (const text of Object.values(KEEP_REASONS)) expect(text.length).toBeGreaterThan(10);
  });
});

describe('tag filters for the green instances', () => {
  it("uses the deployment's own filters before the deployment group's", () => {
    const own = [[{ key: 'release', value: 'r2', type: 'KEY_AND_VALUE' }]];
    const group = [[{ key: 'env', value: 'prod', type: 'KEY_AND_VALUE' }]];
    const dg = { application: 'a', deploymentGroup: 'g', liveAutoScalingGroups: [], tagSet: group };
    expect(greenFleetTagSet({ deploymentId: 'd-1', targetTagSet: own }, dg)).toBe(own);
    expect(greenFleetTagSet({ deploymentId: 'd-1', targetTagSet: [[]] }, dg)).toBe(group);
    expect(greenFleetTagSet({ deploymentId: 'd-1' }, undefined)).toBeUndefined();
  });

  it('maps the three CodeDeploy filter types to EC2 filters', () => {
    expect(toEc2TagFilter({ key: 'release', value: 'r2', type: 'KEY_AND_VALUE' })).toEqual({
      name: 'tag:release',
      values: ['r2'],
    });
    expect(toEc2TagFilter({ key: 'release', type: 'KEY_ONLY' })).toEqual({ name: 'tag-key', values: ['release'] });
    expect(toEc2TagFilter({ value: 'r2', type: 'VALUE_ONLY' })).toEqual({ name: 'tag-value', values: ['r2'] });
    expect(toEc2TagFilter({ type: 'KEY_ONLY' })).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Safety on generated account states.

const IDS = ['d-F41LED001', 'd-SUCC3SS01', 'd-ST0PPED01', 'd-ABCDEFGH1'];
const GROUPS = ['web', 'web_prod', 'a_d-ABCDEFGH1', 'api-1'];

const deploymentId = fc.oneof(fc.constantFrom(...IDS), fc.stringMatching(/^d-[A-Z0-9]{9}$/));
const deploymentGroupName = fc.oneof(fc.constantFrom(...GROUPS), fc.stringMatching(/^[a-z0-9_-]{1,12}$/));

/** Names a region may hold: exact copies, copies of other deployments or groups, look-alikes. */
const groupName = fc.oneof(
  fc.tuple(deploymentGroupName, deploymentId).map(([g, id]) => copiedGroupName(g, id)),
  fc.tuple(deploymentGroupName, deploymentId).map(([g, id]) => copiedGroupName(g, id).toLowerCase()),
  fc.tuple(deploymentGroupName, deploymentId).map(([g, id]) => `${copiedGroupName(g, id)}-copy`),
  fc.tuple(deploymentGroupName, deploymentId).map(([g, id]) => `CodeDeploy_${g}_${id.slice(0, -1)}`),
  fc.constantFrom('web-asg', 'bastion-asg', 'CodeDeploy_web'),
);

/** Mostly `good`, sometimes one of `bad`: states stay near an orphan, so every rule gets exercised. */
const mostly = <T>(good: fc.Arbitrary<T>, ...bad: Array<fc.Arbitrary<T>>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: fc.oneof(...bad) });

const deploymentFacts = fc
  .record({
    deploymentId,
    application: fc.constantFrom('shop', 'api'),
    deploymentGroup: mostly(deploymentGroupName, fc.constant(undefined)),
    status: mostly(
      fc.constantFrom('Failed', 'Stopped'),
      fc.constantFrom('Created', 'Queued', 'InProgress', 'Baking', 'Ready', 'Succeeded', 'failed', 'Unknown'),
      fc.constant(undefined),
    ),
    deploymentType: mostly(fc.constant('BLUE_GREEN'), fc.constant('IN_PLACE'), fc.constant(undefined)),
    greenFleetAction: mostly(
      fc.constant('COPY_AUTO_SCALING_GROUP'),
      fc.constant('DISCOVER_EXISTING'),
      fc.constant(undefined),
    ),
    listed: fc.constantFrom('own', 'own', 'others', 'none'),
    others: fc.array(groupName, { minLength: 1, maxLength: 2 }),
    completeTime: mostly(
      fc.integer({ min: NOW - 72 * HOUR, max: NOW }).map((ms) => new Date(ms)),
      fc.constant(undefined),
    ),
  })
  .map(({ listed, others, ...d }): DeploymentFacts => {
    const own = d.deploymentGroup ? copiedGroupName(d.deploymentGroup, d.deploymentId) : undefined;
    const autoScalingGroups = listed === 'own' && own ? [own] : listed === 'others' ? others : undefined;
    return { ...d, autoScalingGroups };
  });

const accountState = fc
  .record({
    trigger: fc.constantFrom('event' as const, 'sweep' as const),
    deployment: mostly(deploymentFacts, fc.constant(undefined)),
    candidate: groupName,
    useCreatedName: mostly(fc.constant(true), fc.constant(false)),
    liveNames: fc.array(groupName, { maxLength: 3 }),
    candidateIsLive: mostly(fc.constant(false), fc.constant(true)),
    groupFactsMatch: mostly(fc.constant(true), fc.constant(false)),
    dgKnown: mostly(fc.constant(true), fc.constant(false)),
    dgMatches: mostly(fc.constant(true), fc.constant(false)),
    inProgress: mostly(
      fc.constant<string[] | undefined>([]),
      fc.array(deploymentId, { minLength: 1, maxLength: 2 }),
      fc.constant(undefined),
    ),
    groupExists: mostly(fc.constant(true), fc.constant(false)),
    status: mostly(fc.constant(undefined), fc.constantFrom('Delete in progress', 'Updating')),
    protection: mostly(
      fc.constantFrom('none', undefined),
      fc.constantFrom('prevent-force-deletion', 'prevent-all-deletion'),
    ),
    minAgeMs: fc.integer({ min: 0, max: 48 * HOUR }),
  })
  .map((s): CleanupFacts => {
    // Mostly the candidate is the name the deployment would have made, to reach the deeper rules.
    const created = s.deployment && createdGroupName(s.deployment);
    const name = s.useCreatedName && created ? created : s.candidate;
    const live = s.candidateIsLive ? [...s.liveNames, name] : s.liveNames;
    return {
      trigger: s.trigger,
      groupName: name,
      deployment: s.deployment,
      deploymentGroup: s.dgKnown
        ? {
            application: s.dgMatches ? (s.deployment?.application ?? 'shop') : 'other',
            deploymentGroup: s.dgMatches ? (s.deployment?.deploymentGroup ?? 'web') : 'other',
            liveAutoScalingGroups: live,
          }
        : undefined,
      inProgressDeploymentIds: s.inProgress,
      group: s.groupExists
        ? {
            name: s.groupFactsMatch ? name : `${name}x`,
            status: s.status,
            deletionProtection: s.protection,
            instances: [],
          }
        : undefined,
      nowMs: NOW,
      minAgeMs: s.minAgeMs,
    };
  });

describe('decideCleanup on generated account states', () => {
  const RUNS = { numRuns: 5_000 };

  it('reach every outcome, deletions included (otherwise the properties below would prove little)', () => {
    const seen = new Set(
      fc.sample(accountState, { numRuns: 5_000, seed: 42 }).map((facts) => {
        const decision = decideCleanup(facts);
        return decision.kind === 'keep' ? decision.reason : decision.kind;
      }),
    );
    expect(seen).toEqual(new Set([...Object.keys(KEEP_REASONS), 'delete', 'report-green-instances']));
  });

  it('never selects a live group', () => {
    fc.assert(
      fc.property(accountState, (facts) => {
        const decision = decideCleanup(facts);
        if (decision.kind === 'delete')
          expect(facts.deploymentGroup!.liveAutoScalingGroups).not.toContain(decision.groupName);
      }),
      RUNS,
    );
  });

  it('never selects a group whose deployment did not fail or stop, or did not copy a group', () => {
    fc.assert(
      fc.property(accountState, (facts) => {
        if (decideCleanup(facts).kind !== 'delete') return;
        expect(['Failed', 'Stopped']).toContain(facts.deployment!.status);
        expect(facts.deployment!.deploymentType).toBe('BLUE_GREEN');
        expect(facts.deployment!.greenFleetAction).toBe('COPY_AUTO_SCALING_GROUP');
      }),
      RUNS,
    );
  });

  it('never selects a name that deployment did not create', () => {
    fc.assert(
      fc.property(accountState, (facts) => {
        const decision = decideCleanup(facts);
        if (decision.kind !== 'delete') return;
        const d = facts.deployment!;
        expect(decision.groupName).toBe(facts.groupName);
        expect(decision.groupName.startsWith('CodeDeploy_')).toBe(true);
        expect(decision.groupName.endsWith(`_${d.deploymentId}`)).toBe(true);
        expect([d.autoScalingGroups?.[0], `CodeDeploy_${d.deploymentGroup}_${d.deploymentId}`]).toContain(
          decision.groupName,
        );
      }),
      RUNS,
    );
  });

  it('never deletes while a deployment of the group runs, a deletion runs, protection is on, or (sweep) too early', () => {
    fc.assert(
      fc.property(accountState, (facts) => {
        if (decideCleanup(facts).kind !== 'delete') return;
        expect(facts.inProgressDeploymentIds).toEqual([]);
        expect(facts.group?.name).toBe(facts.groupName);
        expect(facts.group?.status).toBeUndefined();
        expect(facts.group?.deletionProtection ?? 'none').toBe('none');
        expect(facts.deploymentGroup?.deploymentGroup).toBe(facts.deployment?.deploymentGroup);
        if (facts.trigger === 'sweep')
          expect(NOW - facts.deployment!.completeTime!.getTime()).toBeGreaterThanOrEqual(facts.minAgeMs);
      }),
      RUNS,
    );
  });

  it('always names a known reason', () => {
    fc.assert(
      fc.property(accountState, (facts) => {
        const decision = decideCleanup(facts);
        if (decision.kind === 'keep') expect(Object.keys(KEEP_REASONS)).toContain(decision.reason);
      }),
      RUNS,
    );
  });

  it('does delete real orphans, whatever their names (the rules are not vacuous)', () => {
    fc.assert(
      fc.property(deploymentGroupName, deploymentId, fc.constantFrom('Failed', 'Stopped'), (group, id, status) => {
        const name = copiedGroupName(group, id);
        const base = orphanFacts();
        const facts: CleanupFacts = {
          ...base,
          groupName: name,
          deployment: {
            ...base.deployment!,
            deploymentId: id,
            deploymentGroup: group,
            status,
            autoScalingGroups: [name],
          },
          deploymentGroup: { ...base.deploymentGroup!, deploymentGroup: group, liveAutoScalingGroups: ['web-asg'] },
          group: { ...base.group!, name },
        };
        expect(decideCleanup(facts)).toEqual({ kind: 'delete', groupName: name, reason: 'orphan' });
      }),
      { numRuns: 1_000 },
    );
  });
});
