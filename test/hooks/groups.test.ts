import { describe, expect, it } from 'vitest';
import {
  groupHooks,
  hookFunctionTimeoutSeconds,
  invokedFunctions,
  matchingGroups,
  selectHook,
} from '../../lib/hooks/groups.js';
import { HooksConfigError, type HooksSettings, parseHooksSettings } from '../../lib/hooks/settings.js';

/** Checks chosen per deployment group, and what packaging refuses about them. */

const parse = (raw: unknown): HooksSettings => {
  const result = parseHooksSettings(raw);
  if (result instanceof Error) throw result;
  return result;
};

const problems = (raw: unknown): string => {
  const result = parseHooksSettings(raw);
  expect(result).toBeInstanceOf(HooksConfigError);
  return (result as HooksConfigError).message;
};

const alarms = (name: string, ...names: string[]) => ({ name, type: 'alarms', alarms: names.length ? names : [name] });
const probe = (name: string) => ({ name, type: 'http', target: 'test', path: '/health' });
const invoke = (fn: string, extra: Record<string, unknown> = {}) => ({
  name: 'smoke',
  type: 'invoke',
  function: fn,
  ...extra,
});
const names = (settings: HooksSettings, hook: 'AfterAllowTestTraffic' | 'BeforeAllowTraffic', key: string) => {
  const [application, group] = key.split('/') as [string, string];
  return selectHook(settings, hook, application, group).checks.map((c) => c.name);
};

