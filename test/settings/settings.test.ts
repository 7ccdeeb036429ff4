import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSettingsFile } from '../../lib/settings/load.js';
import { parseSettings } from '../../lib/settings/all.js';
import { SettingsError } from '../../lib/settings/schema.js';
import { MAX_PARAMETER_NAME_LENGTH } from '../../lib/settings/ssm-parameter.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('settings files', () => {
  it.each(readdirSync(join(ROOT, 'settings')).filter((f) => f.endsWith('.yml')))('settings/%s is valid', (file) => {
    expect(() => loadSettingsFile(file.replace(/\.yml$/, ''), ROOT)).not.toThrow();
  });

  it('uses settings/default.yml for a stage without a file', () => {
    expect(loadSettingsFile('some-new-stage', ROOT).file).toMatch(/settings\/default\.yml$/);
  });

  it('names every invalid key with its path', () => {
    const attempt = () =>
      parseSettings(
        {
          slack: {
            routes: [
              { name: 'x', match: { colour: 'red' }, webhookParameter: 'https://hooks.slack.com/services/T/B/C' },
            ],
            mentions: { critical: ['@here'] },
          },
          alarms: { states: ['PANIC'] },
        },
        'settings/prod.yml',
      );
    expect(attempt).toThrow(SettingsError);
    const message = (() => {
      try {
        attempt();
      } catch (e) {
        return (e as Error).message;
      }
    })()!;
    expect(message).toContain('settings/prod.yml is invalid');
    expect(message).toContain('slack.routes.0.match');
    expect(message).toContain('slack.routes.0.webhookParameter');
    expect(message).toContain('slack.mentions.critical.0');
    expect(message).toContain('alarms.states.0');
  });

  it('refuses a webhook URL in settings: only SSM parameter names under /deploy-sentinel/', () => {
    expect(() =>
      parseSettings({ slack: { routes: [{ name: 'x', match: {}, webhookParameter: '/other/param' }] } }),
    ).toThrow(/under \/deploy-sentinel\//);
  });
});

/** The problems parseSettings reports, one `path: message` line each; [] when the settings are valid. */
const problemsOf = (settings: unknown): string[] => {
  try {
    parseSettings(settings, 'settings/prod.yml');
    return [];
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    return error.message
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^\s*- /, ''));
  }
};
const route = (fields: Record<string, unknown>) => ({
  slack: {
    routes: [{ name: 'payments', match: {}, webhookParameter: '/deploy-sentinel/prod/slack/payments', ...fields }],
  },
});

describe('routes that could never work', () => {
  it.each(['kind', 'severity'])('refuses an empty %s list, which no event matches', (key) => {
    const problems = problemsOf(route({ match: { [key]: [] } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^slack\\.routes\\.0\\.match\\.${key}: .*never matches`));
  });

  it.each([
    ['an empty level', '/deploy-sentinel/prod//payments', /empty level/],
    ['a trailing slash', '/deploy-sentinel/prod/payments/', /ends with \//],
    ['16 levels', `/deploy-sentinel/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`, /16 levels.*15/],
    ['a name too long for SSM', `/deploy-sentinel/${'x'.repeat(2_048)}`, /characters/],
    ['a space', '/deploy-sentinel/prod/pay ments', /only letters/],
    ['a colon', '/deploy-sentinel/prod/payments:1', /only letters/],
  ])('refuses a webhook parameter name with %s, naming the route', (_, name, why) => {
    const problems = problemsOf(route({ webhookParameter: name }));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toMatch(/^slack\.routes\.0\.webhookParameter: /);
    expect(problems.join('\n')).toMatch(why);
  });

  it('accepts the longest name that fits SSM in every partition and region, and not one character more', () => {
    const longest = `/deploy-sentinel/${'x'.repeat(MAX_PARAMETER_NAME_LENGTH - '/deploy-sentinel/'.length)}`;
    expect(problemsOf(route({ webhookParameter: longest }))).toEqual([]);
    expect(problemsOf(route({ webhookParameter: `${longest}x` }))).toHaveLength(1);
  });

  it('accepts a name of 15 levels, the most SSM allows', () => {
    const name = `/deploy-sentinel/${Array.from({ length: 14 }, (_, i) => `l${i}`).join('/')}`;
    expect(name.split('/').length - 1).toBe(15);
    expect(problemsOf(route({ webhookParameter: name }))).toEqual([]);
  });
});

describe('the README', () => {
  it('shows a settings file that validates', () => {
    const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```yaml\n(slack:[\s\S]*?)```/.exec(text)?.[1];
    expect(block).toBeDefined();
    expect(() => parseSettings(parse(block!), 'README.md')).not.toThrow();
  });
});

describe('deployment states in settings', () => {
  it('accept any state word, so a state CodeDeploy adds later can be listed or quieted', () => {
    const settings = parseSettings({
      deployments: { states: ['FAILURE', 'PAUSED'], quiet: [{ application: 'search', states: ['PAUSED'] }] },
    });
    expect(settings.deployments.states).toEqual(['FAILURE', 'PAUSED']);
    expect(settings.deployments.quiet[0]!.states).toEqual(['PAUSED']);
  });

  it('mean every state, new ones included, when the states key is missing', () => {
    expect(parseSettings({}).deployments.states).toBeUndefined();
    expect(parseSettings({ deployments: { instanceStates: [] } }).deployments.states).toBeUndefined();
  });

  it('refuse what CodeDeploy never sends (lower case, blanks), with the path', () => {
    expect(() => parseSettings({ deployments: { states: ['failure'] } })).toThrow(/deployments\.states\.0/);
    expect(() => parseSettings({ deployments: { quiet: [{ application: 'a', states: [''] }] } })).toThrow(
      /deployments\.quiet\.0\.states\.0/,
    );
  });
});

describe('organisation settings', () => {
  it('names accounts, the members the hub sweeps, and console sign-in through IAM Identity Center', () => {
    const settings = parseSettings({
      accounts: { '111122223333': 'payments-prod' },
      consoleStartUrl: 'https://d-1234567890.awsapps.com/start',
      consoleRole: 'ReadOnly',
      hub: { members: [{ account: '444455556666', regions: ['eu-west-1', 'us-east-1'] }] },
    });
    expect(settings.accounts).toEqual({ '111122223333': 'payments-prod' });
    expect(settings.hub.members).toEqual([{ account: '444455556666', regions: ['eu-west-1', 'us-east-1'] }]);
    expect(parseSettings({}).hub.members).toEqual([]);
  });

  it('refuses a start URL without its role, an account that is not 12 digits, and a member without regions', () => {
    expect(() => parseSettings({ consoleStartUrl: 'https://d-1234567890.awsapps.com/start' })).toThrow(
      /consoleStartUrl and consoleRole go together/,
    );
    expect(() => parseSettings({ accounts: { '1234': 'short' } })).toThrow(/accounts\.1234/);
    expect(() => parseSettings({ hub: { members: [{ account: '444455556666', regions: [] }] } })).toThrow(
      /hub\.members\.0\.regions/,
    );
  });
});
