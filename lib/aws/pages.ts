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
