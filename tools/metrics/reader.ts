import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { realSleep, type Sleep } from '../../lib/time.js';
import { STATE_RECORD_SCHEMA_VERSION, type StateRecord } from '../../lib/stream/record.js';
import { isStateRecord } from './schema.js';

/** Records read back, with a count of what could not be used (never dropped without saying so). */
export interface ReadResult {
  records: StateRecord[];
  /** Not JSON, or not a state record as the published schema (schema/state-record.v1.json) defines it. */
  unreadable: number;
  /** A schema version this reader does not know. */
  unsupported: number;
}

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

const emptyResult = (): ReadResult => ({ records: [], unreadable: 0, unsupported: 0 });

const tally = (result: ReadResult, text: string): void => {
  const decoded = decodeRecord(text);
  if (decoded === 'unreadable') result.unreadable += 1;
  else if (decoded === 'unsupported') result.unsupported += 1;
  else result.records.push(decoded);
};

const collect = (texts: Iterable<string>): ReadResult => {
  const result = emptyResult();
  for (const text of texts) tally(result, text);
  return result;
};

/** Parses JSON lines (one record per line, blank lines ignored) (pure). */
export const parseRecordLines = (text: string): ReadResult =>
  collect(text.split(/\r?\n/).filter((line) => line.trim().length > 0));

/** Reads a JSON-lines file line by line: a long history can exceed the largest string Node can hold. */
export const readRecordFile = async (path: string): Promise<ReadResult> => {
  const result = emptyResult();
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim().length > 0) tally(result, line);
  return result;
};

/** Where to start reading and how to wait on a shard that is behind. */
export interface ReadStreamOptions {
  /** Start at records that arrived at or after this time (AT_TIMESTAMP); otherwise the oldest kept. */
  from?: Date;
  sleep?: Sleep;
  /** Wait between empty reads of a shard that is still behind (Kinesis allows 5 reads/s per shard). */
  idleDelayMs?: number;
}

const listShards = async (client: KinesisClient, streamName: string): Promise<Shard[]> => {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    // ListShards rejects StreamName together with NextToken.
    const page = await client.send(
      new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
};

const readShard = async (
  client: KinesisClient,
  streamName: string,
  shardId: string,
  options: ReadStreamOptions,
  texts: string[],
): Promise<void> => {
  const sleep = options.sleep ?? realSleep;
  const decoder = new TextDecoder();
  const start = await client.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: shardId,
      ...(options.from
        ? { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: options.from }
        : { ShardIteratorType: 'TRIM_HORIZON' }),
    }),
  );
  let iterator = start.ShardIterator;
  while (iterator) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    const records = page.Records ?? [];
    for (const record of records) texts.push(decoder.decode(record.Data));
    // A closed shard ends with no next iterator; an open one is caught up when a read is empty
    // and nothing is behind. An empty read that is still behind only skipped a gap.
    iterator = page.NextShardIterator;
    if (records.length === 0) {
      if ((page.MillisBehindLatest ?? 0) === 0) return;
      await sleep(options.idleDelayMs ?? 250);
    }
  }
};

/** Reads every shard of a stream until caught up, and decodes the state records. */
export const readStreamRecords = async (
  client: KinesisClient,
  streamName: string,
  options: ReadStreamOptions = {},
): Promise<ReadResult & { shards: number }> => {
  const shards = await listShards(client, streamName);
  const texts: string[] = [];
  for (const shard of shards) {
    if (shard.ShardId) await readShard(client, streamName, shard.ShardId, options, texts);
  }
  return { ...collect(texts), shards: shards.length };
};
