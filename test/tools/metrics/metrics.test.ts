import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeMetrics,
  createMetricsAccumulator,
  formatDuration,
  formatMetricsTable,
  median,
  type MetricsOptions,
  percentile,
} from '../../../tools/metrics/metrics.js';
import { generateRecords, seededRandom } from '../../../tools/metrics/generate.js';
import type { RecordEnrichment, StateRecord } from '../../../lib/stream/record.js';
import { referenceMetrics } from './reference-metrics.js';

const MIN = 60_000;

/** A deployment record at hh:mm on 2026-11-20 (UTC). */
const dep = (
  deploymentId: string,
  state: string,
  hhmm: string,
  more: { group?: string; application?: string; eventId?: string; enrichment?: RecordEnrichment } = {},
): StateRecord => ({
  schemaVersion: 1,
  eventId: more.eventId ?? `${deploymentId}-${state}`,
  eventTime: `2026-11-20T${hhmm}:00.000Z`,
  kind: 'deployment',
  application: more.application ?? 'shop',
  deploymentGroup: more.group ?? 'prod',
  deploymentId,
  state,
  ...(more.enrichment ? { enrichment: more.enrichment } : {}),
});

const rollbackOf = (failed: string): { enrichment: RecordEnrichment } => ({
  enrichment: { creator: 'codeDeployRollback', rollsBack: failed },
});

// shop/prod: a success (10 min), a failure (5 min), then a success (20 min) 75 minutes after the failure.
const BASIC = [
  dep('d-1', 'START', '10:00'),
  dep('d-1', 'SUCCESS', '10:10'),
  dep('d-2', 'START', '11:00'),
  dep('d-2', 'FAILURE', '11:05'),
  dep('d-3', 'START', '12:00'),
  dep('d-3', 'SUCCESS', '12:20'),
];

