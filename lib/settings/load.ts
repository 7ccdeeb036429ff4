import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { parseSettings } from './all.js';
import { type Settings, SettingsError } from './schema.js';

/**
 * Reads and validates a stage's settings file when the service is packaged (and in local tools).
 * Not bundled into functions: they receive the validated object at bundle time.
 */

export interface LoadedSettings {
  file: string;
  /** As written, so that the functions can validate it again at cold start. */
  raw: unknown;
  settings: Settings;
}

/** `settings/<stage>.yml`, or `settings/default.yml` for a stage without a file of its own. */
export const settingsFileFor = (stage: string, serviceDir: string): string => {
  const own = join(serviceDir, 'settings', `${stage}.yml`);
  return existsSync(own) ? own : join(serviceDir, 'settings', 'default.yml');
};

export const loadSettingsFile = (stage: string, serviceDir: string = process.cwd()): LoadedSettings => {
  const file = settingsFileFor(stage, serviceDir);
  const shown = relative(serviceDir, file);
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8')) ?? {};
  } catch (error) {
    throw new SettingsError(`${shown} could not be read as YAML: ${(error as Error).message}`);
  }
  return { file, raw, settings: parseSettings(raw, shown) };
};
