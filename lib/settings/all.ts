import * as z from 'zod/mini';
import '../zod.js';
import { hooksSettingsSchema } from '../hooks/settings.js';
import { type Settings, parseWith, settingsSchemaWith } from './schema.js';

/**
 * The whole settings schema, the hooks' checks included: what packaging validates a stage's file
 * against, and the JSON Schema editors use.
 */
export const settingsSchema = settingsSchemaWith(z.prefault(hooksSettingsSchema, {}));

/** Validates the whole settings file, listing every problem at once. */
export const parseSettings = (input: unknown, origin = 'settings'): Settings =>
  parseWith(settingsSchema, input, origin);
