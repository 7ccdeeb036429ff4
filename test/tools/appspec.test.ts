import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runAppspecCli } from '../../tools/appspec.js';
import {
  formatAppspecHooks,
  formatGroupHooks,
  formatSamDeploymentPreference,
  functionArn,
  hookFunctionsByConvention,
  hookFunctionsFromTemplate,
  LAMBDA_HOOKS,
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

describe('Lambda deployments', () => {
  const lambda = hookFunctionsByConvention('deploy-sentinel', 'prod').filter((f) => LAMBDA_HOOKS.includes(f.hook));

  it('prints the two hooks a Lambda appspec has', () => {
    expect(formatAppspecHooks(lambda)).toBe(
      [
        'Hooks:',
        '  - BeforeAllowTraffic: "CodeDeployHook_deploy-sentinel-prod-before-traffic"',
        '  - AfterAllowTraffic: "CodeDeployHook_deploy-sentinel-prod-after-traffic"',
      ].join('\n'),
    );
  });

  it("prints SAM's DeploymentPreference with the hooks as PreTraffic and PostTraffic", () => {
    expect(formatSamDeploymentPreference(lambda)).toBe(
      [
        'DeploymentPreference:',
        '  Type: Canary10Percent5Minutes',
        '  Hooks:',
        '    PreTraffic: "CodeDeployHook_deploy-sentinel-prod-before-traffic"',
        '    PostTraffic: "CodeDeployHook_deploy-sentinel-prod-after-traffic"',
      ].join('\n'),
    );
  });

  it('prints, per configured group, the hooks it uses and where their checks come from', () => {
    expect(
      formatGroupHooks([
        {
          key: 'pricing/pricing-live',
          platform: 'Lambda',
          hooks: [
            {
              hook: 'BeforeAllowTraffic',
              source: 'hooks.groups["pricing/pricing-live"].BeforeAllowTraffic',
              checks: 1,
            },
            { hook: 'AfterAllowTraffic', source: 'hooks.groups["pricing/*"].AfterAllowTraffic', checks: 2 },
          ],
        },
        { key: 'search/*', hooks: [] },
      ]),
    ).toBe(
      [
        '#   pricing/pricing-live (Lambda):',
        '#     BeforeAllowTraffic: 1 check from hooks.groups["pricing/pricing-live"].BeforeAllowTraffic',
        '#     AfterAllowTraffic: 2 checks from hooks.groups["pricing/*"].AfterAllowTraffic',
        '#   search/*: no hook has checks',
      ].join('\n'),
    );
  });

  it('npm run appspec prints all of it for a stage with groups', async () => {
    const out: string[] = [];
    const io = { stdout: (line: string) => out.push(line), stderr: () => {} };
    const settings = join(import.meta.dirname, '..', '..', 'settings', 'local.yml');
    const code = await runAppspecCli(['--stage', 'prod', '--settings', settings, '--template', '/nonexistent'], io);
    // A template that does not exist is refused; without one the naming convention applies.
    expect(code).toBe(2);
    out.length = 0;
    expect(await runAppspecCli(['--stage', 'prod', '--settings', settings], io)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('# Lambda appspec hooks');
    expect(text).toContain('    PreTraffic: "CodeDeployHook_deploy-sentinel-prod-before-traffic"');
    expect(text).toContain('#   pricing/pricing-live (Lambda):');
    expect(text).toContain('#     BeforeAllowTraffic: 1 check from hooks.groups["catalog/*"].BeforeAllowTraffic');
    // BeforeInstall and AfterInstall have checks in no group: they are left out.
    expect(text).not.toContain('BeforeInstall');
  });
});