describe('choosing a hook’s checks by deployment group', () => {
  const settings = parse({
    AfterAllowTestTraffic: { checks: [alarms('account-wide')] },
    groups: {
      '*/*-staging': { AfterAllowTestTraffic: { checks: [alarms('any-staging')] } },
      'orders/*': { AfterAllowTestTraffic: { checks: [alarms('orders-any')] } },
      'orders/orders-ecs': { AfterAllowTestTraffic: { checks: [probe('orders-health')] } },
      'orders/orders-e*': { AfterAllowTestTraffic: { checks: [alarms('orders-e-prefix')] } },
      'catalog/catalog-ecs': { BeforeAllowTraffic: { checks: [alarms('catalog-before')] } },
    },
  });

  it('takes the most specific key: exact names, then an exact application, then the longest pattern', () => {
    expect(names(settings, 'AfterAllowTestTraffic', 'orders/orders-ecs')).toEqual(['orders-health']);
    expect(names(settings, 'AfterAllowTestTraffic', 'orders/orders-eu')).toEqual(['orders-e-prefix']);
    expect(names(settings, 'AfterAllowTestTraffic', 'orders/orders-staging')).toEqual(['orders-any']);
    expect(names(settings, 'AfterAllowTestTraffic', 'search/search-staging')).toEqual(['any-staging']);
    expect(matchingGroups(settings, 'orders', 'orders-ecs').map(([key]) => key)).toEqual([
      'orders/orders-ecs',
      'orders/orders-e*',
      'orders/*',
    ]);
  });

  it('falls back, hook by hook, to the account-wide checks', () => {
    // catalog's key sets BeforeAllowTraffic only.
    expect(names(settings, 'AfterAllowTestTraffic', 'catalog/catalog-ecs')).toEqual(['account-wide']);
    expect(names(settings, 'BeforeAllowTraffic', 'catalog/catalog-ecs')).toEqual(['catalog-before']);
    expect(selectHook(settings, 'BeforeAllowTraffic', 'orders', 'orders-ecs')).toMatchObject({
      checks: [],
      source: undefined,
      allowUnchecked: false,
    });
  });

  it('says where the checks came from', () => {
    expect(selectHook(settings, 'AfterAllowTestTraffic', 'orders', 'orders-ecs').source).toBe(
      'hooks.groups["orders/orders-ecs"].AfterAllowTestTraffic',
    );
    expect(selectHook(settings, 'AfterAllowTestTraffic', 'billing', 'billing-ecs').source).toBe(
      'hooks.AfterAllowTestTraffic',
    );
  });

  it('lays the discovery overrides of matching keys over the account-wide ones, the most specific last', () => {
    const layered = parse({
      discovery: { testListener: { url: 'http://account.example' }, blueTargetGroup: 'account-blue' },
      groups: {
        'orders/*': { discovery: { testListener: { url: 'http://orders.example' }, greenTargetGroup: 'orders-green' } },
        'orders/orders-ecs': { discovery: { testListener: { url: 'http://orders-ecs.example' } } },
      },
    });
    expect(selectHook(layered, 'AfterAllowTestTraffic', 'orders', 'orders-ecs').discovery).toEqual({
      testListener: { url: 'http://orders-ecs.example' },
      greenTargetGroup: 'orders-green',
      blueTargetGroup: 'account-blue',
    });
  });

  it('lets the most specific key that says so decide whether a group may pass unchecked', () => {
    const allowed = parse({ groups: { '*/*': { allowUnchecked: true }, 'orders/*': { allowUnchecked: false } } });
    expect(selectHook(allowed, 'BeforeInstall', 'search', 'search-ecs').allowUnchecked).toBe(true);
    expect(selectHook(allowed, 'BeforeInstall', 'orders', 'orders-ecs').allowUnchecked).toBe(false);
  });

  it('gives each hook function a timeout that covers every group’s checks', () => {
    const slow = parse({
      groups: {
        'a/b': { BeforeAllowTraffic: { checks: [{ ...alarms('slow'), count: 5, interval: '10s' }] } },
        'c/d': { BeforeAllowTraffic: { checks: [alarms('quick')] } },
      },
    });
    // 5 conclusive measurements, each after up to 2 errors, 5 s apiece, 10 s apart; the deployment; start and report.
    expect(hookFunctionTimeoutSeconds(slow, 'BeforeAllowTraffic')).toBe(15 * 5 + 14 * 10 + 3 + 2 + 3);
    expect(hookFunctionTimeoutSeconds(slow, 'AfterAllowTraffic')).toBe(10);
  });

  it('lists the functions the invoke checks of a hook name, for its role', () => {
    const lambda = parse({
      BeforeAllowTraffic: { checks: [invoke('shared-api')] },
      groups: {
        'pricing/*': { platform: 'Lambda', BeforeAllowTraffic: { checks: [invoke('pricing-api')] } },
        'quotes/quotes-live': {
          platform: 'Lambda',
          BeforeAllowTraffic: { checks: [invoke('quotes-api'), { ...invoke('pricing-api'), name: 'again' }] },
          AfterAllowTraffic: { checks: [invoke('quotes-api')] },
        },
      },
    });
    expect(invokedFunctions(lambda, 'BeforeAllowTraffic')).toEqual(['pricing-api', 'quotes-api', 'shared-api']);
    expect(invokedFunctions(lambda, 'AfterAllowTraffic')).toEqual(['quotes-api']);
    expect(invokedFunctions(lambda, 'AfterAllowTestTraffic')).toEqual([]);
  });

  it('shows, per configured group, the hooks it uses and where their checks come from', () => {
    expect(groupHooks(settings).find((g) => g.key === 'catalog/catalog-ecs')).toEqual({
      key: 'catalog/catalog-ecs',
      platform: undefined,
      hooks: [
        { hook: 'AfterAllowTestTraffic', source: 'hooks.AfterAllowTestTraffic', checks: 1 },
        { hook: 'BeforeAllowTraffic', source: 'hooks.groups["catalog/catalog-ecs"].BeforeAllowTraffic', checks: 1 },
      ],
    });
  });
});

