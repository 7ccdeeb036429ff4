import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyEvent } from '../../../lib/events/classify.js';
import { toStateRecord } from '../../../lib/stream/record.js';
import { generateRecords } from '../../../tools/metrics/generate.js';
import { isDateTime, isStateRecord, STATE_RECORD_SCHEMA } from '../../../tools/metrics/schema.js';
import { listEvents, loadEvent } from '../../support/fixtures.js';

// The definition: ISO 8601 with a zone, and a time Date.parse can read.
const definition = (s: string) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s));

const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });

describe('isDateTime', () => {
  it('accepts exactly the times of the definition, in range or not', () => {
    const candidate = fc
      .tuple(
        digits(4),
        digits(2),
        digits(2),
        digits(2),
        digits(2),
        digits(2),
        fc.constantFrom('', '.', '.5', '.123', '.1234567'),
        fc.constantFrom('Z', '+00:00', '-05:30', '+24:00', 'z', ''),
        fc.constantFrom('-', '/'),
      )
      .map(([y, mo, d, h, mi, s, fraction, zone, sep]) => `${y}${sep}${mo}-${d}T${h}:${mi}:${s}${fraction}${zone}`);
    fc.assert(
      fc.property(candidate, (s) => {
        expect(isDateTime(s)).toBe(definition(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    '2025-01-06T09:23:00.000Z',
    '2025-02-28T23:59:59.999Z',
    '2025-02-30T00:00:00.000Z',
    '2025-13-01T00:00:00.000Z',
    '2025-01-01T24:00:00.000Z',
    '2025-01-01T23:60:00.000Z',
    '2019-10-02T17:04:40.989+0000',
    '2016-06-30T22:06:31Z',
  ])('reads %s as the definition does', (s) => {
    expect(isDateTime(s)).toBe(definition(s));
  });
});

describe('isStateRecord', () => {
  // The whole published schema, unknown fields removed rather than refused, as a version 1 reader must.
  const ajv = new Ajv2020({ strict: true, strictRequired: false, removeAdditional: true });
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
  const whole = ajv.compile(STATE_RECORD_SCHEMA);

  // Every kind of record: generated deployments, instances and alarms, and the sample events' records.
  const samples = [
    ...generateRecords({ count: 200, seed: 2 }),
    ...['codedeploy', 'cloudwatch', 'deploy-sentinel', 'invalid']
      .flatMap(listEvents)
      .map((file) => toStateRecord(classifyEvent(loadEvent(file)))),
  ] as unknown as Record<string, unknown>[];
  const keys = [...new Set(samples.flatMap((r) => Object.keys(r))), 'enrichment', 'cleanup', 'unheardOf'];
  const values = fc.constantFrom<unknown>(
    undefined,
    null,
    '',
    'x',
    'deployment',
    'instance',
    'alarm',
    'cleanup',
    'unknown',
    'START',
    'ALARM',
    'started',
    42,
    -1,
    ['x'],
    {},
    { durationMs: '5' },
    { trigger: 'sweep', mode: 'delete', reason: 'x' },
    '2026-11-20T10:00:00.000Z',
    '2026-11-20',
  );

  it('accepts exactly what the whole published schema accepts, and leaves the record as it was', () => {
    const changed = fc
      .tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.constantFrom(...keys), values), { maxLength: 3 }))
      .map(([sample, changes]) => {
        const record: Record<string, unknown> = structuredClone(sample);
        for (const [key, value] of changes) {
          if (value === undefined) delete record[key];
          else record[key] = value;
        }
        return record;
      });
    fc.assert(
      fc.property(changed, (record) => {
        const mine = structuredClone(record);
        expect(isStateRecord(mine)).toBe(whole(structuredClone(record)));
        expect(mine).toEqual(record);
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses what is not an object', () => {
    for (const value of [null, 'x', 1, [], [{ kind: 'deployment' }]]) expect(isStateRecord(value)).toBe(false);
  });
});
