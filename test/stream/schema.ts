import Ajv2020 from 'ajv/dist/2020.js';
import { isDateTime, STATE_RECORD_SCHEMA } from '../../tools/metrics/schema.js';

// Stricter than the metrics reader: a field the schema does not declare is an error of the writer.
// Conditional `required` names properties declared at the top level, which strictRequired would refuse.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
const validate = ajv.compile(STATE_RECORD_SCHEMA);

/** The schema's complaints about a record, empty when it is valid. */
export const schemaErrors = (record: unknown): string[] =>
  validate(record) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