describe('computeMetrics', () => {
  it('counts a deployment that only reached a state CodeDeploy adds later as neither success nor failure', () => {
    const report = computeMetrics([...BASIC, dep('d-4', 'START', '13:00'), dep('d-4', 'PAUSED', '13:05')]);
    expect(report.overall).toMatchObject({ deployments: 3, successes: 2, failures: 1, stops: 0, unfinished: 1 });
    expect(report.overall.changeFailureRate).toBe(1 / 3);
  });

  it('counts deployments by their terminal record, with failure rate, durations and time to restore', () => {
    const report = computeMetrics(BASIC);
    expect(report.groups).toEqual([
      {
        application: 'shop',
        deploymentGroup: 'prod',
        deployments: 3,
        successes: 2,
        failures: 1,
        stops: 0,
        rollbacks: 0,
        unfinished: 0,
        changeFailureRate: 1 / 3,
        // Two hours and twenty minutes of history is too short to say how often a group deploys.
        deploymentsPerWeek: null,
        duration: { count: 3, medianMs: 10 * MIN, p95Ms: 20 * MIN },
        timeToRestore: { count: 1, medianMs: 75 * MIN, p95Ms: 75 * MIN, unrestored: 0 },
        // No record carries a lead time: both successes count as unknown.
        leadTime: { count: 0, medianMs: null, p95Ms: null, unknown: 2 },
        weeks: [
          {
            week: '2026-W47',
            start: '2026-11-16',
            deployments: 3,
            successes: 2,
            failures: 1,
            stops: 0,
            rollbacks: 0,
            changeFailureRate: 1 / 3,
            duration: { count: 3, medianMs: 10 * MIN, p95Ms: 20 * MIN },
            timeToRestore: { count: 1, medianMs: 75 * MIN, p95Ms: 75 * MIN },
            leadTime: { count: 0, medianMs: null, p95Ms: null, unknown: 2 },
          },
        ],
      },
    ]);
    expect(report.overall).toEqual({ ...report.groups[0], application: undefined, deploymentGroup: undefined });
    expect(report).toMatchObject({
      records: 6,
      duplicates: 0,
      firstEventTime: '2026-11-20T10:00:00.000Z',
      lastEventTime: '2026-11-20T12:20:00.000Z',
    });
  });

  it('counts a duplicated event once and does not depend on arrival order', () => {
    const delivered = [...BASIC, BASIC[3]!, BASIC[1]!, BASIC[5]!].reverse();
    const report = computeMetrics(delivered);
    expect(report.duplicates).toBe(3);
    expect(report.records).toBe(9);
    expect(report.groups).toEqual(computeMetrics(BASIC).groups);
  });

  it('counts a deployment once even when its outcome arrives under two event ids', () => {
    const report = computeMetrics([...BASIC, dep('d-2', 'FAILURE', '11:06', { eventId: 'redelivered-d-2' })]);
    expect(report.overall).toMatchObject({ deployments: 3, failures: 1 });
    // Its start and outcome had both been read: what comes later for it repeats a counted deployment.
    expect(report.duplicates).toBe(1);
  });

  it('counts duplicates among the deployment records it uses, not among alarms or instances', () => {
    const alarm: StateRecord = {
      schemaVersion: 1,
      eventId: 'a-1',
      kind: 'alarm',
      alarmName: 'shop-5xx',
      state: 'ALARM',
      eventTime: '2026-11-20T10:05:00.000Z',
    };
    const report = computeMetrics([...BASIC, alarm, alarm, BASIC[0]!]);
    expect(report).toMatchObject({ records: 9, duplicates: 1 });
  });

  it('counts a stop as a deployment but not as a failure, and opens no restore', () => {
    const report = computeMetrics([
      dep('d-1', 'START', '10:00'),
      dep('d-1', 'STOP', '10:04'),
      dep('d-2', 'START', '10:30'),
      dep('d-2', 'SUCCESS', '10:40'),
    ]);
    expect(report.overall).toMatchObject({
      deployments: 2,
      successes: 1,
      failures: 0,
      stops: 1,
      changeFailureRate: 0,
      duration: { count: 2, medianMs: 7 * MIN, p95Ms: 10 * MIN },
      timeToRestore: { count: 0, medianMs: null, p95Ms: null, unrestored: 0 },
    });
  });

  it('treats a rollback as the restoration, not as a change', () => {
    const report = computeMetrics([
      dep('d-1', 'START', '10:00'),
      dep('d-1', 'FAILURE', '10:08', {
        enrichment: { status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS', rolledBackBy: 'd-r' },
      }),
      dep('d-r', 'START', '10:09', rollbackOf('d-1')),
      dep('d-r', 'SUCCESS', '10:20', rollbackOf('d-1')),
      dep('d-2', 'START', '11:00'),
      dep('d-2', 'SUCCESS', '11:10'),
    ]);
    expect(report.overall).toMatchObject({
      deployments: 2,
      successes: 1,
      failures: 1,
      rollbacks: 1,
      changeFailureRate: 0.5,
      duration: { count: 2, medianMs: 9 * MIN },
      timeToRestore: { count: 1, medianMs: 12 * MIN, unrestored: 0 },
    });
  });

  it('recognises a rollback by its creator alone, and keeps a failed rollback open until a success', () => {
    const report = computeMetrics([
      dep('d-1', 'FAILURE', '10:00'),
      dep('d-r', 'FAILURE', '10:10', { enrichment: { creator: 'codeDeployRollback' } }),
      dep('d-2', 'SUCCESS', '10:45'),
    ]);
    expect(report.overall).toMatchObject({
      deployments: 2,
      failures: 1,
      successes: 1,
      rollbacks: 1,
      timeToRestore: { count: 1, medianMs: 45 * MIN },
    });
  });

  it('reports a group with no success yet as unrestored, since when', () => {
    const report = computeMetrics([
      ...BASIC,
      dep('s-1', 'START', '09:00', { group: 'staging' }),
      dep('s-1', 'FAILURE', '09:30', { group: 'staging' }),
      dep('s-2', 'START', '13:00', { group: 'staging' }),
      dep('s-2', 'FAILURE', '13:10', { group: 'staging' }),
    ]);
    const staging = report.groups.find((g) => g.deploymentGroup === 'staging')!;
    expect(staging).toMatchObject({
      deployments: 2,
      failures: 2,
      changeFailureRate: 1,
      unrestoredSince: '2026-11-20T09:30:00.000Z',
      timeToRestore: { count: 0, medianMs: null, p95Ms: null, unrestored: 1 },
    });
    expect(report.groups.map((g) => g.deploymentGroup)).toEqual(['prod', 'staging']);
    expect(report.overall).toMatchObject({
      deployments: 5,
      failures: 3,
      changeFailureRate: 3 / 5,
      duration: { count: 5, medianMs: 10 * MIN, p95Ms: 30 * MIN },
      timeToRestore: { count: 1, medianMs: 75 * MIN, unrestored: 1 },
    });
  });

  it('prefers GetDeployment create -> complete over event times for the duration', () => {
    const report = computeMetrics([
      dep('d-1', 'START', '10:00'),
      dep('d-1', 'SUCCESS', '10:10', {
        enrichment: {
          createTime: '2026-11-20T09:58:00.000Z',
          completeTime: '2026-11-20T10:10:00.000Z',
          durationMs: 12 * MIN,
        },
      }),
      dep('d-2', 'SUCCESS', '11:00'),
    ]);
    // d-2 has neither a START record nor enrichment: it counts, but has no duration.
    expect(report.overall).toMatchObject({ deployments: 2, duration: { count: 1, medianMs: 12 * MIN } });
  });

  it('keeps START before SUCCESS when both carry the same second', () => {
    const report = computeMetrics([
      dep('d-1', 'SUCCESS', '10:00', { eventId: 'a' }),
      dep('d-1', 'START', '10:00', { eventId: 'b' }),
    ]);
    expect(report.overall).toMatchObject({ deployments: 1, duration: { count: 1, medianMs: 0 } });
  });

  it('counts a deployment with no outcome yet as unfinished only', () => {
    const report = computeMetrics([...BASIC, dep('d-4', 'START', '13:00'), dep('d-4', 'READY', '13:05')]);
    expect(report.overall).toMatchObject({ deployments: 3, unfinished: 1 });
  });

  it('ignores instance, alarm, cleanup and unknown records', () => {
    const others: StateRecord[] = [
      { ...dep('d-1', 'FAILURE', '10:05'), eventId: 'i-1', kind: 'instance', instanceId: 'i-0abc' },
      {
        schemaVersion: 1,
        eventId: 'a-1',
        kind: 'alarm',
        alarmName: 'shop-5xx',
        state: 'ALARM',
        eventTime: '2026-11-20T10:05:00.000Z',
      },
      {
        schemaVersion: 1,
        eventId: 'c-1',
        kind: 'cleanup',
        state: 'deleted',
        deploymentId: 'd-2',
        eventTime: '2026-11-20T11:30:00.000Z',
      },
      { schemaVersion: 1, eventId: 'u-1', kind: 'unknown', reason: 'x', raw: '{}' },
    ];
    expect(computeMetrics([...BASIC, ...others]).groups).toEqual(computeMetrics(BASIC).groups);
  });

  it('limits the window to event times from .. before to', () => {
    const report = computeMetrics(BASIC, {
      from: new Date('2026-11-20T11:00:00Z'),
      to: new Date('2026-11-20T12:10:00Z'),
    });
    expect(report.overall).toMatchObject({ deployments: 1, failures: 1, successes: 0, unfinished: 1 });
  });

  it('gives the deployment frequency per week over the window, the same window for every group', () => {
    const report = computeMetrics(
      [
        dep('d-1', 'SUCCESS', '10:00'),
        dep('d-2', 'SUCCESS', '11:00'),
        dep('s-1', 'SUCCESS', '12:00', { group: 'staging' }),
      ],
      { from: new Date('2026-11-16T00:00:00Z'), to: new Date('2026-11-30T00:00:00Z') },
    );
    expect(report.groups.map((g) => [g.deploymentGroup, g.deploymentsPerWeek])).toEqual([
      ['prod', 1],
      ['staging', 0.5],
    ]);
    expect(report.overall.deploymentsPerWeek).toBe(1.5);
  });

  it('answers an empty history with zeros and no rates', () => {
    const report = computeMetrics([]);
    expect(report.groups).toEqual([]);
    expect(report.overall).toMatchObject({
      deployments: 0,
      changeFailureRate: null,
      duration: { count: 0, medianMs: null },
    });
    expect(report).not.toHaveProperty('firstEventTime');
  });

  it('lists groups by application, then group, in the same order on every machine whatever its locale', () => {
    const names = [
      ['shop', 'prod'],
      ['Shop', 'prod'],
      ['shop', 'Canary'],
      ['émail', 'prod'],
      ['zebra', 'prod'],
    ] as const;
    const report = computeMetrics(
      names.flatMap(([application, group], i) => [
        dep(`d-${i}`, 'START', '10:00', { application, group }),
        dep(`d-${i}`, 'SUCCESS', '10:05', { application, group }),
      ]),
    );
    // UTF-16 code units: capitals before small letters, accented letters after z.
    expect(report.groups.map((g) => `${g.application}/${g.deploymentGroup}`)).toEqual([
      'Shop/prod',
      'shop/Canary',
      'shop/prod',
      'zebra/prod',
      'émail/prod',
    ]);
    expect(report.applications.map((a) => a.application)).toEqual(['Shop', 'shop', 'zebra', 'émail']);
  });
});

/** A delivery of `history` as a reader may see it: reordered, some records twice, some never. */
const deliver = (
  history: StateRecord[],
  random: () => number,
  how: { order: 'shuffled' | 'shards' | 'reversed'; repeat: number; miss: number; bare: number },
): StateRecord[] => {
  const delivered: StateRecord[] = [];
  // When GetDeployment fails, the record goes out without enrichment; a retry may enrich it.
  const copy = (record: StateRecord): StateRecord => {
    if (random() >= how.bare) return record;
    const { enrichment: _enrichment, ...bare } = record;
    return bare;
  };
  for (const record of history) {
    // CodeDeploy events are best effort, and at-least-once delivery repeats some.
    if (random() < how.miss) continue;
    delivered.push(copy(record));
    if (random() < how.repeat) delivered.push(copy(record));
  }
  if (how.order === 'reversed') return delivered.reverse();
  if (how.order === 'shards') {
    // One deployment's records on one shard, shards read one after the other.
    const shards: StateRecord[][] = [[], [], []];
    const shardOf = (key: string) => [...key].reduce((sum, c) => sum + c.charCodeAt(0), 0) % shards.length;
    for (const record of delivered) shards[shardOf(record.deploymentId ?? record.eventId)]!.push(record);
    return shards.flat();
  }
  for (let i = delivered.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [delivered[i], delivered[j]] = [delivered[j]!, delivered[i]!];
  }
  return delivered;
};

describe('one pass over records in any order', () => {
  it('gives the report of the whole history sorted first, for reordered, repeated and missing records', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          count: fc.integer({ min: 1, max: 400 }),
          order: fc.constantFrom('shuffled' as const, 'shards' as const, 'reversed' as const),
          repeat: fc.double({ min: 0, max: 0.3, noNaN: true }),
          miss: fc.double({ min: 0, max: 0.1, noNaN: true }),
          bare: fc.double({ min: 0, max: 0.3, noNaN: true }),
          leadTime: fc.boolean(),
          window: fc.option(
            fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
          ),
        }),
        ({ seed, count, order, repeat, miss, bare, leadTime, window }) => {
          const history = generateRecords({ count, seed, leadTime });
          const delivered = deliver(history, seededRandom(seed + 1), { order, repeat, miss, bare });
          const options: MetricsOptions = {};
          if (window) {
            // A window that starts and ends somewhere inside the history, possibly mid-deployment.
            const first = Date.parse(history[0]!.eventTime!);
            const span = Date.parse(history.at(-1)!.eventTime!) - first;
            const [a, b] = window;
            options.from = new Date(first + Math.floor(Math.min(a, b) * span));
            options.to = new Date(first + Math.ceil(Math.max(a, b) * span));
          }
          expect(computeMetrics(delivered, options)).toEqual(referenceMetrics(delivered, options));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps a deployment in memory only until its start and its outcome have been read', () => {
    const accumulator = createMetricsAccumulator();
    accumulator.add(dep('d-1', 'START', '10:00'));
    accumulator.add(dep('d-2', 'SUCCESS', '10:30'));
    expect(accumulator.openDeployments).toBe(2);
    accumulator.add(dep('d-1', 'SUCCESS', '10:10'));
    expect(accumulator.openDeployments).toBe(1);
    accumulator.add(dep('d-2', 'START', '10:20'));
    expect(accumulator.openDeployments).toBe(0);
    // A repeat of a counted deployment opens nothing.
    accumulator.add(dep('d-1', 'SUCCESS', '10:10'));
    expect(accumulator.openDeployments).toBe(0);
    expect(accumulator.report()).toMatchObject({
      records: 5,
      duplicates: 1,
      overall: { deployments: 2, successes: 2, duration: { count: 2, medianMs: 10 * MIN } },
    });
  });

  it('holds no more deployments than are in flight while it reads a long history in arrival order', () => {
    const history = generateRecords({ count: 20_000, seed: 5, leadTime: true });
    const accumulator = createMetricsAccumulator();
    let most = 0;
    for (const record of history) {
      accumulator.add(record);
      most = Math.max(most, accumulator.openDeployments);
    }
    // The generator runs one deployment at a time: one open, and a repeated start's at most.
    expect(most).toBeLessThanOrEqual(2);
    expect(accumulator.report()).toEqual(referenceMetrics(history));
  });

  it('ends with the report: deployments still open count as they stand, and nothing more can be added', () => {
    const accumulator = createMetricsAccumulator();
    for (const record of [...BASIC, dep('d-4', 'START', '13:00')]) accumulator.add(record);
    expect(accumulator.report()).toEqual(referenceMetrics([...BASIC, dep('d-4', 'START', '13:00')]));
    expect(() => accumulator.add(BASIC[0]!)).toThrow(/after the report/);
  });

  it('tells how far it has read: records, and the earliest and latest deployment event', () => {
    const accumulator = createMetricsAccumulator();
    expect(accumulator.progress()).toEqual({ records: 0 });
    for (const record of [BASIC[2]!, BASIC[0]!, BASIC[5]!, { ...BASIC[1]!, kind: 'instance' as const }])
      accumulator.add(record);
    expect(accumulator.progress()).toEqual({
      records: 4,
      firstEventTime: '2026-11-20T10:00:00.000Z',
      lastEventTime: '2026-11-20T12:20:00.000Z',
    });
  });
});

