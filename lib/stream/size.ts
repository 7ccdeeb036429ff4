/**
 * Kinesis size limits and the trimming that keeps a record within them (Kinesis PutRecords
 * reference: each record's data blob plus partition key at most 1 MiB; a request at most 5 MiB and
 * 500 records; a partition key 1 to 256 Unicode characters, which Kinesis counts in UTF-16 code units).
 */
import { keepStart } from '../text.js';

/** Data blob plus partition key, per record. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** All records of one PutRecords request. */
export const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
/** Records in one PutRecords request. */
export const MAX_REQUEST_RECORDS = 500;
/** UTF-16 code units in a partition key: a character outside the Basic Multilingual Plane counts two. */
export const MAX_PARTITION_KEY_UNITS = 256;

/**
 * A partition key Kinesis accepts: the start of `key`, at most 256 UTF-16 code units, never ending
 * in half a character. The same key always gives the same result, so records keep their shard.
 */
export const fitPartitionKey = (key: string): string => keepStart(key, MAX_PARTITION_KEY_UNITS);

/** Raised when a record cannot be made to fit: its identifying fields alone are too large. */
export class RecordTooLargeError extends Error {
  override name = 'RecordTooLargeError';
}

const encoder = new TextEncoder();

/** The size of text as Kinesis counts it. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The longest prefix of `text` within `maxBytes` of UTF-8, never splitting a character. */
export const truncateUtf8 = (text: string, maxBytes: number): string => {
  if (utf8Bytes(text) <= maxBytes) return text;
  const buffer = new Uint8Array(Math.max(0, maxBytes));
  const { read } = encoder.encodeInto(text, buffer);
  return text.slice(0, read);
};

// The fields that identify, order and route a record are never cut: a record without them is useless.
const PROTECTED = new Set([
  'schemaVersion',
  'eventId',
  'eventTime',
  'recordedAt',
  'kind',
  'truncated',
  'deploymentId',
  'alarmName',
  'application',
  'deploymentGroup',
  'cleanup.autoScalingGroupName',
]);

const ELLIPSIS = '…';
// Below this a field is not worth cutting further; "" and [] are where cutting ends.
const EMPTY_SERIALISED_BYTES = 2;

interface Candidate {
  path: string;
  holder: Record<string, unknown>;
  key: string;
  bytes: number;
}

const serialisedBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value));

const candidatesOf = (holder: Record<string, unknown>, prefix: string, out: Candidate[]): Candidate[] => {
  for (const [key, value] of Object.entries(holder)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (PROTECTED.has(path)) continue;
    if (typeof value === 'string' || Array.isArray(value)) {
      out.push({ path, holder, key, bytes: serialisedBytes(value) });
    } else if (value && typeof value === 'object') {
      candidatesOf(value as Record<string, unknown>, path, out);
    }
  }
  return out;
};

/** Shrinks one field so that the record loses about `excess` serialised bytes. */
const shrink = (candidate: Candidate, excess: number): void => {
  const value = candidate.holder[candidate.key];
  // Escapes make the serialised form larger than the text; scale the cut by that ratio.
  const keepRatio = Math.max(0, (candidate.bytes - excess - EMPTY_SERIALISED_BYTES) / candidate.bytes);
  if (Array.isArray(value)) {
    candidate.holder[candidate.key] = value.slice(0, Math.floor(value.length * keepRatio));
    return;
  }
  const text = value as string;
  const budget = Math.floor(utf8Bytes(text) * keepRatio) - utf8Bytes(ELLIPSIS);
  candidate.holder[candidate.key] = budget > 0 ? `${truncateUtf8(text, budget)}${ELLIPSIS}` : '';
};

/**
 * Returns the record unchanged when its JSON fits `maxBytes`; otherwise a copy whose largest
 * cuttable fields are shortened (strings end in "…", lists lose their tail) until it fits, each cut
 * field named in `truncated`. Throws RecordTooLargeError when even that cannot make it fit.
 */
export const fitRecord = <T extends { truncated?: string[] }>(record: T, maxBytes: number): T => {
  let size = serialisedBytes(record);
  if (size <= maxBytes) return record;
  const copy = structuredClone(record) as T & Record<string, unknown>;
  const truncated = new Set(record.truncated ?? []);
  // Every round shortens the largest field; a few dozen rounds is far more than real records need.
  for (let round = 0; round < 100 && size > maxBytes; round += 1) {
    const [largest] = candidatesOf(copy, '', [])
      .filter((c) => c.bytes > EMPTY_SERIALISED_BYTES)
      .sort((a, b) => b.bytes - a.bytes);
    if (!largest) break;
    // Leave room for the `truncated` list this cut may add.
    const room = truncated.has(largest.path) ? 0 : utf8Bytes(JSON.stringify(largest.path)) + 16;
    shrink(largest, size - maxBytes + room);
    truncated.add(largest.path);
    copy.truncated = [...truncated];
    size = serialisedBytes(copy);
  }
  if (size > maxBytes) {
    throw new RecordTooLargeError(
      `record ${String((record as Record<string, unknown>).eventId)} is ${size} bytes after trimming every cuttable field; the limit is ${maxBytes}`,
    );
  }
  return copy;
};
