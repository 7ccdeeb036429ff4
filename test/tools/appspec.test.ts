import { describe, expect, it } from 'vitest';
import {
  formatAppspecHooks,
  functionArn,
  hookFunctionsByConvention,
  hookFunctionsFromTemplate,
} from '../../tools/appspec/hooks.js';

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
