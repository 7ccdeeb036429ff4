import { describe, expect, it } from 'vitest';
import { type AlarmFacts, toAlarmFacts } from '../../lib/alerts/alarm-facts.js';
import { classifyEvent } from '../../lib/events/classify.js';
import { listEvents, loadEvent } from '../support/fixtures.js';

/** What each known sample must yield beyond the checks every sample gets. */
const EXPECTED: Record<string, (facts: AlarmFacts) => void> = {
  'cloudwatch/alarm.threshold-alarm.json': (facts) => {
    expect(facts).toMatchObject({
      kind: 'metric',
      transition: { from: 'OK', to: 'ALARM' },
      threshold: 10,
      comparison: 'GreaterThanThreshold',
    });
    expect(facts.watched.kind === 'metric' && facts.watched.metric?.name).toBe('HTTPCode_Target_5XX_Count');
  },
  'cloudwatch/alarm.threshold-ok.json': (facts) => {
    expect(facts).toMatchObject({ kind: 'metric', transition: { from: 'ALARM', to: 'OK' } });
    expect(facts.lastedMs).toBe(Date.parse('2026-11-20T17:16:40.512Z') - Date.parse('2026-11-20T17:04:40.989Z'));
  },
  'cloudwatch/alarm.insufficient-data.json': (facts) => {
    expect(facts).toMatchObject({
      kind: 'metric',
      reasonDataStatus: 'absent',
      transition: { to: 'INSUFFICIENT_DATA' },
    });
    expect(facts.datapoints).toBeUndefined();
  },
  'cloudwatch/alarm.metric-math.json': (facts) => {
    expect(facts.kind).toBe('metric-math');
    if (facts.watched.kind !== 'metric-math') throw new Error('expected metric math');
    const returned = facts.watched.expressions.find((e) => e.returnData);
    expect(returned?.uses.sort()).toEqual(facts.watched.metrics.map((m) => m.id).sort());
    expect(facts.evaluatedDatapoints?.length).toBeGreaterThan(0);
  },
  'cloudwatch/alarm.anomaly-detection.json': (facts) => {
    expect(facts.kind).toBe('anomaly-detection');
    expect(facts.threshold).toBeUndefined();
    expect(facts.band?.lower.length).toBe(facts.datapoints?.values.length);
    expect(facts.watched.kind === 'anomaly-detection' && facts.watched.band?.uses).toEqual(['m1']);
  },
  'cloudwatch/alarm.composite.json': (facts) => {
    expect(facts.kind).toBe('composite');
    expect(facts.watched.kind === 'composite' && facts.watched.triggeringAlarms.map((t) => [t.name, t.state])).toEqual([
      ['checkout-5xx', 'ALARM'],
    ]);
    expect(facts.threshold).toBeUndefined();
  },
  'cloudwatch/alarm.tagged.json': (facts) => {
    expect(facts.tags).toEqual({ team: 'payments', severity: 'critical' });
  },
  'cloudwatch/alarm.target-tracking.json': (facts) => {
    expect(facts).toMatchObject({ kind: 'metric', comparison: 'GreaterThanThreshold', threshold: 50 });
    expect(facts.datapoints?.values).toHaveLength(3);
  },
};

describe('alarm facts of every sample alarm event', () => {
  it.each(listEvents('cloudwatch'))('%s', (file) => {
    const raw = loadEvent(file);
    const classified = classifyEvent(raw);
    if (classified.kind !== 'alarm') throw new Error(`${file} is not an alarm event: ${classified.kind}`);
    const { detail } = classified.event;

    const facts = toAlarmFacts(classified.event);

    expect(facts.name).toBe(detail.alarmName);
    expect(facts.changedAt).toBeInstanceOf(Date);
    expect(facts.reason).toBe(detail.state.reason.trim());
    expect(facts.reasonDataStatus).toBe(detail.state.reasonData ? 'parsed' : 'absent');
    const reasonData = detail.state.reasonData ? JSON.parse(detail.state.reasonData) : {};
    expect(facts.datapoints?.values).toEqual(reasonData.recentDatapoints);
    if (facts.kind === 'metric' || facts.kind === 'metric-math') {
      expect(facts.threshold).toBe(reasonData.threshold ?? undefined);
      if (facts.reasonDataStatus === 'parsed') expect(facts.comparison).toBeDefined();
    }
    EXPECTED[file]?.(facts);
  });

  it('covers every sample this suite knows about', () => {
    const files = new Set(listEvents('cloudwatch'));
    for (const known of Object.keys(EXPECTED)) expect(files).toContain(known);
  });
});
