import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { execFile, execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRecords } from '../../../tools/metrics/generate.js';
import { computeMetrics, formatMetricsTable } from '../../../tools/metrics/metrics.js';
import { formatHtmlReport } from '../../../tools/metrics/report.js';
import { forEachStreamRecord, readStreamRecords } from '../../../tools/metrics/reader.js';
import { forEachFileRecord, parseRecordLines, readRecordFile } from '../../../tools/metrics/records.js';
import type { StateRecord } from '../../../lib/stream/record.js';
import { kinesisPortOver } from '../../../lib/aws/kinesis.js';
import { createRecordWriter } from '../../../lib/stream/writer.js';
import { deadlineAt } from '../../../lib/time.js';
import { LOCAL_CREDENTIALS, type KinesisStandIn, startKinesisStandIn } from '../../../local/standins/kinesis.js';
import { type MetricsCliIo, runMetricsCli } from '../../../tools/metrics.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const HISTORY = generateRecords({ count: 400, seed: 7 });
const LATER = '2099-01-01T00:00:00.000Z';

let kinesis: KinesisStandIn;
let client: KinesisClient;
let dir: string;

beforeAll(async () => {
  kinesis = await startKinesisStandIn({
    streams: [
      { name: 'history', shardCount: 3 },
      { name: 'empty', shardCount: 2 },
    ],
  });
  client = kinesis.client();
  await createRecordWriter({ kinesis: kinesisPortOver(client), streamName: 'history' }).put(
    HISTORY,
    deadlineAt(Date.now() + 20_000),
  );
  dir = mkdtempSync(join(tmpdir(), 'stream-reader-'));
});
afterAll(async () => {
  await kinesis.close();
  rmSync(dir, { recursive: true, force: true });
});

const captureIo = (): MetricsCliIo & { out: string[]; err: string[] } => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), kinesis: () => kinesis.client() };
};

describe('readStreamRecords against a local Kinesis', () => {
  it('reads every record of every shard until caught up', async () => {
    const read = await readStreamRecords(client, 'history');
    expect(read).toMatchObject({ shards: 3, unreadable: 0, unsupported: 0 });
    expect(read.records).toHaveLength(HISTORY.length);
    expect(computeMetrics(read.records)).toEqual(computeMetrics(HISTORY));
  });

  it('hands every record on as it reads, and returns only the counts', async () => {
    const records: StateRecord[] = [];
    const read = await forEachStreamRecord(client, 'history', (record) => records.push(record));
    expect(read).toEqual({ records: HISTORY.length, unreadable: 0, unsupported: 0, shards: 3 });
    expect(computeMetrics(records)).toEqual(computeMetrics(HISTORY));
  });

  it('reads nothing from an empty stream, and stops', async () => {
    expect(await readStreamRecords(client, 'empty')).toEqual({ records: [], unreadable: 0, unsupported: 0, shards: 2 });
  });

  it('starts at a point in time with --from, and counts what it cannot read', async () => {
    await kinesis.createStream('windowed', 2);
    const writer = createRecordWriter({ kinesis: kinesisPortOver(client), streamName: 'windowed' });
    await writer.put(HISTORY.slice(0, 10), deadlineAt(Date.now() + 10_000));
    // Arrival times are kept to the millisecond; a few milliseconds separate the two writes.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const from = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writer.put(HISTORY.slice(10, 15), deadlineAt(Date.now() + 10_000));
    await client.send(
      new PutRecordsCommand({
        StreamName: 'windowed',
        Records: [
          { PartitionKey: 'x', Data: Buffer.from('not json') },
          { PartitionKey: 'y', Data: Buffer.from(JSON.stringify({ ...HISTORY[0], schemaVersion: 2 })) },
        ],
      }),
    );

    const read = await readStreamRecords(client, 'windowed', { from });
    expect(read.records.map((r) => r.eventId).sort()).toEqual(
      HISTORY.slice(10, 15)
        .map((r) => r.eventId)
        .sort(),
    );
    expect(read).toMatchObject({ unreadable: 1, unsupported: 1 });
  });
});

