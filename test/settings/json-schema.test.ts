import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSettings, settingsSchema } from '../../lib/settings/all.js';
import { renderSettingsJsonSchema, runSettingsSchemaCli, SETTINGS_SCHEMA_FILE } from '../../tools/settings-schema.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SETTINGS_FILES = readdirSync(join(ROOT, 'settings')).filter((f) => f.endsWith('.yml'));
const MODELINE = '# yaml-language-server: $schema=../schema/settings.schema.json';

const committed = existsSync(SETTINGS_SCHEMA_FILE) ? readFileSync(SETTINGS_SCHEMA_FILE, 'utf8') : '';
let validate: ValidateFunction | undefined;

/** What the committed schema says about a settings document: [] when it accepts it. */
const schemaProblems = (settings: unknown): string[] => {
  // Strict: a keyword or format an editor's validator would not know fails here instead of being ignored there.
  validate ??= new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(JSON.parse(committed));
  return validate(settings) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
};

const packagingAccepts = (settings: unknown): boolean => {
  try {
    parseSettings(settings);
    return true;
  } catch {
    return false;
  }
};

/** The README's settings examples: YAML blocks that start with a key of the settings file. */
const readmeExamples = (): [string, unknown][] => {
  const keys = Object.keys(settingsSchema.shape);
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((block) => keys.includes(/^(\w+):/m.exec(block)?.[1] ?? ''))
    .map((block) => [block.split('\n')[0]!, parse(block)]);
};

const cloudWatch = (fields: Record<string, unknown>) => ({
  name: 'errors',
  type: 'cloudwatch',
  queries: [{ id: 'errors', metric: { namespace: 'AWS/ApplicationELB', name: 'HTTPCode_Target_5XX_Count' } }],
  reduce: 'max',
  passWhen: '<=',
  threshold: 1,
  noData: 'pass',
  ...fields,
});

describe('schema/settings.schema.json', () => {
  it('is what npm run settings-schema generates from the settings schema', async () => {
    expect(committed, 'schema/settings.schema.json is stale: run npm run settings-schema').toBe(
      await renderSettingsJsonSchema(),
    );
  });

  it('is a titled JSON Schema draft-07, the draft editors support', () => {
    const schema = JSON.parse(committed) as Record<string, unknown>;
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toEqual(expect.any(String));
  });

  it.each(SETTINGS_FILES)('is named on the first line of settings/%s', (file) => {
    expect(readFileSync(join(ROOT, 'settings', file), 'utf8').split('\n')[0]).toBe(MODELINE);
  });

  it.each(SETTINGS_FILES)('accepts settings/%s', (file) => {
    const settings = parse(readFileSync(join(ROOT, 'settings', file), 'utf8')) ?? {};
    expect(schemaProblems(settings)).toEqual([]);
  });

  it('finds the README settings examples', () => {
    expect(readmeExamples().map(([first]) => first)).toEqual(expect.arrayContaining(['slack:', 'hooks:']));
  });

  it.each(readmeExamples())('accepts the README example starting %s', (_first, settings) => {
    expect(schemaProblems(settings)).toEqual([]);
  });

  const route = { name: 'payments', match: {}, webhookParameter: '/deploy-sentinel/prod/slack/payments' };
  const check = (fields: Record<string, unknown>) => ({
    hooks: { AfterAllowTestTraffic: { checks: [{ name: 'health', type: 'http', ...fields }] } },
  });

  // Durations, statuses and one-or-many lists are transformed when parsed: every form a person may
  // write must be accepted, or the editor would flag settings that package fine.
  it.each([
    ['no settings at all', {}],
    ['durations in milliseconds and as text', check({ interval: 250, timeout: '2s', initialDelay: '1m' })],
    ['a window as text', { hooks: { AfterAllowTraffic: { checks: [cloudWatch({ window: '10m' })] } } }],
    ['a status as a number, a class, or a list of both', check({ expect: { status: [200, '3xx'] } })],
    ['a status class alone', check({ expect: { status: '2xx', maxLatency: '800ms' } })],
    [
      'header expectations by value, pattern and absence',
      check({
        expect: { headers: { server: 'nginx', 'x-id': { matches: '^[a-f0-9]+$' }, 'x-debug': { absent: true } } },
      }),
    ],
    ['JSON expectations of any value', check({ expect: { json: [{ path: '$.items', equals: [1, null] }] } })],
    ['a matcher as one value or a list', { slack: { routes: [{ ...route, match: { application: ['a', 'b'] } }] } }],
    ['mentions for some severities', { slack: { mentions: { warning: ['<@U0123ABC>'] } } }],
    ['a deployment state CodeDeploy may add later', { deployments: { states: ['PAUSED'] } }],
    [
      'app mode: a route to a channel and a default channel',
      { slack: { routes: [{ name: 'orders', match: {}, channel: 'C0ORDERS01' }], defaultChannel: 'C0DEPLOYS1' } },
    ],
  ])('accepts %s, as packaging does', (_, settings) => {
    expect(packagingAccepts(settings)).toBe(true);
    expect(schemaProblems(settings)).toEqual([]);
  });

  it.each([
    ['an unknown top-level key', { slak: { routes: [] } }],
    ['a route without a name', { slack: { routes: [{ match: {}, webhookParameter: route.webhookParameter }] } }],
    ['a route that names no destination', { slack: { routes: [{ name: 'x', match: {} }] } }],
    ['a route that names two destinations', { slack: { routes: [{ ...route, channel: 'C0ORDERS01' }] } }],
    ['an alarm state CloudWatch never sends', { alarms: { states: ['PANIC'] } }],
    ['a check of an unknown type', check({ type: 'tcp' })],
    ['a misspelt check field', check({ intervall: '5s' })],
    ['a duration that is neither a number nor text', check({ interval: true })],
    ['an unknown hook', { hooks: { AfterInstal: { checks: [] } } }],
  ])('refuses %s, as packaging does', (_, settings) => {
    expect(packagingAccepts(settings)).toBe(false);
    expect(schemaProblems(settings)).not.toEqual([]);
  });
});

describe('npm run settings-schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'settings-schema-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the schema and says where', async () => {
    const file = join(dir, 'settings.schema.json');
    const out: string[] = [];
    const code = await runSettingsSchemaCli([], { stdout: (t) => out.push(t), stderr: (t) => out.push(t) }, file);
    expect(code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(await renderSettingsJsonSchema());
    expect(out).toEqual([`wrote ${relative(process.cwd(), file)}`]);
  });
});
