import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateRecords } from '../../lib/stream/generate.js';
import { computeMetrics } from '../../lib/stream/metrics.js';
import { type StateRecord } from '../../lib/stream/record.js';
import {
  measureMappingThroughput,
  measureMetricsThroughput,
  measureThroughput,
  measureWriteThroughput,
} from '../../lib/stream/throughput.js';
import type { RecordWriter } from '../../lib/stream/writer.js';
import { deadlineAt } from '../../lib/time.js';
import { listEvents, loadEvent } from '../support/fixtures.js';
import { schemaErrors } from './schema.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** A clock that advances by a fixed step on every reading. */
const steppingClock = (stepMs: number) => {
  let now = 0;
  return () => (now += stepMs);
};

describe('generateRecords', () => {
  it('produces exactly the count asked for, the same for the same seed and different for another', () => {
    const a = generateRecords({ count: 500, seed: 3 });
    expect(a).toHaveLength(500);
    expect(generateRecords({ count: 500, seed: 3 })).toEqual(a);
    expect(generateRecords({ count: 500, seed: 4 })).not.toEqual(a);
  });

  it('produces records the schema accepts, with every kind of outcome the metrics count', () => {
    const records = generateRecords({ count: 3_000, seed: 1 });
    const invalid = records.map((r) => schemaErrors(r)).filter((e) => e.length > 0);
    expect(invalid).toEqual([]);
    const report = computeMetrics(records);
    expect(report.duplicates).toBeGreaterThan(0);
    expect(report.overall.successes).toBeGreaterThan(0);
    expect(report.overall.failures).toBeGreaterThan(0);
    expect(report.overall.stops).toBeGreaterThan(0);
    expect(report.overall.rollbacks).toBeGreaterThan(0);
    expect(report.overall.timeToRestore.count).toBeGreaterThan(0);
    expect(new Set(records.map((r) => r.kind))).toEqual(new Set(['deployment', 'instance', 'alarm']));
  });

  it('writes a JSON-lines file from the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'generate-'));
    try {
      const out = join(dir, 'records.jsonl');
      await promisify(execFile)(
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        ['scripts/generate-records.ts', '--count', '250', '--out', out, '--seed', '9'],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        },
      );
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      expect(lines.map((l) => JSON.parse(l) as StateRecord)).toEqual(generateRecords({ count: 250, seed: 9 }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('throughput', () => {
  it('reports items per second from the injected clock', async () => {
    let ran = 0;
    const result = await measureThroughput(2_000, () => (ran += 1), steppingClock(500));
    expect(ran).toBe(1);
    expect(result).toEqual({ items: 2_000, elapsedMs: 500, perSecond: 4_000 });
  });

  it('says nothing about speed when no time was measured', async () => {
    expect(
      (
        await measureThroughput(
          10,
          () => undefined,
          () => 0,
        )
      ).perSecond,
    ).toBeNull();
  });

  it('measures the metrics, the mapping and the writer over the same records', async () => {
    const records = generateRecords({ count: 200, seed: 2 });
    expect((await measureMetricsThroughput(records, steppingClock(100))).perSecond).toBe(2_000);

    const events = ['codedeploy', 'cloudwatch', 'deploy-sentinel', 'invalid']
      .flatMap(listEvents)
      .map((f) => loadEvent(f));
    expect((await measureMappingThroughput(events, steppingClock(1_000))).items).toBe(events.length);

    const written: StateRecord[] = [];
    const writer: RecordWriter = {
      put: async (batch) => {
        written.push(...batch);
        return { attempts: 1, batches: 1, records: batch.length };
      },
    };
    const result = await measureWriteThroughput(
      writer,
      records,
      deadlineAt(Number.MAX_SAFE_INTEGER),
      steppingClock(50),
    );
    expect(written).toEqual(records);
    expect(result.perSecond).toBe(4_000);
  });
});
