import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { _ } from 'ajv/dist/2020.js';
import type { StateRecord } from '../../lib/stream/record.js';

/** The published state record schema, schema/state-record.v1.json, as committed. */
export const STATE_RECORD_SCHEMA = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'state-record.v1.json'), 'utf8'),
) as Record<string, unknown>;

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
// What toISOString writes, with a day every month has: always a time, so Date.parse (most of the cost
// of checking a record) need not be asked. Anything else is asked.
const PLAIN_UTC = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** The schema's `date-time`: ISO 8601 with a zone, as EventBridge and toISOString write it. */
export const isDateTime = (s: string): boolean =>
  PLAIN_UTC.test(s) || (DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)));

type Schema = Record<string, unknown>;

const kindOfCondition = (branch: unknown): string | undefined => {
  const { if: condition, then, ...others } = branch as { if?: Schema; then?: Schema };
  const kind = (condition?.properties as { kind?: { const?: unknown } } | undefined)?.kind?.const;
  const shapeIsKnown =
    Object.keys(others).length === 0 &&
    then !== undefined &&
    JSON.stringify(condition) === JSON.stringify({ properties: { kind: { const: kind } }, required: ['kind'] });
  return shapeIsKnown && typeof kind === 'string' ? kind : undefined;
};

// A reader's keyword for `minLength: 1`: Ajv counts minLength in code points (the JSON Schema rule),
// walking every character of every string, the largest part of checking a record; a string holds at
// least one code point exactly when it holds at least one UTF-16 unit, which `length` says at once.
const NON_EMPTY = 'x-nonEmpty';

const forReading = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(forReading);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
      .map(([key, value]) => (key === 'minLength' && value === 1 ? [NON_EMPTY, true] : [key, forReading(value)])),
  );
};

/**
 * The schema as a reader applies it, to records of one kind when `kind` is given. The schema promises
 * that new optional fields may be added within version 1, while its `additionalProperties: false`
 * keeps the writer honest: a reader accepts a field it does not know instead of refusing a record from
 * a newer writer. So `additionalProperties: false` is dropped, and such a field is left in place,
 * unread. With a kind, the `allOf` conditions "if the kind is K then ..." are resolved ahead of time:
 * K's made unconditional, the others' dropped (a record of another kind passes them whatever it
 * holds); any other condition is kept as it is. For a record of that kind, the result accepts exactly
 * what the whole schema accepts once unknown fields are removed, in about two thirds of the time
 * (measured on generated histories). `minLength: 1` becomes the reader's own keyword for the same
 * rule (NON_EMPTY), checked without counting characters; any other `minLength` is kept.
 */
export const readerSchemaFor = (schema: Schema, kind?: string): Schema => {
  const { $id: _id, allOf, ...rest } = schema as Schema & { allOf?: unknown[] };
  const conditions = (allOf ?? []).flatMap((branch) => {
    const named = kind === undefined ? undefined : kindOfCondition(branch);
    if (named === undefined) return [branch];
    return named === kind ? [(branch as { then: Schema }).then] : [];
  });
  return forReading(conditions.length > 0 ? { ...rest, allOf: conditions } : rest) as Schema;
};

// Conditional `required` names properties declared at the top level, which strictRequired would refuse.
const ajv = new Ajv2020({ strict: true, strictRequired: false });
ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
ajv.addKeyword({
  keyword: NON_EMPTY,
  type: 'string',
  schemaType: 'boolean',
  error: { message: 'must NOT have fewer than 1 characters' },
  code: (cxt) => cxt.fail(_`${cxt.data}.length === 0`),
});
// One validator per kind the schema names; a record of another kind meets all the conditions, and fails.
const kinds = (STATE_RECORD_SCHEMA.properties as { kind?: { enum?: unknown[] } }).kind?.enum ?? [];
const validateKind = new Map(
  kinds
    .filter((kind): kind is string => typeof kind === 'string')
    .map((kind) => [kind, ajv.compile<StateRecord>(readerSchemaFor(STATE_RECORD_SCHEMA, kind))]),
);
const validateOther = ajv.compile<StateRecord>(readerSchemaFor(STATE_RECORD_SCHEMA));

/**
 * Whether a parsed value is a state record of version 1, the value untouched (compiled once, fast
 * enough for millions of records). Fields a later version 1 added are accepted, unread.
 */
export const isStateRecord = (value: unknown): value is StateRecord => {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return (typeof kind === 'string' ? (validateKind.get(kind) ?? validateOther) : validateOther)(value);
};
