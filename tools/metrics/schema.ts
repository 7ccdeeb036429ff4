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

/**
 * Whether a condition that reads only `kind` (its `const`, its `enum`, or `not` of such a condition)
 * holds for a record of that kind; undefined for any other condition. A record reaches a kind's
 * validator only with `kind` a string, so `required: ['kind']` holds.
 */
const holdsForKind = (condition: unknown, kind: string): boolean | undefined => {
  if (!condition || typeof condition !== 'object' || Array.isArray(condition)) return undefined;
  const { not, properties, required, ...others } = condition as Schema;
  if (Object.keys(others).length > 0) return undefined;
  if (not !== undefined) {
    if (properties !== undefined || required !== undefined) return undefined;
    const inner = holdsForKind(not, kind);
    return inner === undefined ? undefined : !inner;
  }
  if (required !== undefined && JSON.stringify(required) !== '["kind"]') return undefined;
  const names = Object.keys((properties as Schema | undefined) ?? {});
  if (names.length !== 1 || names[0] !== 'kind') return undefined;
  const rule = (properties as { kind: Schema }).kind;
  const keys = Object.keys(rule);
  if (keys.length === 1 && keys[0] === 'const') return rule.const === kind;
  if (keys.length === 1 && keys[0] === 'enum' && Array.isArray(rule.enum)) return rule.enum.includes(kind);
  return undefined;
};

/** What a branch of `allOf` asks of a record of that kind, resolved ahead when its `if` reads only `kind`. */
const resolvedForKind = (branch: unknown, kind: string): unknown[] => {
  const { if: condition, then, ...others } = branch as { if?: unknown; then?: unknown };
  if (condition === undefined || then === undefined || Object.keys(others).length > 0) return [branch];
  const holds = holdsForKind(condition, kind);
  return holds === undefined ? [branch] : holds ? [then] : [];
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
 * unread. With a kind, the `allOf` conditions on the kind alone ("if the kind is K then ...", "if
 * the kind is none of K1, K2 then ...") are resolved ahead of time: made unconditional where they
 * hold for that kind, dropped where they do not (a record of another kind passes them whatever it
 * holds; and a `not` that passes costs Ajv an error object on every record); any other condition is
 * kept as it is. For a record of that kind, the result accepts exactly
 * what the whole schema accepts once unknown fields are removed, in about two thirds of the time
 * (measured on generated histories). `minLength: 1` becomes the reader's own keyword for the same
 * rule (NON_EMPTY), checked without counting characters; any other `minLength` is kept.
 */
export const readerSchemaFor = (schema: Schema, kind?: string): Schema => {
  const { $id: _id, allOf, ...rest } = schema as Schema & { allOf?: unknown[] };
  const conditions = (allOf ?? []).flatMap((branch) => (kind === undefined ? [branch] : resolvedForKind(branch, kind)));
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