describe('group settings packaging refuses', () => {
  it('keys that are not application/deploymentGroup', () => {
    expect(problems({ groups: { 'orders-ecs': {} } })).toContain('hooks.groups.orders-ecs');
    expect(problems({ groups: { 'orders-ecs': {} } })).toContain('application/deploymentGroup');
  });

  it('the same problems in a group’s checks as in the account-wide ones, with the group’s path', () => {
    const message = problems({
      groups: {
        'orders/orders-ecs': {
          AfterInstall: { checks: [probe('too-early')] },
          BeforeAllowTraffic: { checks: [alarms('twice'), alarms('twice')] },
        },
      },
    });
    expect(message).toContain('hooks.groups.orders/orders-ecs.AfterInstall.checks[0].target: in AfterInstall the test');
    expect(message).toContain('hooks.groups.orders/orders-ecs.BeforeAllowTraffic.checks[1].name: check name "twice"');
  });

  it('ECS-only checks for a Lambda group, and invoke checks for an ECS group', () => {
    const message = problems({
      groups: {
        'pricing/pricing-live': {
          platform: 'Lambda',
          BeforeAllowTraffic: {
            checks: [
              probe('listener'),
              { name: 'targets', type: 'targetHealth' },
              { ...alarms('x'), alarms: ['${greenTargetGroupName}-5xx'] },
            ],
          },
        },
        'orders/orders-ecs': { platform: 'ECS', BeforeAllowTraffic: { checks: [invoke('orders-api')] } },
      },
    });
    expect(message).toContain(
      'hooks.groups.pricing/pricing-live.BeforeAllowTraffic.checks[0]: on Lambda deployments this check probes the test listener, which only ECS deployments have',
    );
    expect(message).toContain('checks[1]: on Lambda deployments this check watches a target group');
    expect(message).toContain('checks[2]: on Lambda deployments this check uses ${greenTargetGroupName}');
    expect(message).toContain(
      "hooks.groups.orders/orders-ecs.BeforeAllowTraffic.checks[0]: on ECS deployments this check invokes a Lambda function's target version",
    );
  });

  it('hooks a Lambda deployment never runs', () => {
    expect(
      problems({ groups: { 'pricing/*': { platform: 'Lambda', AfterAllowTestTraffic: { checks: [alarms('x')] } } } }),
    ).toContain(
      'hooks.groups.pricing/*.AfterAllowTestTraffic: Lambda deployments run only the BeforeAllowTraffic and AfterAllowTraffic hooks',
    );
  });

  it('account-wide checks a Lambda group would inherit but cannot run', () => {
    const message = problems({
      BeforeAllowTraffic: { checks: [probe('orders-ping')] },
      groups: {
        'pricing/pricing-live': { platform: 'Lambda', AfterAllowTraffic: { checks: [invoke('pricing-api')] } },
      },
    });
    expect(message).toContain(
      'hooks.groups.pricing/pricing-live.platform: pricing/pricing-live deploys on Lambda, but its BeforeAllowTraffic checks come from hooks.BeforeAllowTraffic, where check "orders-ping" probes the test listener',
    );
    expect(message).toContain('give hooks.groups["pricing/pricing-live"].BeforeAllowTraffic checks of its own');
  });

  it('a platform given by a pattern applies to the exact keys it matches', () => {
    expect(
      problems({
        groups: {
          'pricing/*': { platform: 'Lambda' },
          'pricing/pricing-live': { BeforeAllowTraffic: { checks: [probe('listener')] } },
        },
      }),
    ).toContain('hooks.groups.pricing/pricing-live.BeforeAllowTraffic.checks[0]: on Lambda deployments');
  });

  it('invoke checks that name an ARN, a qualifier or unknown variables', () => {
    const message = problems({
      groups: {
        'pricing/pricing-live': {
          BeforeAllowTraffic: {
            checks: [
              invoke('arn:aws:lambda:us-east-1:123456789012:function:pricing-api'),
              { ...invoke('pricing-api:live'), name: 'qualified' },
              { ...invoke('pricing-api'), name: 'vars', payload: { v: '${version}' } },
            ],
          },
        },
      },
    });
    expect(message).toContain('checks[0].function: a function name');
    expect(message).toContain('checks[1].function: a function name');
    expect(message).toContain('checks[2].payload: unknown variable ${version}');
  });

  it('accepts Lambda variables in cloudwatch dimensions, alarm names and invoke payloads of a Lambda group', () => {
    const settings = parse({
      groups: {
        'pricing/pricing-live': {
          platform: 'Lambda',
          BeforeAllowTraffic: {
            checks: [
              invoke('pricing-api', {
                payload: { path: '/ping', version: '${targetVersion}', headers: { alias: '${functionAlias}' } },
                expect: { json: [{ path: '$.ok', equals: true }], maxDuration: '2s' },
                timeout: '3s',
              }),
            ],
          },
          AfterAllowTraffic: {
            checks: [
              {
                name: 'errors',
                type: 'cloudwatch',
                queries: [
                  {
                    id: 'errors',
                    metric: {
                      namespace: 'AWS/Lambda',
                      name: 'Errors',
                      stat: 'Sum',
                      dimensions: {
                        FunctionName: '${functionName}',
                        Resource: '${functionName}:${functionAlias}',
                        ExecutedVersion: '${targetVersion}',
                      },
                    },
                  },
                ],
                reduce: 'sum',
                passWhen: '<=',
                threshold: 0,
                noData: 'pass',
              },
              { ...alarms('alarms'), alarms: ['${functionName}-errors'] },
            ],
          },
        },
      },
    });
    const check = settings.groups['pricing/pricing-live']!.BeforeAllowTraffic!.checks[0]!;
    expect(check).toMatchObject({
      type: 'invoke',
      function: 'pricing-api',
      timeout: 3_000,
      expect: { maxDuration: 2_000 },
    });
  });
});