describe('reading a JSON-lines file', () => {
  it('keeps every record line and counts the lines it cannot use', async () => {
    const text = [
      JSON.stringify(HISTORY[0]),
      '',
      '{"truncated json',
      JSON.stringify({ ...HISTORY[1], schemaVersion: 2 }),
      JSON.stringify(['not', 'a', 'record']),
      `${JSON.stringify(HISTORY[2])}\r`,
    ].join('\n');
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, text);
    const expected = { records: [HISTORY[0], HISTORY[2]], unreadable: 2, unsupported: 1 };
    expect(parseRecordLines(text)).toEqual(expected);
    expect(await readRecordFile(file)).toEqual(expected);
    const handed: StateRecord[] = [];
    expect(await forEachFileRecord(file, (record) => handed.push(record))).toEqual({
      records: 2,
      unreadable: 2,
      unsupported: 1,
    });
    expect(handed).toEqual(expected.records);
  });

  it('hands each record on as soon as its line has arrived, from a pipe still being written', async () => {
    const fifo = join(dir, 'records.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = createWriteStream(fifo);
    const handed: StateRecord[] = [];
    let firstHalfRead: () => void;
    const firstHalf = new Promise<void>((resolve) => (firstHalfRead = resolve));
    const half = HISTORY.length / 2;
    const reading = forEachFileRecord(fifo, (record) => {
      handed.push(record);
      if (handed.length === half) firstHalfRead();
    });
    writer.write(
      HISTORY.slice(0, half)
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    );
    // The writer holds the second half back until the first has been handed on.
    await firstHalf;
    writer.end(
      HISTORY.slice(half)
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    );
    expect(await reading).toEqual({ records: HISTORY.length, unreadable: 0, unsupported: 0 });
    expect(handed).toEqual(HISTORY);
  });

  it('reads a line that spans many read buffers, and a last line without a newline', async () => {
    const long = { ...HISTORY[0]!, eventId: 'long', reason: 'x'.repeat(3 * 1024 * 1024) };
    const file = join(dir, 'long.jsonl');
    writeFileSync(file, `${JSON.stringify(HISTORY[1])}\n  \n${JSON.stringify(long)}\n${JSON.stringify(HISTORY[2])}`);
    const handed: StateRecord[] = [];
    expect(await forEachFileRecord(file, (record) => handed.push(record))).toMatchObject({ records: 3, unreadable: 0 });
    expect(handed.map((r) => r.eventId)).toEqual([HISTORY[1]!.eventId, 'long', HISTORY[2]!.eventId]);
  });

  it('counts records the published schema rejects as unreadable, and keeps them out of the numbers', () => {
    const success = HISTORY.find((r) => r.kind === 'deployment' && r.state === 'SUCCESS')!;
    const { kind: _kind, ...withoutKind } = success;
    const wrong = [
      // The last deployment of the history, of a group of its own: the one whose name gets compared.
      { ...success, eventId: 'number-application', deploymentId: 'd-NUMBER', eventTime: LATER, application: 42 },
      {
        ...success,
        eventId: 'string-duration',
        deploymentId: 'd-STRING',
        enrichment: { ...success.enrichment, durationMs: '999999999' },
      },
      { ...withoutKind, eventId: 'no-kind' },
      { ...success, eventId: 'unknown-kind', kind: 'deploymnet' },
      { ...success, eventId: 'bad-time', eventTime: 'yesterday' },
    ];
    const text = [...HISTORY, ...wrong].map((r) => JSON.stringify(r)).join('\n');
    const read = parseRecordLines(text);
    expect(read).toMatchObject({ unreadable: wrong.length, unsupported: 0 });
    expect(read.records).toEqual(HISTORY);
    expect(computeMetrics(read.records)).toEqual(computeMetrics(HISTORY));
  });

  it('reads a record that carries a field added later within version 1', () => {
    // The schema's description: new optional fields may be added within version 1.
    const record = { ...HISTORY[0]!, addedLater: { any: 'shape' } };
    const read = parseRecordLines(JSON.stringify(record));
    expect(read).toMatchObject({ unreadable: 0, unsupported: 0 });
    expect(read.records).toMatchObject([HISTORY[0]!]);
  });
});

