import { InvalidInputError } from '../../core/errors';
import { paginate, PageQuery } from './pagination';

describe('paginate', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];

  it('walks a list page by page with opaque cursors', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = paginate(items, (x) => x, { limit: '2', ...(cursor ? { cursor } : {}) });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(items);
    expect(pages).toBe(3);
  });

  it('answers everything without a limit below the default, and no cursor on the last page', () => {
    expect(paginate(items, (x) => x, {})).toEqual({ items });
  });

  it('refuses a cursor it did not issue', () => {
    expect(() => paginate(items, (x) => x, { cursor: 'bm9wZQ' })).toThrow(InvalidInputError);
    expect(PageQuery.safeParse({ limit: '0' }).success).toBe(false);
    expect(PageQuery.safeParse({ limit: '1001' }).success).toBe(false);
    expect(PageQuery.safeParse({ limit: '1000', cursor: 'abc_-' }).success).toBe(true);
  });
});
