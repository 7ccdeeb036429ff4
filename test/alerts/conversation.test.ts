import { describe, expect, it } from 'vitest';
import {
  type DeploymentInput,
  type DeploymentRow,
  formatParent,
  fromStoredDetails,
  isLater,
  planDeploymentEvent,
  planDetailEvent,
  reduceDeployment,
  toStoredDetails,
} from '../../lib/alerts/conversation.js';
import { formatInstanceMessage } from '../../lib/alerts/format-deployment.js';
import type { DeploymentStateChange } from '../../lib/events/codedeploy.js';
import { loadEvent } from '../support/fixtures.js';
import { sampleDetails } from '../support/sample-deployments.js';

/** The conversation's decisions, without a table or Slack. */

const HOME = { route: 'checkout-team', channel: 'C0CHECKOUT1' };

const input = (state: string, time: string, eventId = `${state}-${time}`): DeploymentInput => {
  const change = loadEvent<DeploymentStateChange>('codedeploy/deployment.failure.json');
  return { eventId, change: { ...change, id: eventId, time, detail: { ...change.detail, state } } };
};

/** The state the parent shows after the events arrive in this order. */
const shownAfter = (...events: DeploymentInput[]): string => {
  let row: DeploymentRow | undefined;
  for (const e of events) row = reduceDeployment(row, e, HOME).row;
  return row!.shown.change.detail.state;
};

describe('the latest state by event time', () => {
  const start = input('START', '2026-11-20T15:00:00Z');
  const ready = input('READY', '2026-11-20T15:05:00Z');
  const failure = input('FAILURE', '2026-11-20T15:12:44Z');
  const success = input('SUCCESS', '2026-11-20T15:12:44Z');

  it('keeps SUCCESS when START arrives after it', () => {
    expect(shownAfter(success, start)).toBe('SUCCESS');
  });

  it('keeps FAILURE when READY arrives after it', () => {
    expect(shownAfter(failure, ready)).toBe('FAILURE');
  });

  it('orders a tie in the same second START < READY < any other state < SUCCESS / FAILURE / STOP', () => {
    const second = '2026-11-20T15:00:00Z';
    const states = ['START', 'READY', 'PAUSED', 'FAILURE'].map((state) => ({ time: second, state }));
    for (const [i, a] of states.entries())
      for (const [j, b] of states.entries()) expect(isLater(a, b), `${a.state} after ${b.state}`).toBe(i > j);
    expect(isLater({ time: second, state: 'SUCCESS' }, { time: second, state: 'STOP' })).toBe(false);
    expect(shownAfter(input('FAILURE', second), input('READY', second), input('START', second))).toBe('FAILURE');
    expect(shownAfter(input('START', second), input('READY', second))).toBe('READY');
  });

  it('counts a version per change of what the parent shows, and none for an older event', () => {
    const first = reduceDeployment(undefined, start, HOME);
    expect(first).toMatchObject({ changed: true, row: { version: 1, ...HOME } });
    const second = reduceDeployment(first.row, failure, HOME);
    expect(second).toMatchObject({ changed: true, row: { version: 2 } });
    const late = reduceDeployment(second.row, ready, HOME);
    expect(late).toEqual({ changed: false, row: second.row });
  });

  it('keeps the details it renders as plain values, times as ISO text, without the why', () => {
    const details = sampleDetails('d-F41LED001', true)!;
    const stored = toStoredDetails(details);
    expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);
    expect(stored).not.toHaveProperty('failedTargets');
    expect(fromStoredDetails(stored).createTime).toEqual(details.createTime);
  });
});

describe('what an event asks of Slack', () => {
  const details = sampleDetails('d-F41LED001', true)!;
  const failure = { ...input('FAILURE', '2026-11-20T15:12:44Z'), details };
  const onCall = { route: 'checkout-oncall', webhookParameter: '/x/oncall' };

  it('a failure: the parent, the why in the thread, a broadcast reply with the mentions, the on-call copy', () => {
    const { row } = reduceDeployment(undefined, failure, HOME);
    const actions = planDeploymentEvent({ row, changed: true, input: failure, own: onCall, mentions: ['<!here>'] });
    expect(actions.map((a) => [a.id, a.kind, 'broadcast' in a ? a.broadcast : undefined])).toEqual([
      ['parent', 'parent', undefined],
      ['why', 'reply', undefined],
      ['alert', 'reply', true],
      ['rollback-link', 'rollback-link', undefined],
      ['also:checkout-oncall', 'standalone', undefined],
    ]);
    const parent = { channel: HOME.channel, ts: '1.000001', permalink: 'https://example.slack.com/archives/C/p1' };
    const [, why, alert, , copy] = actions as any[];
    expect(why.message(parent).text).toContain('HEALTH_CONSTRAINTS');
    expect(JSON.stringify(why.message(parent))).toContain('scripts/validate.sh');
    expect(alert.message(parent).text).toBe(
      '<!here> ❌ checkout/checkout-prod failed (d-F41LED001): HEALTH_CONSTRAINTS',
    );
    expect(JSON.stringify(copy.message(parent))).toContain(parent.permalink);
    // The parent never carries the why or a mention: an edit notifies nobody, the broadcast reply does.
    const shown = JSON.stringify(formatParent(row));
    expect(shown).not.toContain('scripts/validate.sh');
    expect(shown).not.toContain('<!here>');
  });

  it('a success is a quiet edit: no reply, no broadcast', () => {
    const start = reduceDeployment(undefined, input('START', '2026-11-20T15:00:00Z'), HOME).row;
    const success = input('SUCCESS', '2026-11-20T15:20:00Z');
    const { row, changed } = reduceDeployment(
      { ...start, parent: { channel: HOME.channel, ts: '1.1' } },
      success,
      HOME,
    );
    expect(
      planDeploymentEvent({
        row,
        changed,
        input: success,
        own: { route: HOME.route, channel: HOME.channel },
        mentions: [],
      }),
    ).toEqual([{ id: 'parent', kind: 'parent' }]);
  });

  it('an older event changes nothing on the parent', () => {
    const failed = reduceDeployment(undefined, failure, HOME).row;
    const withParent = { ...failed, parent: { channel: HOME.channel, ts: '1.1' } };
    const ready = input('READY', '2026-11-20T15:05:00Z');
    const { row, changed } = reduceDeployment(withParent, ready, HOME);
    expect(planDeploymentEvent({ row, changed, input: ready, own: { ...HOME }, mentions: [] })).toEqual([]);
  });

  it('a stop by an alarm (ALARM_ACTIVE) is critical: it broadcasts; a stop by a person does not', () => {
    const stop = (errorCode: string) => ({
      ...input('STOP', '2026-11-20T15:12:44Z'),
      details: { ...details, errorCode, failedTargets: [] },
    });
    const plan = (e: DeploymentInput) =>
      planDeploymentEvent({
        row: reduceDeployment(undefined, e, HOME).row,
        changed: true,
        input: e,
        own: HOME,
        mentions: [],
      });
    expect(plan(stop('ALARM_ACTIVE')).map((a) => a.id)).toContain('alert');
    expect(plan(stop('MANUAL_STOP')).map((a) => a.id)).not.toContain('alert');
  });

  it('an instance failure replies in the thread, and is copied where its own route points', () => {
    const change = loadEvent('codedeploy/instance.failure.json') as any;
    const message = formatInstanceMessage(change);
    expect(planDetailEvent(HOME, { ...HOME }, message, message).map((a) => a.id)).toEqual(['reply']);
    expect(planDetailEvent(HOME, onCall, message, message).map((a) => a.id)).toEqual(['reply', 'also:checkout-oncall']);
  });
});
