import { describe, expect, it } from 'vitest';
import { eventKeyOf, judgeConflict, pendingSteps } from '../../lib/alerts/once.js';

describe('posting once: the decisions', () => {
  it('keys an EventBridge event by account, region and id; input without an id has no key', () => {
    expect(eventKeyOf({ id: 'e-1', account: '111122223333', region: 'eu-west-1', detail: {} })).toEqual({
      account: '111122223333',
      region: 'eu-west-1',
      eventId: 'e-1',
    });
    expect(eventKeyOf({ id: 'e-2' })).toEqual({ account: 'unknown', region: 'unknown', eventId: 'e-2' });
    for (const input of [undefined, null, 'text', {}, { id: '' }, { id: 42 }])
      expect(eventKeyOf(input)).toBeUndefined();
  });

  it('reads a refused claim: completed, held by a live claim, or free again', () => {
    const now = 1_000_000;
    expect(judgeConflict({ state: 'completed', leaseUntil: now + 5 }, now)).toBe('completed');
    expect(judgeConflict({ state: 'claimed', leaseUntil: now + 5 }, now)).toBe('busy');
    expect(judgeConflict({ state: 'claimed', leaseUntil: now - 1 }, now)).toBe('free');
    expect(judgeConflict({ state: 'claimed', leaseUntil: 0 }, now)).toBe('free');
    expect(judgeConflict(undefined, now)).toBe('free');
  });

  it('leaves out the steps done before, keeping the order of the rest', () => {
    const steps = [
      { id: 'post', message: 'm' },
      { id: 'reply-1', message: 'r1', replyTo: 'post' },
      { id: 'reply-2', message: 'r2', replyTo: 'post' },
    ];
    const at = { at: '2026-01-01T00:00:00Z', route: 'r' };
    expect(pendingSteps(steps, {}).map((s) => s.id)).toEqual(['post', 'reply-1', 'reply-2']);
    expect(pendingSteps(steps, { post: at, 'reply-2': at }).map((s) => s.id)).toEqual(['reply-1']);
    expect(pendingSteps(steps, { post: at, 'reply-1': at, 'reply-2': at })).toEqual([]);
  });
});
