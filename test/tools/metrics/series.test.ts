import { describe, expect, it } from 'vitest';
import type { RecordEnrichment, StateRecord } from '../../../lib/stream/record.js';
import { computeMetrics, isoWeekOf, type WeekMetrics } from '../../../tools/metrics/metrics.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** What the stream adds to a SUCCESS record when CodeDeploy knows when the revision was registered. */
// leadTimeMs as unknown: the reader must count a bad value (text, negative) as unknown, not use it.
type LeadTimeEnrichment = Omit<RecordEnrichment, 'leadTimeMs'> & {
  revisionRegisteredAt?: string;
  leadTimeMs?: unknown;
};

/** A deployment record at an ISO day and hh:mm (UTC) of November 2026. */
const dep = (
  deploymentId: string,
  state: string,
  day: string,
  hhmm: string,
  more: { group?: string; application?: string; enrichment?: LeadTimeEnrichment } = {},
): StateRecord => ({
  schemaVersion: 1,
  eventId: `${deploymentId}-${state}`,
  eventTime: `2026-11-${day}T${hhmm}:00.000Z`,
  kind: 'deployment',
  application: more.application ?? 'shop',
  deploymentGroup: more.group ?? 'prod',
  deploymentId,
  state,
  ...(more.enrichment ? { enrichment: more.enrichment as RecordEnrichment } : {}),
});

const lead = (ms: unknown): { enrichment: LeadTimeEnrichment } => ({
  enrichment: { status: 'Succeeded', revisionRegisteredAt: '2026-11-01T00:00:00.000Z', leadTimeMs: ms },
});
const staging = (more: { enrichment?: LeadTimeEnrichment } = {}) => ({ group: 'staging', ...more });

// Three ISO weeks of November 2026 (Monday 9th: W46, 16th: W47, 23rd: W48) and two groups of `shop`.
const HISTORY: StateRecord[] = [
  // prod, W46: a success (10 min, lead time 1 h) and a failure (5 min).
  dep('d-1', 'START', '09', '10:00'),
  dep('d-1', 'SUCCESS', '09', '10:10', lead(HOUR)),
  dep('d-2', 'START', '11', '10:00'),
  dep('d-2', 'FAILURE', '11', '10:05'),
  // prod, W47: a success without lead time (20 min) restores the failure; a stop (2 min).
  dep('d-3', 'START', '16', '09:00'),
  dep('d-3', 'SUCCESS', '16', '09:20', { enrichment: { status: 'Succeeded' } }),
  dep('d-4', 'START', '18', '12:00'),
  dep('d-4', 'STOP', '18', '12:02'),
  // prod, W48: two successes, 30 min (lead time 2 h) and 8 min (lead time 30 min).
  dep('d-5', 'START', '23', '10:00'),
  dep('d-5', 'SUCCESS', '23', '10:30', lead(2 * HOUR)),
  dep('d-6', 'START', '25', '10:00'),
  dep('d-6', 'SUCCESS', '25', '10:08', lead(30 * MIN)),
  // staging, W46: a success (4 min, lead time 10 min); nothing in W47.
  dep('s-1', 'START', '10', '08:00', staging()),
  dep('s-1', 'SUCCESS', '10', '08:04', staging(lead(10 * MIN))),
  // staging, W48: a failure (6 min) and its rollback (6 min later); the rollback's lead time is not a change's.
  dep('s-2', 'START', '24', '08:00', staging()),
  dep('s-2', 'FAILURE', '24', '08:06', staging()),
  dep('s-r', 'START', '24', '08:07', staging({ enrichment: { creator: 'codeDeployRollback', rollsBack: 's-2' } })),
  dep(
    's-r',
    'SUCCESS',
    '24',
    '08:12',
    staging({ enrichment: { creator: 'codeDeployRollback', rollsBack: 's-2', leadTimeMs: 3 * 24 * HOUR } }),
  ),
];

const none = { count: 0, medianMs: null, p95Ms: null };
const one = (ms: number) => ({ count: 1, medianMs: ms, p95Ms: ms });

