import { createReadStream } from 'node:fs';
import { STATE_RECORD_SCHEMA_VERSION, type StateRecord } from '../../lib/stream/record.js';
import { isStateRecord } from './schema.js';

/**
 * State records from text: decoding one, and reading JSON lines. Nothing here talks to AWS, so that
 * reading a file loads none of the SDK.
 */

/** Records read back, with a count of what could not be used (never dropped without saying so). */
export interface ReadResult {
  records: StateRecord[];
  /** Not JSON, or not a state record as the published schema (schema/state-record.v1.json) defines it. */
  unreadable: number;
  /** A schema version this reader does not know. */
  unsupported: number;
}

/** How many records a read handed on, and how many it could not use. */
export interface ReadCounts {
  records: number;
  unreadable: number;
  unsupported: number;
}

/** Receives each state record as soon as it has been read and decoded. */
export type RecordHandler = (record: StateRecord) => void;

/** Decodes one record's text (pure): a state record, or why not. */
export const decodeRecord = (text: string): StateRecord | 'unreadable' | 'unsupported' => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'unreadable';
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'unreadable';
  const record = value as Partial<StateRecord>;
  if (
    typeof record.schemaVersion !== 'number' ||
    typeof record.eventId !== 'string' ||
    typeof record.kind !== 'string'
  ) {
    return 'unreadable';
  }
  if (record.schemaVersion !== STATE_RECORD_SCHEMA_VERSION) return 'unsupported';
  // The metrics trust the types: a number where a name belongs, or a string where a duration does,
  // would crash them or skew a median.
  return isStateRecord(value) ? value : 'unreadable';
};

/** Decodes texts and hands the records on, counting what it cannot use. */
export const createTally = (onRecord: RecordHandler) => {
  const counts: ReadCounts = { records: 0, unreadable: 0, unsupported: 0 };
  return {
    counts,
    take(text: string): void {
      const decoded = decodeRecord(text);
      if (decoded === 'unreadable') counts.unreadable += 1;
      else if (decoded === 'unsupported') counts.unsupported += 1;
      else {
        counts.records += 1;
        onRecord(decoded);
      }
    },
  };
};

/** Runs a read that hands records on, and keeps them instead (for short histories and tests). */
export const collect = async <T extends ReadCounts>(read: (onRecord: RecordHandler) => Promise<T>) => {
  const records: StateRecord[] = [];
  const { records: _count, ...rest } = await read((record) => records.push(record));
  return { records, ...rest };
};

// Blank lines separate nothing; a line of JSON starts with `{`, and only a blank-looking one is trimmed.
const isBlank = (line: string) => line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim().length === 0);

/** Parses JSON lines (one record per line, blank lines ignored) (pure). */
export const parseRecordLines = (text: string): ReadResult => {
  const records: StateRecord[] = [];
  const tally = createTally((record) => records.push(record));
  for (const line of text.split('\n')) if (!isBlank(line)) tally.take(line);
  return { records, unreadable: tally.counts.unreadable, unsupported: tally.counts.unsupported };
};

/**
 * Reads a JSON-lines file (or a pipe) and hands each record on as soon as its line is complete: a long
 * history can exceed the largest string Node can hold, and the memory Node has. A line ends at `\n`;
 * the `\r` of a Windows line ending is white space to JSON.parse.
 */
export const forEachFileRecord = async (path: string, onRecord: RecordHandler): Promise<ReadCounts> => {
  const tally = createTally(onRecord);
  let rest = '';
  // 64 KiB reads: text this size is collected as soon as its lines are parsed, whereas megabyte reads
  // pile up until a full collection (measured at a million records: 254 MiB at the peak instead of
  // 184, and slower).
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    const text = rest + (chunk as string);
    let start = 0;
    // What was left over holds no line end: search only the new text.
    for (let end = text.indexOf('\n', rest.length); end !== -1; end = text.indexOf('\n', start)) {
      const line = text.slice(start, end);
      if (!isBlank(line)) tally.take(line);
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (!isBlank(rest)) tally.take(rest);
  return tally.counts;
};

/** Reads a whole JSON-lines file into memory: for short histories; forEachFileRecord for long ones. */
export const readRecordFile = (path: string): Promise<ReadResult> =>
  collect((onRecord) => forEachFileRecord(path, onRecord));
