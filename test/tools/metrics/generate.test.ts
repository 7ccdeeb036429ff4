import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateRecords, generateRecordStream } from '../../../tools/metrics/generate.js';
import { computeMetrics } from '../../../tools/metrics/metrics.js';
import { type StateRecord } from '../../../lib/stream/record.js';
import { schemaErrors } from '../../stream/schema.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('generateRecords', () => {
  it('produces exactly the count asked for, the same for the same seed and different for another', () => {
    const a = generateRecords({ count: 500, seed: 3 });
    expect(a).toHaveLength(500);
    expect(generateRecords({ count: 500, seed: 3 })).toEqual(a);
    expect(generateRecords({ count: 500, seed: 4 })).not.toEqual(a);
  });

  it('generates a long history record by record, the same records as at once', () => {
    const records: StateRecord[] = [];
    // A billion records would not fit in memory: only those taken are ever made.
    for (const record of generateRecordStream({ count: 1_000_000_000, seed: 3 })) {
      if (records.push(record) === 500) break;
    }
    expect(records).toEqual(generateRecords({ count: 500, seed: 3 }));
    expect([...generateRecordStream({ count: 321, seed: 3 })]).toEqual(generateRecords({ count: 321, seed: 3 }));
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

  it('adds lead time to most successes when asked, and leaves the rest of the history as it was', () => {
    const plain = generateRecords({ count: 3_000, seed: 1 });
    const withLeadTime = generateRecords({ count: 3_000, seed: 1, leadTime: true });
    const withoutLeadTime = withLeadTime.map((r) => {
      const {
        revisionRegisteredAt: _at,
        leadTimeMs: _ms,
        ...enrichment
      } = (r.enrichment ?? {}) as Record<string, unknown>;
      return r.enrichment ? { ...r, enrichment } : r;
    });
    expect(withoutLeadTime).toEqual(plain);
    const carrying = withLeadTime.filter((r) => (r.enrichment as { leadTimeMs?: number } | undefined)?.leadTimeMs);
    expect(carrying.every((r) => r.kind === 'deployment' && r.state === 'SUCCESS')).toBe(true);
    for (const r of carrying) {
      const e = r.enrichment as { completeTime: string; revisionRegisteredAt: string; leadTimeMs: number };
      expect(e.leadTimeMs).toBe(Date.parse(e.completeTime) - Date.parse(e.revisionRegisteredAt));
    }
    const lead = computeMetrics(withLeadTime).overall.leadTime;
    expect(lead.count).toBeGreaterThan(0);
    expect(lead.unknown).toBeGreaterThan(0);
  });

  it('writes a JSON-lines file from the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'generate-'));
    try {
      const out = join(dir, 'records.jsonl');
      await promisify(execFile)(
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        ['tools/generate-records.ts', '--count', '250', '--out', out, '--seed', '9'],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH },
        },
      );
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      expect(lines.map((l) => JSON.parse(l) as StateRecord)).toEqual(generateRecords({ count: 250, seed: 9 }));
      await promisify(execFile)(
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        ['tools/generate-records.ts', '--count', '250', '--out', out, '--seed', '9', '--lead-time'],
        { cwd: ROOT, env: { PATH: process.env.PATH } },
      );
      expect(
        readFileSync(out, 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as StateRecord),
      ).toEqual(generateRecords({ count: 250, seed: 9, leadTime: true }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