const week = (week: string, start: string, figures: Partial<WeekMetrics>): WeekMetrics => ({
  week,
  start,
  deployments: 0,
  successes: 0,
  failures: 0,
  stops: 0,
  rollbacks: 0,
  changeFailureRate: null,
  duration: none,
  timeToRestore: none,
  leadTime: { ...none, unknown: 0 },
  ...figures,
});

describe('ISO weeks', () => {
  it.each([
    ['2026-11-16T00:00:00.000Z', '2026-W47', '2026-11-16'],
    ['2026-11-22T23:59:59.999Z', '2026-W47', '2026-11-16'],
    ['2026-11-15T23:59:59.999Z', '2026-W46', '2026-11-09'],
    // ISO years: a week belongs to the year of its Thursday.
    ['2024-12-30T12:00:00.000Z', '2025-W01', '2024-12-30'],
    ['2021-01-03T12:00:00.000Z', '2020-W53', '2020-12-28'],
    ['2026-01-01T00:00:00.000Z', '2026-W01', '2025-12-29'],
    ['1969-12-31T00:00:00.000Z', '1970-W01', '1969-12-29'],
  ])('puts %s in %s, which starts on Monday %s (UTC)', (time, label, monday) => {
    expect(isoWeekOf(Date.parse(time))).toEqual({ week: label, start: monday });
  });
});

describe('weekly series', () => {
  const report = computeMetrics(HISTORY);
  const prod = report.groups.find((g) => g.deploymentGroup === 'prod')!;
  const stagingGroup = report.groups.find((g) => g.deploymentGroup === 'staging')!;

  it('gives each group its weeks: outcomes, failure rate, durations, restores and lead time by the week they ended in', () => {
    expect(prod.weeks).toEqual([
      week('2026-W46', '2026-11-09', {
        deployments: 2,
        successes: 1,
        failures: 1,
        changeFailureRate: 0.5,
        duration: { count: 2, medianMs: 7.5 * MIN, p95Ms: 10 * MIN },
        leadTime: { ...one(HOUR), unknown: 0 },
      }),
      week('2026-W47', '2026-11-16', {
        deployments: 2,
        successes: 1,
        stops: 1,
        changeFailureRate: 0,
        duration: { count: 2, medianMs: 11 * MIN, p95Ms: 20 * MIN },
        // From the failure on Wednesday 11th, 10:05 to the success on Monday 16th, 09:20.
        timeToRestore: one(4 * 24 * HOUR + 23 * HOUR + 15 * MIN),
        leadTime: { ...none, unknown: 1 },
      }),
      week('2026-W48', '2026-11-23', {
        deployments: 2,
        successes: 2,
        changeFailureRate: 0,
        duration: { count: 2, medianMs: 19 * MIN, p95Ms: 30 * MIN },
        leadTime: { count: 2, medianMs: 75 * MIN, p95Ms: 2 * HOUR, unknown: 0 },
      }),
    ]);
  });

  it('leaves out the weeks in which a group has nothing, and counts a rollback in its week but not as a change', () => {
    expect(stagingGroup.weeks).toEqual([
      week('2026-W46', '2026-11-09', {
        deployments: 1,
        successes: 1,
        changeFailureRate: 0,
        duration: one(4 * MIN),
        leadTime: { ...one(10 * MIN), unknown: 0 },
      }),
      week('2026-W48', '2026-11-23', {
        deployments: 1,
        failures: 1,
        rollbacks: 1,
        changeFailureRate: 1,
        duration: one(6 * MIN),
        timeToRestore: one(6 * MIN),
      }),
    ]);
  });

  it('gives the application and all groups together their weeks, with quantiles over every deployment of the week', () => {
    const overall = [
      week('2026-W46', '2026-11-09', {
        deployments: 3,
        successes: 2,
        failures: 1,
        changeFailureRate: 1 / 3,
        duration: { count: 3, medianMs: 5 * MIN, p95Ms: 10 * MIN },
        leadTime: { count: 2, medianMs: 35 * MIN, p95Ms: HOUR, unknown: 0 },
      }),
      prod.weeks[1]!,
      week('2026-W48', '2026-11-23', {
        deployments: 3,
        successes: 2,
        failures: 1,
        rollbacks: 1,
        changeFailureRate: 1 / 3,
        duration: { count: 3, medianMs: 8 * MIN, p95Ms: 30 * MIN },
        timeToRestore: one(6 * MIN),
        leadTime: { count: 2, medianMs: 75 * MIN, p95Ms: 2 * HOUR, unknown: 0 },
      }),
    ];
    expect(report.overall.weeks).toEqual(overall);
    expect(report.applications).toHaveLength(1);
    expect(report.applications[0]).toMatchObject({ application: 'shop', deployments: 8, weeks: overall });
  });

  it('gives lead time per group and overall: median, p95, and the successes without one', () => {
    expect(prod.leadTime).toEqual({ count: 3, medianMs: HOUR, p95Ms: 2 * HOUR, unknown: 1 });
    expect(stagingGroup.leadTime).toEqual({ ...one(10 * MIN), unknown: 0 });
    expect(report.overall.leadTime).toEqual({ count: 4, medianMs: 45 * MIN, p95Ms: 2 * HOUR, unknown: 1 });
  });

  it('splits applications, each with its own groups', () => {
    const split = computeMetrics([
      ...HISTORY,
      dep('a-1', 'START', '17', '10:00', { application: 'api', group: 'live' }),
      dep('a-1', 'SUCCESS', '17', '10:03', { application: 'api', group: 'live', ...lead(5 * MIN) }),
    ]);
    expect(split.applications.map((a) => [a.application, a.deployments])).toEqual([
      ['api', 1],
      ['shop', 8],
    ]);
    const api = split.applications[0]!;
    expect(api.weeks).toEqual([
      week('2026-W47', '2026-11-16', {
        deployments: 1,
        successes: 1,
        changeFailureRate: 0,
        duration: one(3 * MIN),
        leadTime: { ...one(5 * MIN), unknown: 0 },
      }),
    ]);
    expect(split.overall.weeks[1]).toMatchObject({ week: '2026-W47', deployments: 3 });
  });
});

