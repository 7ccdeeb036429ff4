import { describe, expect, it } from 'vitest';
import {
  formatAppspecHooks,
  functionArn,
  hookFunctionsByConvention,
  hookFunctionsFromTemplate,
} from '../../lib/hooks/appspec.js';
import { HOOKS, hookById, hookFunctionName, HookFunctionNameError } from '../../lib/hooks/hooks.js';

describe('HOOKS', () => {
  it('lists the five ECS hooks in the order CodeDeploy runs them, with short ids', () => {
    expect(HOOKS.map((h) => [h.name, h.id])).toEqual([
      ['BeforeInstall', 'before-install'],
      ['AfterInstall', 'after-install'],
      ['AfterAllowTestTraffic', 'after-test-traffic'],
      ['BeforeAllowTraffic', 'before-traffic'],
      ['AfterAllowTraffic', 'after-traffic'],
    ]);
  });

  it('says what each hook may assume about traffic and rollback', () => {
    expect(hookById('before-install')).toMatchObject({ greenTaskSet: false, failureRollsBack: false });
    expect(hookById('after-install')).toMatchObject({ greenTaskSet: true, testListenerServes: 'blue' });
    expect(hookById('after-test-traffic')).toMatchObject({
      testListenerServes: 'green',
      productionListenerServes: 'blue',
    });
    expect(hookById('after-traffic')).toMatchObject({ productionListenerServes: 'green', failureRollsBack: true });
    expect(hookById('afterAllowTestTraffic')).toBeUndefined();
  });
});

describe('hookFunctionName', () => {
  it('builds the CodeDeployHook_ prefixed name the managed roles may invoke', () => {
    expect(hookFunctionName('deploy-sentinel', 'prod', 'after-test-traffic')).toBe(
      'CodeDeployHook_deploy-sentinel-prod-after-test-traffic',
    );
  });

  it('accepts exactly 64 characters and refuses 65, saying how much to cut', () => {
    const stage = 'x'.repeat(64 - 'CodeDeployHook_deploy-sentinel--after-test-traffic'.length);
    expect(hookFunctionName('deploy-sentinel', stage, 'after-test-traffic')).toHaveLength(64);
    expect(() => hookFunctionName('deploy-sentinel', `${stage}y`, 'after-test-traffic')).toThrow(HookFunctionNameError);
    expect(() => hookFunctionName('deploy-sentinel', `${stage}y`, 'after-test-traffic')).toThrow(
      /is 65 characters; Lambda allows 64\. Shorten the service or stage name by at least 1 characters/,
    );
  });

  it('refuses characters Lambda does not allow in names', () => {
    expect(() => hookFunctionName('deploy sentinel', 'prod', 'after-traffic')).toThrow(
      /letters, digits, hyphens and underscores/,
    );
  });
});

describe('appspec Hooks section', () => {
  it('prints the functions in hook order', () => {
    const functions = hookFunctionsByConvention('deploy-sentinel', 'prod').reverse();
    expect(formatAppspecHooks(functions)).toBe(
      [
        'Hooks:',
        '  - BeforeInstall: "CodeDeployHook_deploy-sentinel-prod-before-install"',
        '  - AfterInstall: "CodeDeployHook_deploy-sentinel-prod-after-install"',
        '  - AfterAllowTestTraffic: "CodeDeployHook_deploy-sentinel-prod-after-test-traffic"',
        '  - BeforeAllowTraffic: "CodeDeployHook_deploy-sentinel-prod-before-traffic"',
        '  - AfterAllowTraffic: "CodeDeployHook_deploy-sentinel-prod-after-traffic"',
      ].join('\n'),
    );
  });

  it('finds the hook functions of one stage in a packaged template', () => {
    const fn = (FunctionName: string) => ({ Type: 'AWS::Lambda::Function', Properties: { FunctionName } });
    const template = {
      Resources: {
        NotifyDeploymentLambdaFunction: fn('deploy-sentinel-prod-notifyDeployment'),
        AfterTestTraffic: fn('CodeDeployHook_deploy-sentinel-prod-after-test-traffic'),
        OtherStage: fn('CodeDeployHook_deploy-sentinel-dev-after-traffic'),
        AfterTraffic: fn('CodeDeployHook_deploy-sentinel-prod-after-traffic'),
        Role: { Type: 'AWS::IAM::Role', Properties: {} },
      },
    };
    expect(hookFunctionsFromTemplate(template, 'deploy-sentinel', 'prod')).toEqual([
      { hook: 'AfterAllowTestTraffic', functionRef: 'CodeDeployHook_deploy-sentinel-prod-after-test-traffic' },
      { hook: 'AfterAllowTraffic', functionRef: 'CodeDeployHook_deploy-sentinel-prod-after-traffic' },
    ]);
  });

  it('uses unqualified function ARNs', () => {
    expect(functionArn('CodeDeployHook_deploy-sentinel-prod-after-traffic', 'eu-west-1', '123456789012')).toBe(
      'arn:aws:lambda:eu-west-1:123456789012:function:CodeDeployHook_deploy-sentinel-prod-after-traffic',
    );
  });
});
