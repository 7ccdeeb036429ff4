import { CodeDeployClient, type DeploymentGroupInfo } from '@aws-sdk/client-codedeploy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AlarmIndex,
  AlarmImpactLookupError,
  createAlarmImpactLookup,
  scanAlarmIndex,
  toAlarmImpact,
  toAlarmIndex,
} from '../../lib/alerts/alarm-impact.js';
import type { DeploymentGroupReader } from '../../lib/alerts/ports.js';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { clientConfig } from '../../lib/aws/config.js';
import { type DeploymentGroup, toDeploymentGroup } from '../../lib/codedeploy/deployment.js';
import { deadlineAt } from '../../lib/time.js';
import { type AwsStandIn, startAwsStandIn } from '../../local/standins/aws.js';

/** A deployment group as GetDeploymentGroup describes it, mapped the one way the port maps it. */
const group = (
  application: string,
  name: string,
  alarms: string[] | undefined,
  { enabled = true, rollback = [] as string[], rollbackEnabled = true, ignorePoll = false } = {},
): DeploymentGroup => {
  const info: DeploymentGroupInfo = {
    applicationName: application,
    deploymentGroupName: name,
    alarmConfiguration: alarms && {
      enabled,
      ignorePollAlarmFailure: ignorePoll,
      alarms: alarms.map((n) => ({ name: n })),
    },
    autoRollbackConfiguration: { enabled: rollbackEnabled, events: rollback as never },
  };
  return toDeploymentGroup(info, application, name);
};

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

/** A small account, read through an in-memory CodeDeploy port that counts what it is asked. */
const ACCOUNT: DeploymentGroup[] = [
  group('checkout', 'checkout-prod', ['cpu-high'], { rollback: ['DEPLOYMENT_STOP_ON_ALARM'] }),
  ...Array.from({ length: 19 }, (_, i) => group('checkout', `checkout-extra-${i}`, [])),
  ...Array.from({ length: 9 }, (_, i) => group('checkout', `checkout-more-${i}`, [])),
  group('checkout', 'checkout-more-9', ['cpu-high'], { enabled: false }),
  group('search', 'search-prod', ['cpu-high', 'latency']),
];

const deadline = () => deadlineAt(Date.now() + 60_000);