describe('npm run metrics', () => {
  it('prints the table for a stream', async () => {
    const io = captureIo();
    expect(await runMetricsCli(['--stream', 'history'], io)).toBe(0);
    const table = io.out.join('\n');
    for (const group of ['checkout-prod', 'checkout-staging', 'payments-prod', 'search-blue-green'])
      expect(table).toContain(group);
    expect(table).toMatch(/^all\s+\d+/m);
    expect(io.err).toEqual([]);
  });

  it('prints JSON for a file, equal to the metrics of the records', async () => {
    const file = join(dir, 'history.jsonl');
    writeFileSync(file, `${HISTORY.map((r) => JSON.stringify(r)).join('\n')}\nnot json\n`);
    const io = captureIo();
    expect(await runMetricsCli(['--file', file, '--json'], io)).toBe(0);
    const output = JSON.parse(io.out.join('\n'));
    expect(output).toMatchObject({ source: { file }, unreadable: 1, unsupported: 0 });
    expect(output.overall).toEqual(JSON.parse(JSON.stringify(computeMetrics(HISTORY).overall)));
    expect(io.err.join('\n')).toContain('skipped 1 unreadable record(s)');
  });

  it('prints the numbers of a file that holds records of the wrong types, and says how many it skipped', async () => {
    const success = HISTORY.find((r) => r.kind === 'deployment' && r.state === 'SUCCESS')!;
    const file = join(dir, 'wrong-types.jsonl');
    const wrong = [
      // The last deployment of the history, of a group of its own: the one whose name gets compared.
      { ...success, eventId: 'number-application', deploymentId: 'd-NUMBER', eventTime: LATER, application: 42 },
      {
        ...success,
        eventId: 'string-duration',
        deploymentId: 'd-STRING',
        enrichment: { ...success.enrichment, durationMs: '999999999' },
      },
    ];
    writeFileSync(file, [...HISTORY, ...wrong].map((r) => JSON.stringify(r)).join('\n'));
    const io = captureIo();
    expect(await runMetricsCli(['--file', file, '--json'], io)).toBe(0);
    const output = JSON.parse(io.out.join('\n'));
    expect(output).toMatchObject({ unreadable: 2, unsupported: 0 });
    expect(output.overall).toEqual(JSON.parse(JSON.stringify(computeMetrics(HISTORY).overall)));
    expect(io.err.join('\n')).toContain('skipped 2 unreadable record(s)');
  });

  it('writes the HTML report with --html, and prints the table or the JSON as before', async () => {
    const file = join(dir, 'for-html.jsonl');
    writeFileSync(file, HISTORY.map((r) => JSON.stringify(r)).join('\n'));
    const page = join(dir, 'report.html');
    const io = captureIo();
    expect(await runMetricsCli(['--file', file, '--html', page], io)).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html).toBe(
      formatHtmlReport(computeMetrics(HISTORY), { description: 'file for-html.jsonl', unreadable: 0, unsupported: 0 }),
    );
    expect(io.out.join('\n')).toBe(formatMetricsTable(computeMetrics(HISTORY)));
    expect(io.err).toEqual([`report written to ${page} (${Math.ceil(Buffer.byteLength(html) / 1024)} KiB)`]);

    const both = captureIo();
    const streamPage = join(dir, 'stream-report.html');
    expect(await runMetricsCli(['--stream', 'history', '--json', '--html', streamPage], both)).toBe(0);
    expect(JSON.parse(both.out.join('\n')).overall).toEqual(
      JSON.parse(JSON.stringify(computeMetrics(HISTORY).overall)),
    );
    expect(readFileSync(streamPage, 'utf8')).toContain('From stream history:');
  });

  it('refuses, before reading anything, to write the report where it cannot', async () => {
    const io = captureIo();
    const nowhere = join(dir, 'no-such-folder', 'report.html');
    expect(await runMetricsCli(['--stream', 'no-such-stream', '--html', nowhere], io)).toBe(2);
    expect(io.err.join('\n')).toMatch(/^--html: no folder .*no-such-folder.*\nusage: npm run metrics/);
    const folder = captureIo();
    expect(await runMetricsCli(['--stream', 'no-such-stream', '--html', dir], folder)).toBe(2);
    expect(folder.err[0]).toMatch(/^--html: .* is a folder/);
  });

  it('explains its usage, and fails on a stream that does not exist', async () => {
    const usage = captureIo();
    expect(await runMetricsCli([], usage)).toBe(2);
    expect(usage.err.join('\n')).toContain('usage: npm run metrics');
    expect(await runMetricsCli(['--file', 'a', '--from', 'yesterday'], usage)).toBe(2);

    const missing = captureIo();
    expect(await runMetricsCli(['--stream', 'no-such-stream'], missing)).toBe(1);
    expect(missing.err.join('\n')).toMatch(/could not read stream no-such-stream: ResourceNotFoundException/);
  });

  it('runs as a script that finds the stream through the standard endpoint settings', async () => {
    const { stdout } = await promisify(execFile)(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['tools/metrics.ts', '--stream', 'history', '--json'],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          AWS_ENDPOINT_URL_KINESIS: kinesis.url,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        },
      },
    );
    const output = JSON.parse(stdout);
    expect(output.source).toEqual({ stream: 'history', shards: 3 });
    expect(output.overall).toEqual(JSON.parse(JSON.stringify(computeMetrics(HISTORY).overall)));
  });
});
