import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import type { StateRecord } from '../../lib/stream/record.js';

/** The published state record schema, schema/state-record.v1.json, as committed. */
export const STATE_RECORD_SCHEMA = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'state-record.v1.json'), 'utf8'),
) as Record<string, unknown>;

/** The schema's `date-time`: ISO 8601 with a zone, as EventBridge and toISOString write it. */
export const isDateTime = (s: string): boolean =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s));

// Conditional `required` names properties declared at the top level, which strictRequired would refuse.
// The schema promises that new optional fields may be added within version 1, while its
// `additionalProperties: false` keeps the writer honest: a reader drops fields it does not know
// instead of refusing a record from a newer writer.
const ajv = new Ajv2020({ strict: true, strictRequired: false, removeAdditional: true });
ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
const validate = ajv.compile<StateRecord>(STATE_RECORD_SCHEMA);

/**
 * Whether a parsed value is a state record of version 1 (compiled once, fast enough for millions of
 * records). Fields a later version 1 added are removed from the value, which is otherwise untouched.
 */
export const isStateRecord = (value: unknown): value is StateRecord => validate(value);
