import { type CallBudget, callAws } from './call.js';

/**
 * Every page of a listing that continues with a token (NextToken, nextToken), in order: `fetch`
 * asks for the page after `token` (undefined for the first), each page a call of its own within
 * the caller's budget; `next` reads the token of the page after it, absent on the last page.
 */
export async function* pagesOf<P>(
  fetch: (token: string | undefined) => Promise<P>,
  next: (page: P) => string | undefined,
): AsyncGenerator<P> {
  let token: string | undefined;
  do {
    const page = await fetch(token);
    yield page;
    token = next(page);
  } while (token);
}

/**
 * Every page of a paginated AWS call, collected: each page is one call within the budget
 * (`callAws`), so a throttled page is retried alone and the pages before it are kept.
 */
export const allPages = async <Page>(
  send: (token: string | undefined, abortSignal: AbortSignal) => Promise<Page>,
  nextToken: (page: Page) => string | undefined,
  budget: CallBudget,
): Promise<Page[]> => {
  const pages: Page[] = [];
  for await (const page of pagesOf((token) => callAws((signal) => send(token, signal), budget), nextToken))
    pages.push(page);
  return pages;
};
