import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyEvent } from '../../lib/events/classify.js';
import { partitionKeyOf, type StateRecord, toStateRecord } from '../../lib/stream/record.js';
import { fitRecord, MAX_RECORD_BYTES, RecordTooLargeError, truncateUtf8 } from '../../lib/stream/size.js';
import { loadEvent } from '../support/fixtures.js';
import { loneSurrogatesIn } from '../support/unicode.js';
import { schemaErrors } from './schema.js';

// Characters of 1 to 4 UTF-8 bytes, and ones JSON escapes.
const text = (maxLength: number) =>
  fc
    .array(fc.constantFrom('a', 'Z', 'é', '€', '😀', '"', '\\', '\n', '\u0001', ' '), { maxLength })
    .map((chars) => chars.join(''));

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('truncateUtf8', () => {
  it('never splits a character', () => {
    fc.assert(
      fc.property(text(40), fc.nat(64), (input, max) => {
        const cut = truncateUtf8(input, max);
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
        expect(input.startsWith(cut)).toBe(true);
        expect(Buffer.from(cut).toString('utf8')).toBe(cut);
      }),
    );
  });
});

describe('fitRecord', () => {
  it('returns a record that fits unchanged', () => {
    const record = toStateRecord(classifyEvent(loadEvent('codedeploy/deployment.failure.json')));
    expect(fitRecord(record, MAX_RECORD_BYTES)).toBe(record);
  });

  it('cuts the largest field of an oversized cleanup record, names it, and keeps the rest', () => {
    const event = loadEvent('deploy-sentinel/cleanup.deleted.json');
    event.detail.instanceIds = Array.from({ length: 60_000 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    event.detail.error = 'AccessDenied: not authorised to perform autoscaling:DeleteAutoScalingGroup';
    const record = toStateRecord(classifyEvent(event));

    expect(bytes(record) + Buffer.byteLength(partitionKeyOf(record))).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(record.truncated).toEqual(['cleanup.instanceIds']);
    expect(record.cleanup!.instanceIds).toEqual(event.detail.instanceIds.slice(0, record.cleanup!.instanceIds!.length));
    expect(record.cleanup!.instanceIds!.length).toBeGreaterThan(30_000);
    expect(record.cleanup!.error).toBe(event.detail.error);
    expect(record.cleanup!.autoScalingGroupName).toBe(event.detail.autoScalingGroupName);
    expect(schemaErrors(record)).toEqual([]);
  });

  it('cuts one field after another when one is not enough', () => {
    const event = loadEvent('deploy-sentinel/cleanup.deleted.json');
    event.detail.instanceIds = Array.from({ length: 60_000 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    event.detail.error = `"quoted" and \\ escaped ${'é'.repeat(1_200_000)}`;
    const record = toStateRecord(classifyEvent(event));

    expect(bytes(record) + Buffer.byteLength(partitionKeyOf(record))).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(record.truncated).toEqual(['cleanup.error', 'cleanup.instanceIds']);
    expect(record.deploymentId).toBe(event.detail.deploymentId);
    expect(schemaErrors(record)).toEqual([]);
  });

  it('fits any mix of large text, escapes and unicode within the limit, keeping the identity', () => {
    fc.assert(
      fc.property(text(3_000), text(3_000), fc.integer({ min: 600, max: 4_000 }), (reason, raw, max) => {
        const record: StateRecord = {
          schemaVersion: 1,
          eventId: 'evt-1',
          kind: 'unknown',
          eventTime: '2026-11-20T15:00:00.000Z',
          reason,
          raw,
        };
        const fitted = fitRecord(record, max);
        expect(bytes(fitted)).toBeLessThanOrEqual(max);
        expect(fitted.eventId).toBe('evt-1');
        expect(fitted.eventTime).toBe(record.eventTime);
        if (fitted !== record) expect(fitted.truncated!.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a record whose identifying fields alone exceed the limit, rather than sending it cut', () => {
    const record: StateRecord = {
      schemaVersion: 1,
      eventId: 'evt-2',
      kind: 'deployment',
      deploymentId: 'd-'.padEnd(5_000, 'x'),
    };
    expect(() => fitRecord(record, 1_000)).toThrow(RecordTooLargeError);
  });
});

describe('fitRecord with emoji', () => {
  it('cuts a reason of emoji between characters, never inside one', () => {
    const record = { eventId: 'e-1', kind: 'alarm', reason: `x${'🚀'.repeat(10_000)}`, truncated: undefined };
    for (const max of [1_001, 1_002, 1_003, 1_004, 20_001]) {
      const fitted = fitRecord(record, max);
      expect(bytes(fitted)).toBeLessThanOrEqual(max);
      expect(loneSurrogatesIn(fitted)).toEqual([]);
      expect(fitted.reason).toMatch(/^x🚀+…$/u);
    }
  });
});
