import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';

/** The record schema as committed, compiled once; what consumers validate against. */
export const RECORD_SCHEMA = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'state-record.v1.json'), 'utf8'),
) as Record<string, unknown>;

// Conditional `required` names properties declared at the top level, which strictRequired would refuse.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
// ISO 8601 with a zone, as EventBridge and toISOString write it.
ajv.addFormat('date-time', {
  type: 'string',
  validate: (s: string) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
});
const validate = ajv.compile(RECORD_SCHEMA);

/** The schema's complaints about a record, empty when it is valid. */
export const schemaErrors = (record: unknown): string[] =>
  validate(record) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
