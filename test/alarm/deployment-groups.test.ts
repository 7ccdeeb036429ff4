import {
  BatchGetDeploymentGroupsCommand,
  CodeDeployClient,
  type DeploymentGroupInfo,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AlarmIndex,
  AlarmImpactLookupError,
  createAlarmImpactLookup,
  IN_PROGRESS_STATUSES,
  scanAlarmIndex,
  toAlarmImpact,
  toAlarmIndex,
} from '../../lib/alarm/deployment-groups.js';
import { deadlineAt } from '../../lib/time.js';
import { type AwsStandIn, startAwsStandIn } from '../../local/standins/aws.js';

const group = (
  application: string,
  name: string,
  alarms: string[] | undefined,
  { enabled = true, rollback = [] as string[], rollbackEnabled = true, ignorePoll = false } = {},
): DeploymentGroupInfo => ({
  applicationName: application,
  deploymentGroupName: name,
  alarmConfiguration: alarms && {
    enabled,
    ignorePollAlarmFailure: ignorePoll,
    alarms: alarms.map((n) => ({ name: n })),
  },
  autoRollbackConfiguration: { enabled: rollbackEnabled, events: rollback as never },
});

describe('toAlarmIndex', () => {
  it('indexes each group under every alarm it lists, with what the alarm does to it', () => {
    const index = toAlarmIndex([
      group('checkout', 'checkout-prod', ['cpu-high', '5xx'], {
        rollback: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
      }),
      group('checkout', 'checkout-staging', ['cpu-high'], { enabled: false, ignorePoll: true }),
      group('search', 'search-prod', ['5xx'], { rollback: ['DEPLOYMENT_STOP_ON_ALARM'], rollbackEnabled: false }),
      group('search', 'search-dev', undefined),
    ]);

    expect([...index.keys()].sort()).toEqual(['5xx', 'cpu-high']);
    expect(index.get('cpu-high')).toEqual([
      {
        application: 'checkout',
        deploymentGroup: 'checkout-prod',
        alarmsEnabled: true,
        ignorePollAlarmFailure: false,
        autoRollbackOnAlarm: true,
      },
      {
        application: 'checkout',
        deploymentGroup: 'checkout-staging',
        alarmsEnabled: false,
        ignorePollAlarmFailure: true,
        autoRollbackOnAlarm: false,
      },
    ]);
    // Rollback switched off means no rollback, whatever events are listed.
    expect(index.get('5xx')?.map((w) => [w.deploymentGroup, w.autoRollbackOnAlarm])).toEqual([
      ['checkout-prod', true],
      ['search-prod', false],
    ]);
  });

  it('rolls back only when DEPLOYMENT_STOP_ON_ALARM is among the rollback events', () => {
    const index = toAlarmIndex([group('a', 'g', ['x'], { rollback: ['DEPLOYMENT_FAILURE'] })]);
    expect(index.get('x')?.[0]?.autoRollbackOnAlarm).toBe(false);
  });

  it('lists a group once even if it names the alarm twice', () => {
    const index = toAlarmIndex([group('a', 'g', ['x', 'x'])]);
    expect(index.get('x')).toHaveLength(1);
  });
});