describe('the alarm impact lookup (in memory)', () => {
  let scans: number;
  let asked: string[];
  let inProgress: Record<string, string[]>;
  let codedeploy: DeploymentGroupReader;

  beforeEach(() => {
    scans = 0;
    asked = [];
    inProgress = { 'checkout/checkout-prod': ['d-111', 'd-222'], 'search/search-prod': [] };
    codedeploy = {
      listDeploymentGroups: async () => {
        scans += 1;
        return ACCOUNT;
      },
      listInProgressDeployments: async (application, deploymentGroup) => {
        asked.push(`${application}/${deploymentGroup}`);
        return inProgress[`${application}/${deploymentGroup}`] ?? [];
      },
    };
  });

  it('indexes every deployment group of the scan by the alarms it lists', async () => {
    const index = await scanAlarmIndex(codedeploy, { deadline: deadline() });

    expect(index.get('cpu-high')?.map((w) => `${w.application}/${w.deploymentGroup}`)).toEqual([
      'checkout/checkout-prod',
      'checkout/checkout-more-9',
      'search/search-prod',
    ]);
    expect(index.get('latency')?.map((w) => w.deploymentGroup)).toEqual(['search-prod']);
  });

  it('names the alarm, the groups it stops or rolls back, and their deployments in progress', async () => {
    const lookup = createAlarmImpactLookup(codedeploy);

    const impact = await lookup.impactOf('cpu-high', { deadline: deadline() });

    expect(impact).toEqual([
      {
        application: 'checkout',
        deploymentGroup: 'checkout-prod',
        effect: 'stop-and-roll-back',
        inProgressDeployments: ['d-111', 'd-222'],
      },
      { application: 'search', deploymentGroup: 'search-prod', effect: 'stop', inProgressDeployments: [] },
    ]);
    // Only groups whose alarm configuration is enabled are asked about.
    expect(new Set(asked)).toEqual(new Set(['checkout/checkout-prod', 'search/search-prod']));
  });

  it('asks nothing about deployments for an alarm no group watches', async () => {
    const impact = await createAlarmImpactLookup(codedeploy).impactOf('nobody-watches-this', { deadline: deadline() });

    expect(impact).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('counts a group deleted since the scan as having nothing in progress', async () => {
    codedeploy = { ...codedeploy, listInProgressDeployments: async () => undefined };
    const impact = await createAlarmImpactLookup(codedeploy).impactOf('latency', { deadline: deadline() });

    expect(impact).toEqual([
      { application: 'search', deploymentGroup: 'search-prod', effect: 'stop', inProgressDeployments: [] },
    ]);
  });

  it('scans once within the TTL and again once it has passed', async () => {
    let now = 1_000_000;
    const lookup = createAlarmImpactLookup(codedeploy, { ttlMs: 300_000, clock: () => now });

    await lookup.impactOf('cpu-high', { deadline: deadline() });
    now += 299_999;
    await lookup.impactOf('latency', { deadline: deadline() });
    expect(scans).toBe(1);
    // Deployments in progress are about now: never cached.
    expect(asked.length).toBeGreaterThanOrEqual(3);

    now += 1;
    await lookup.index({ deadline: deadline() });
    expect(scans).toBe(2);
  });

  it('lets alarms arriving during a scan share it', async () => {
    const lookup = createAlarmImpactLookup(codedeploy);

    const [a, b] = await Promise.all([lookup.index({ deadline: deadline() }), lookup.index({ deadline: deadline() })]);

    expect(a).toBe(b);
    expect(scans).toBe(1);
  });

  it('hands the invocation deadline and the call time-out to every CodeDeploy call', async () => {
    const budgets: unknown[] = [];
    const limit = deadline();
    const lookup = createAlarmImpactLookup(
      {
        listDeploymentGroups: async (budget) => {
          budgets.push(budget);
          return ACCOUNT;
        },
        listInProgressDeployments: async (_a, _g, budget) => {
          budgets.push(budget);
          return [];
        },
      },
      { callTimeoutMs: 1_234 },
    );

    await lookup.impactOf('cpu-high', { deadline: limit });

    expect(budgets).toHaveLength(3);
    for (const budget of budgets) expect(budget).toMatchObject({ deadline: limit, timeoutMs: 1_234 });
  });

  it('fails with a clear error naming the step, and does not cache the failure', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: codedeploy:ListDeploymentGroups'), {
      name: 'AccessDeniedException',
    });
    let fail = true;
    const lookup = createAlarmImpactLookup({
      ...codedeploy,
      listDeploymentGroups: async () => {
        if (fail) {
          fail = false;
          throw denied;
        }
        return ACCOUNT;
      },
    });

    const failure = await lookup.impactOf('cpu-high', { deadline: deadline() }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AlarmImpactLookupError);
    expect((failure as Error).message).toMatch(
      /^reading the deployment groups failed: AccessDeniedException: User is not authorized to perform: codedeploy:ListDeploymentGroups/,
    );
    expect((failure as Error).cause).toBe(denied);
    await expect(lookup.impactOf('cpu-high', { deadline: deadline() })).resolves.toHaveLength(2);
  });

  it('fails when the in-progress lookup fails', async () => {
    codedeploy = {
      ...codedeploy,
      listInProgressDeployments: async () =>
        Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
    };

    await expect(createAlarmImpactLookup(codedeploy).impactOf('cpu-high', { deadline: deadline() })).rejects.toThrow(
      /ListDeployments of checkout\/checkout-prod failed: ThrottlingException: Rate exceeded/,
    );
  });
});

describe('scanning deployment groups over HTTP (local CodeDeploy stand-in)', () => {
  let standIn: AwsStandIn;
  afterEach(async () => standIn?.close());

  const portFor = (url: string) =>
    codeDeployPortOver(
      new CodeDeployClient({
        ...clientConfig({ region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
        endpoint: url,
      }),
    );

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

    const impact = await createAlarmImpactLookup(portFor(standIn.url)).impactOf('cpu-high', { deadline: deadline() });

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

    const failure = await scanAlarmIndex(portFor(standIn.url), {
      deadline: deadline(),
      timeoutMs: 50,
      attempts: 1,
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AlarmImpactLookupError);
    expect((failure as Error).message).toMatch(/^reading the deployment groups failed: AbortError/);
    expect(standIn.calls.map((c) => c.operation)).toEqual(['ListApplications']);
  });

  it('starts no call once the invocation has no time left', async () => {
    standIn = await startAwsStandIn({
      json: { CodeDeploy_20141006: { ListApplications: () => ({ applications: [] }) } },
    });

    const failure = await scanAlarmIndex(portFor(standIn.url), { deadline: deadlineAt(0, () => 1) }).catch(
      (e: unknown) => e,
    );

    expect(failure).toBeInstanceOf(AlarmImpactLookupError);
    expect((failure as Error).message).toMatch(/no time left/);
    expect(standIn.calls).toHaveLength(0);
  });
});