describe('statistics', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('takes the 95th percentile by nearest rank', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 0.95)).toBe(95);
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([1, 2, 3], 0.95)).toBe(3);
  });
});

describe('formatting', () => {
  it('writes durations the way people read them', () => {
    expect([null, 850, 42_000, 245_000, 7_380_000, 273_600_000].map(formatDuration)).toEqual([
      '-',
      '850 ms',
      '42s',
      '4m 05s',
      '2h 03m',
      '3d 04h',
    ]);
  });

  it('prints one row per group and a total row', () => {
    const table = formatMetricsTable(computeMetrics([...BASIC, dep('s-1', 'FAILURE', '09:30', { group: 'staging' })]));
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^application\s+deployment group\s+deploys/);
    expect(lines.find((l) => l.startsWith('shop         prod'))).toMatch(
      /\s3\s+-\s+2\s+1\s+0\s+0\s+0\s+33\.3%\s+10m 00s\s+20m 00s\s+1\s+1h 15m\s+0\s+-\s+-\s+2$/,
    );
    expect(lines.find((l) => l.startsWith('shop         staging'))).toMatch(/100\.0%.*\s1\s+-\s+-\s+0$/);
    expect(lines.find((l) => l.startsWith('all'))).toMatch(/\s4\s+-\s+2\s+2\s/);
    expect(table).toContain('7 record(s), 0 duplicate(s) ignored');
  });

  it('prints lead time per group and overall: median, p95 and the successes without one', () => {
    const withLeadTime = (ms: number): { enrichment: RecordEnrichment } => ({
      enrichment: { status: 'Succeeded', leadTimeMs: ms } as RecordEnrichment,
    });
    const table = formatMetricsTable(
      computeMetrics([
        ...BASIC.slice(0, 5),
        dep('d-3', 'SUCCESS', '12:20', withLeadTime(90 * MIN)),
        dep('s-1', 'START', '09:00', { group: 'staging' }),
        dep('s-1', 'SUCCESS', '09:30', { group: 'staging', ...withLeadTime(30 * MIN) }),
      ]),
    );
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/\s+median LT\s+p95 LT\s+LT unknown$/);
    expect(lines.find((l) => l.startsWith('shop         prod'))).toMatch(/\s1h 30m\s+1h 30m\s+1$/);
    expect(lines.find((l) => l.startsWith('shop         staging'))).toMatch(/\s30m 00s\s+30m 00s\s+0$/);
    expect(lines.find((l) => l.startsWith('all'))).toMatch(/\s1h 00m\s+1h 30m\s+1$/);
    expect(table).toContain('LT = lead time');
  });
});