describe('toAlarmImpact', () => {
  const index: AlarmIndex = toAlarmIndex([
    group('checkout', 'checkout-prod', ['cpu-high'], { rollback: ['DEPLOYMENT_STOP_ON_ALARM'] }),
    group('checkout', 'checkout-canary', ['cpu-high']),
    group('checkout', 'checkout-staging', ['cpu-high'], { enabled: false }),
    group('search', 'prod', ['cpu-high']),
    group('billing', 'prod', ['disabled-only'], { enabled: false }),
  ]);

  it.each([
    ['an alarm no group lists', 'unknown', [], []],
    [
      'an alarm only disabled configurations list',
      'disabled-only',
      [{ application: 'billing', deploymentGroup: 'prod', deploymentIds: ['d-9'] }],
      [],
    ],
    [
      'groups without deployments in progress',
      'cpu-high',
      [],
      [
        {
          application: 'checkout',
          deploymentGroup: 'checkout-prod',
          effect: 'stop-and-roll-back',
          inProgressDeployments: [],
        },
        { application: 'checkout', deploymentGroup: 'checkout-canary', effect: 'stop', inProgressDeployments: [] },
        { application: 'search', deploymentGroup: 'prod', effect: 'stop', inProgressDeployments: [] },
      ],
    ],
    [
      'deployments in progress, kept to their own application and group',
      'cpu-high',
      [
        { application: 'checkout', deploymentGroup: 'checkout-prod', deploymentIds: ['d-AAA', 'd-AAA'] },
        { application: 'search', deploymentGroup: 'prod', deploymentIds: ['d-BBB'] },
        { application: 'checkout', deploymentGroup: 'checkout-staging', deploymentIds: ['d-CCC'] },
      ],
      [
        {
          application: 'checkout',
          deploymentGroup: 'checkout-prod',
          effect: 'stop-and-roll-back',
          inProgressDeployments: ['d-AAA'],
        },
        { application: 'checkout', deploymentGroup: 'checkout-canary', effect: 'stop', inProgressDeployments: [] },
        { application: 'search', deploymentGroup: 'prod', effect: 'stop', inProgressDeployments: ['d-BBB'] },
      ],
    ],
  ])('for %s', (_name, alarmName, inProgress, expected) => {
    expect(toAlarmImpact(alarmName, index, inProgress)).toEqual(expected);
  });
});

/** A small account: two pages of applications, one application with two pages of 30 groups. */
const ACCOUNT = {
  applications: [['checkout', 'search'], ['billing']],
  groups: {
    checkout: [
      ['checkout-prod', ...Array.from({ length: 19 }, (_, i) => `checkout-extra-${i}`)],
      Array.from({ length: 10 }, (_, i) => `checkout-more-${i}`),
    ],
    search: [['search-prod']],
    billing: [[]],
  } as Record<string, string[][]>,
  info: (application: string, name: string): DeploymentGroupInfo => {
    if (name === 'checkout-prod')
      return group(application, name, ['cpu-high'], { rollback: ['DEPLOYMENT_STOP_ON_ALARM'] });
    if (name === 'search-prod') return group(application, name, ['cpu-high', 'latency']);
    if (name === 'checkout-more-9') return group(application, name, ['cpu-high'], { enabled: false });
    return group(application, name, []);
  },
};

const tokenOf = (page: number) => (page === 0 ? undefined : `page-${page}`);
const pageOf = (token: string | undefined) => (token ? Number(token.slice('page-'.length)) : 0);
const paged = <T>(pages: T[][], token: string | undefined) => {
  const n = pageOf(token);
  return { items: pages[n] ?? [], nextToken: tokenOf(n + 1 < pages.length ? n + 1 : 0) };
};

