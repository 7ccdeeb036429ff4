import { describe, expect, it } from 'vitest';
import { LIMITS, codeBlock, escape, fields, fitMessage, header, section } from '../../lib/alerts/blocks.js';

const blocksOf = (m: ReturnType<typeof fitMessage>) => m.attachments![0]!.blocks as any[];

describe('Slack limits', () => {
  it('escapes the three characters Slack treats as markup', () => {
    expect(escape('a < b && c > d <!channel>')).toBe('a &lt; b &amp;&amp; c &gt; d &lt;!channel&gt;');
  });

  it('trims a header to 150 characters', () => {
    expect(header('x'.repeat(400)).text.text).toHaveLength(LIMITS.header);
  });

  it('keeps the end of a log tail, where the reason usually is', () => {
    const tail = `${'noise\n'.repeat(2_000)}FATAL: the real reason`;
    const block = codeBlock(tail, 1_000);
    expect(block.text!.text.length).toBeLessThanOrEqual(1_000 + 6);
    expect(block.text!.text).toContain('FATAL: the real reason');
    expect(block.text!.text.startsWith('```…')).toBe(true);
  });

  it('keeps triple backticks in a log from closing the code block early', () => {
    expect(codeBlock('before ``` after', 100).text!.text).toBe("```before ''' after```");
  });

  it('caps fields at ten and each at 2,000 characters, leaving out empty values', () => {
    const block = fields(
      Array.from({ length: 14 }, (_, i) => [`f${i}`, i === 3 ? undefined : 'v'.repeat(3_000)] as const),
    )!;
    expect(block.fields).toHaveLength(LIMITS.fields);
    for (const f of block.fields!) expect(f.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
    expect(block.fields!.map((f) => f.text.split('*')[1])).not.toContain('f3');
  });

  it('fits a message with huge sections under the size ceiling, keeping header and links', () => {
    const links = {
      type: 'actions' as const,
      elements: [
        {
          type: 'button' as const,
          text: { type: 'plain_text' as const, text: 'Open' },
          url: 'https://example.invalid/x',
        },
      ],
    };
    const message = fitMessage({
      text: 'summary',
      severity: 'critical',
      blocks: [
        header('title'),
        section('a'.repeat(2_900)),
        section('b'.repeat(2_900)),
        codeBlock('c'.repeat(4_096), 2_900),
        section('d'.repeat(2_900)),
        section('e'.repeat(2_900)),
        links,
      ],
    });
    expect(JSON.stringify(message).length).toBeLessThanOrEqual(LIMITS.message);
    const blocks = blocksOf(message);
    expect(blocks[0].type).toBe('header');
    expect(blocks.at(-1).type).toBe('actions');
    expect(message.text).toBe('summary');
  });

  it('never sends more than 50 blocks, and says what it left out', () => {
    const many = Array.from({ length: 80 }, (_, i) => section(`item ${i}`));
    const blocks = blocksOf(
      fitMessage({ text: 't', severity: 'info', blocks: [header('h'), ...many, section('footer')] }),
    );
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(JSON.stringify(blocks)).toContain('left out');
    expect(blocks.at(-1).text.text).toBe('footer');
  });

  it('colours the bar by severity through an attachment and keeps the top-level text', () => {
    const m = fitMessage({ text: 'fallback', severity: 'warning', blocks: [header('h')] });
    expect(m.text).toBe('fallback');
    expect(m.attachments![0]!.color).toBe('#ECB22E');
  });
});
