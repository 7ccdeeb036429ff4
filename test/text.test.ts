import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipEnd, clipStart, keepEnd, keepStart } from '../lib/text.js';
import { loneSurrogatesIn } from './support/unicode.js';

// Graphemes (emoji, flags, combining marks) and single code points from the whole Unicode range.
const texts = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));
const limits = fc.nat(200);

describe('cutting text', () => {
  it('keepStart keeps the longest start within the limit that ends on a whole character', () => {
    fc.assert(
      fc.property(texts, limits, (text, max) => {
        const kept = keepStart(text, max);
        expect(kept.length).toBeLessThanOrEqual(max);
        expect(text.startsWith(kept)).toBe(true);
        expect(loneSurrogatesIn(kept)).toEqual([]);
        // At most the low half of one pair is given up to stay whole.
        expect(kept.length).toBeGreaterThanOrEqual(Math.min(text.length, max) - 1);
      }),
    );
  });

  it('keepEnd keeps the longest end within the limit that starts on a whole character', () => {
    fc.assert(
      fc.property(texts, limits, (text, max) => {
        const kept = keepEnd(text, max);
        expect(kept.length).toBeLessThanOrEqual(max);
        expect(text.endsWith(kept)).toBe(true);
        expect(loneSurrogatesIn(kept)).toEqual([]);
        expect(kept.length).toBeGreaterThanOrEqual(Math.min(text.length, max) - 1);
      }),
    );
  });

  it('clipEnd and clipStart mark a cut text and stay within the limit', () => {
    fc.assert(
      fc.property(texts, limits, (text, max) => {
        for (const [clipped, ends] of [
          [clipEnd(text, max), (t: string) => t.endsWith('…')],
          [clipStart(text, max), (t: string) => t.startsWith('…')],
        ] as const) {
          expect(clipped.length).toBeLessThanOrEqual(max);
          expect(loneSurrogatesIn(clipped)).toEqual([]);
          if (text.length <= max) expect(clipped).toBe(text);
          else if (max >= 1) expect(ends(clipped)).toBe(true);
        }
      }),
    );
  });

  it('gives up the whole character rather than half of it', () => {
    expect(keepStart('ab🚀c', 3)).toBe('ab');
    expect(keepStart('ab🚀c', 4)).toBe('ab🚀');
    expect(keepEnd('a🚀bc', 3)).toBe('bc');
    expect(clipEnd('🔥'.repeat(10), 150)).toBe('🔥'.repeat(10));
    expect(clipEnd('🔥'.repeat(100), 150)).toBe(`${'🔥'.repeat(74)}…`);
    expect(clipStart(`x${'🟢'.repeat(100)}`, 100)).toBe(`…${'🟢'.repeat(49)}`);
  });
});