describe('scanning deployment groups (aws-sdk-client-mock)', () => {
  const client = new CodeDeployClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const mock = mockClient(client);
  let inProgress: Record<string, string[][]>;
  let nextGroupListingFailure: { application: string; error: Error } | undefined;

  beforeEach(() => {
    mock.reset();
    nextGroupListingFailure = undefined;
    inProgress = { 'checkout/checkout-prod': [['d-111'], ['d-222']], 'search/search-prod': [[]] };
    mock.on(ListApplicationsCommand).callsFake((input) => {
      const { items, nextToken } = paged(ACCOUNT.applications, input.nextToken);
      return { applications: items, nextToken };
    });
    mock.on(ListDeploymentGroupsCommand).callsFake(async (input) => {
      const failure = nextGroupListingFailure;
      if (failure && failure.application === input.applicationName) {
        nextGroupListingFailure = undefined;
        throw failure.error;
      }
      const { items, nextToken } = paged(ACCOUNT.groups[input.applicationName]!, input.nextToken);
      return { applicationName: input.applicationName, deploymentGroups: items, nextToken };
    });
    mock.on(BatchGetDeploymentGroupsCommand).callsFake((input) => {
      if (input.deploymentGroupNames.length > 25) throw new Error('BatchLimitExceededException');
      return {
        deploymentGroupsInfo: input.deploymentGroupNames.map((n: string) => ACCOUNT.info(input.applicationName, n)),
      };
    });
    mock.on(ListDeploymentsCommand).callsFake((input) => {
      const { items, nextToken } = paged(
        inProgress[`${input.applicationName}/${input.deploymentGroupName}`] ?? [[]],
        input.nextToken,
      );
      return { deployments: items, nextToken };
    });
  });

  const batchSizes = () =>
    mock
      .commandCalls(BatchGetDeploymentGroupsCommand)
      .map((c) => [c.args[0].input.applicationName, c.args[0].input.deploymentGroupNames?.length]);

  it('follows every page of applications and groups and reads groups 25 at a time', async () => {
    const index = await scanAlarmIndex(client);

    expect(mock.commandCalls(ListApplicationsCommand)).toHaveLength(2);
    expect(mock.commandCalls(ListDeploymentGroupsCommand)).toHaveLength(4);
    expect(batchSizes().sort()).toEqual([
      ['checkout', 25],
      ['checkout', 5],
      ['search', 1],
    ]);
    expect(index.get('cpu-high')?.map((w) => `${w.application}/${w.deploymentGroup}`)).toEqual([
      'checkout/checkout-prod',
      'checkout/checkout-more-9',
      'search/search-prod',
    ]);
    expect(index.get('latency')?.map((w) => w.deploymentGroup)).toEqual(['search-prod']);
  });

  it('gives every AWS call an abort signal', async () => {
    await scanAlarmIndex(client);
    const calls = mock.calls();
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls)
      expect(((call.args as unknown[])[1] as { abortSignal?: unknown } | undefined)?.abortSignal).toBeInstanceOf(
        AbortSignal,
      );
  });

  it('names the alarm, the groups it stops or rolls back, and their deployments in progress', async () => {
    const lookup = createAlarmImpactLookup(client);

    const impact = await lookup.impactOf('cpu-high');

    expect(impact).toEqual([
      {
        application: 'checkout',
        deploymentGroup: 'checkout-prod',
        effect: 'stop-and-roll-back',
        inProgressDeployments: ['d-111', 'd-222'],
      },
      { application: 'search', deploymentGroup: 'search-prod', effect: 'stop', inProgressDeployments: [] },
    ]);
    // Only groups whose alarm configuration is enabled are asked about, for unfinished deployments only.
    const asked = mock.commandCalls(ListDeploymentsCommand).map((c) => c.args[0].input);
    expect(new Set(asked.map((i) => `${i.applicationName}/${i.deploymentGroupName}`))).toEqual(
      new Set(['checkout/checkout-prod', 'search/search-prod']),
    );
    for (const input of asked) expect(input.includeOnlyStatuses).toEqual([...IN_PROGRESS_STATUSES]);
  });

  it('asks nothing about deployments for an alarm no group watches', async () => {
    const impact = await createAlarmImpactLookup(client).impactOf('nobody-watches-this');

    expect(impact).toEqual([]);
    expect(mock.commandCalls(ListDeploymentsCommand)).toHaveLength(0);
  });

  it('scans once within the TTL and again once it has passed', async () => {
    let now = 1_000_000;
    const lookup = createAlarmImpactLookup(client, { ttlMs: 300_000, clock: () => now });

    await lookup.impactOf('cpu-high');
    now += 299_999;
    await lookup.impactOf('latency');
    expect(mock.commandCalls(ListApplicationsCommand)).toHaveLength(2); // one scan: two pages
    // Deployments in progress are about now: never cached.
    expect(mock.commandCalls(ListDeploymentsCommand).length).toBeGreaterThanOrEqual(3);

    now += 1;
    await lookup.index();
    expect(mock.commandCalls(ListApplicationsCommand)).toHaveLength(4);
  });

  it('lets alarms arriving during a scan share it', async () => {
    const lookup = createAlarmImpactLookup(client);

    const [a, b] = await Promise.all([lookup.index(), lookup.index()]);

    expect(a).toBe(b);
    expect(mock.commandCalls(ListApplicationsCommand)).toHaveLength(2);
  });

  it('fails with a clear error naming the call, and does not cache the failure', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: codedeploy:ListDeploymentGroups'), {
      name: 'AccessDeniedException',
    });
    nextGroupListingFailure = { application: 'search', error: denied };
    const lookup = createAlarmImpactLookup(client);

    const failure = await lookup.impactOf('cpu-high').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AlarmImpactLookupError);
    expect((failure as Error).message).toMatch(
      /^ListDeploymentGroups of search failed: AccessDeniedException: User is not authorized/,
    );
    expect((failure as Error).cause).toBe(denied);
    await expect(lookup.impactOf('cpu-high')).resolves.toHaveLength(2);
  });

  it('fails when the in-progress lookup fails', async () => {
    mock.on(ListDeploymentsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(createAlarmImpactLookup(client).impactOf('cpu-high')).rejects.toThrow(
      /ListDeployments of checkout\/checkout-prod failed: ThrottlingException: Rate exceeded/,
    );
  });
});

