import { describe, expect, it } from 'vitest';
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
