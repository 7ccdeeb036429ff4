import { describe, expect, it } from 'vitest';
import { allPages } from '../../lib/aws/pages.js';
import { deadlineAt } from '../../lib/time.js';

const budget = () => ({ deadline: deadlineAt(Date.now() + 60_000), sleep: async () => {}, random: () => 0 });
const throttled = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

describe('allPages', () => {
  it('follows the next token to the last page', async () => {
    const asked: Array<string | undefined> = [];
    const pages = await allPages(
      async (token) => {
        asked.push(token);
        return { items: [token ?? 'first'], next: token === undefined ? 'p2' : token === 'p2' ? 'p3' : undefined };
      },
      (page) => page.next,
      budget(),
    );
    expect(asked).toEqual([undefined, 'p2', 'p3']);
    expect(pages.flatMap((p) => p.items)).toEqual(['first', 'p2', 'p3']);
  });

  it('retries a throttled page alone, keeping the pages before it', async () => {
    const asked: Array<string | undefined> = [];
    let failed = false;
    const pages = await allPages(
      async (token) => {
        asked.push(token);
        if (token === 'p2' && !failed) {
          failed = true;
          throw throttled();
        }
        return { next: token === undefined ? 'p2' : undefined };
      },
      (page) => page.next,
      budget(),
    );
    expect(asked).toEqual([undefined, 'p2', 'p2']);
    expect(pages).toHaveLength(2);
  });
});