describe('scanning deployment groups over HTTP (local CodeDeploy stand-in)', () => {
  let standIn: AwsStandIn;
  afterEach(async () => standIn?.close());

  const clientFor = (url: string) =>
    new CodeDeployClient({
      region: 'eu-west-1',
      endpoint: url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });

  it('reads a paged account through the real SDK client', async () => {
    standIn = await startAwsStandIn({
      json: {
        CodeDeploy_20141006: {
          ListApplications: (input) =>
            input.nextToken ? { applications: ['search'] } : { applications: ['checkout'], nextToken: 'next' },
          ListDeploymentGroups: (input) => ({ deploymentGroups: [`${String(input.applicationName)}-prod`] }),
          BatchGetDeploymentGroups: (input) => ({
            deploymentGroupsInfo: (input.deploymentGroupNames as string[]).map((name) => ({
              applicationName: input.applicationName,
              deploymentGroupName: name,
              alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'cpu-high' }] },
              autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] },
            })),
          }),
          ListDeployments: (input) => ({ deployments: input.applicationName === 'checkout' ? ['d-7XAMPLE'] : [] }),
        },
      },
    });

    const impact = await createAlarmImpactLookup(clientFor(standIn.url)).impactOf('cpu-high');

    expect(impact).toEqual([
      {
        application: 'checkout',
        deploymentGroup: 'checkout-prod',
        effect: 'stop-and-roll-back',
        inProgressDeployments: ['d-7XAMPLE'],
      },
      {
        application: 'search',
        deploymentGroup: 'search-prod',
        effect: 'stop-and-roll-back',
        inProgressDeployments: [],
      },
    ]);
    expect(standIn.calls.filter((c) => c.operation === 'ListApplications')).toHaveLength(2);
  });

  it('abandons a call that does not answer within its timeout', async () => {
    standIn = await startAwsStandIn({
      json: { CodeDeploy_20141006: { ListApplications: () => new Promise(() => {}) } },
    });

    const failure = await scanAlarmIndex(clientFor(standIn.url), { callTimeoutMs: 50 }).catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(AlarmImpactLookupError);
    expect((failure as Error).message).toMatch(/^ListApplications failed: AbortError: .*timeout/);
  });

  it('starts no call once the invocation has no time left', async () => {
    standIn = await startAwsStandIn({
      json: { CodeDeploy_20141006: { ListApplications: () => ({ applications: [] }) } },
    });

    const failure = await scanAlarmIndex(clientFor(standIn.url), { deadline: deadlineAt(0, () => 1) }).catch(
      (e: unknown) => e,
    );

    expect(failure).toBeInstanceOf(AlarmImpactLookupError);
    expect((failure as Error).message).toMatch(/no time left in the invocation/);
    expect(standIn.calls).toHaveLength(0);
  });
});
