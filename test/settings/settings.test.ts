import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSettingsFile } from '../../lib/settings/load.js';
import { SettingsError, parseSettings } from '../../lib/settings/schema.js';

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
