import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { format, resolveConfig } from 'prettier';
import * as z from 'zod/mini';
import '../lib/zod.js';
import { settingsSchema } from '../lib/settings/all.js';
import { type CommandIo, isMain, processIo, runCommand } from './cli.js';

/**
 * Writes schema/settings.schema.json, the JSON Schema of a stage's settings file, from the zod
 * schema packaging validates with, so that editors complete and check `settings/<stage>.yml`:
 *
 *   npm run settings-schema
 *
 * Every settings file names it on its first line (`# yaml-language-server: $schema=…`). The JSON
 * Schema describes what a person writes (defaults are optional, durations may be text). Checks zod
 * runs in code (RE2 patterns, JSON paths, variables, budgets, SSM parameter names) have no JSON
 * Schema form and are left out: the schema never refuses settings that package, while packaging
 * still refuses what the schema lets through.
 */

/** Where the schema is committed. */
export const SETTINGS_SCHEMA_FILE = join(import.meta.dirname, '..', 'schema', 'settings.schema.json');

export const USAGE = 'usage: npm run settings-schema';

// Draft-07: the draft the YAML language server (VS Code, Neovim and others) fully supports
// (https://github.com/redhat-developer/yaml-language-server#readme, "Supports JSON Schema 7 and below").
const TARGET = 'draft-07';

// The formats draft-07 defines (https://json-schema.org/draft-07/json-schema-validation#rfc.section.7.3).
// Zod also writes its own (`starts_with` next to the equivalent `pattern`), which validators reject or ignore.
const DRAFT_07_FORMATS = new Set([
  'date-time',
  'date',
  'time',
  'email',
  'idn-email',
  'hostname',
  'idn-hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uri-reference',
  'iri',
  'iri-reference',
  'uri-template',
  'json-pointer',
  'relative-json-pointer',
  'regex',
]);

/** The JSON Schema of a settings file, as an object. */
export const settingsJsonSchema = (): Record<string, unknown> => {
  const generated = z.toJSONSchema(settingsSchema, {
    target: TARGET,
    io: 'input',
    // Anything zod cannot express becomes "any value": the editor then says nothing rather than something wrong.
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      if (typeof jsonSchema.format === 'string' && !DRAFT_07_FORMATS.has(jsonSchema.format)) delete jsonSchema.format;
    },
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, title: 'deploy-sentinel settings (settings/<stage>.yml)', ...rest };
};

/** The schema file's text, formatted as Prettier formats the repository. */
export const renderSettingsJsonSchema = async (): Promise<string> =>
  format(JSON.stringify(settingsJsonSchema(), null, 2), {
    ...(await resolveConfig(SETTINGS_SCHEMA_FILE)),
    filepath: SETTINGS_SCHEMA_FILE,
  });

/** Writes the schema; returns the exit code. */
export const runSettingsSchemaCli = (
  argv: string[],
  io: CommandIo = processIo,
  file: string = SETTINGS_SCHEMA_FILE,
): Promise<number> =>
  runCommand(
    argv,
    { usage: USAGE, options: {} },
    async () => {
      writeFileSync(file, await renderSettingsJsonSchema());
      io.stdout(`wrote ${relative(process.cwd(), file)}`);
      return 0;
    },
    io,
  );

if (isMain(import.meta.url)) {
  process.exitCode = await runSettingsSchemaCli(process.argv.slice(2));
}
