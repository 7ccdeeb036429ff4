import { type CallBudget, callAws } from './call.js';

/**
 * Every page of a paginated AWS call, following its next token: each page is one call within the
 * budget (`callAws`), so a throttled page is retried alone and the pages before it are kept.
 */
export const allPages = async <Page>(
  send: (token: string | undefined, abortSignal: AbortSignal) => Promise<Page>,
  nextToken: (page: Page) => string | undefined,
  budget: CallBudget,
): Promise<Page[]> => {
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const current = token;
    const page = await callAws((abortSignal) => send(current, abortSignal), budget);
    pages.push(page);
    token = nextToken(page);
  } while (token);
  return pages;
};