describe('lead time', () => {
  const success = (id: string, day: string, enrichment?: LeadTimeEnrichment) => [
    dep(id, 'START', day, '10:00'),
    dep(id, 'SUCCESS', day, '10:05', enrichment ? { enrichment } : {}),
  ];

  it('takes median and nearest-rank p95 over the successes that carry one, and counts the others as unknown', () => {
    const report = computeMetrics([
      ...Array.from({ length: 20 }, (_, i) => success(`d-${i}`, '16', lead((i + 1) * MIN).enrichment)).flat(),
      ...success('d-inline', '17'),
      ...success('d-ecs', '17', { status: 'Succeeded', computePlatform: 'ECS' }),
    ]);
    expect(report.overall.leadTime).toEqual({ count: 20, medianMs: 10.5 * MIN, p95Ms: 19 * MIN, unknown: 2 });
  });

  it('never guesses: a lead time that is not a number, or is negative, is unknown; failures and stops have none', () => {
    const report = computeMetrics([
      ...success('d-text', '16', lead('3600000').enrichment),
      ...success('d-negative', '16', lead(-1).enrichment),
      dep('d-f', 'START', '16', '11:00'),
      dep('d-f', 'FAILURE', '16', '11:05', lead(HOUR)),
    ]);
    expect(report.overall.leadTime).toEqual({ ...none, unknown: 2 });
  });

  it('reads it from the SUCCESS record, whichever order the records come in', () => {
    const [start, end] = success('d-1', '16', lead(42 * MIN).enrichment);
    expect(computeMetrics([end!, start!]).overall.leadTime).toEqual({ ...one(42 * MIN), unknown: 0 });
  });
});
