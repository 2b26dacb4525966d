// Cursor pagination for the list routes: `?limit=N&cursor=…` over a list in a stable order; the
// answer carries `nextCursor` while more remain. A cursor is opaque (base64url of the last key
// served), so the order can change representation without breaking callers.
import { z } from 'zod';
import { InvalidInputError } from '../../core/errors';

/** The most items one page holds, and the default. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

/** `limit` and `cursor`, to merge into a list route's query schema. */
export const PageQuery = z.object({
  limit: z
    .string()
    .regex(/^(?:[1-9]\d{0,2}|1000)$/, `must be 1-${MAX_PAGE_SIZE}`)
    .optional(),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,512}$/, 'must be a cursor from a previous answer')
    .optional(),
});

/**
 * One page of `items` (already in their stable order) after the cursor's key.
 * @example const { items, nextCursor } = paginate(models, (m) => m.model, query);
 */
export function paginate<T>(items: readonly T[], keyOf: (item: T) => string, query: { limit?: string; cursor?: string }): { items: T[]; nextCursor?: string } {
  const limit = query.limit ? Number(query.limit) : DEFAULT_PAGE_SIZE;
  let start = 0;
  if (query.cursor !== undefined) {
    let after: unknown;
    try {
      after = (JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) as { after?: unknown }).after;
    } catch {
      after = undefined;
    }
    const at = typeof after === 'string' ? items.findIndex((i) => keyOf(i) === after) : -1;
    if (at < 0)
      throw new InvalidInputError('query.cursor is not a cursor of this list (or its item is gone)', {
        details: [{ field: 'query.cursor', message: 'unknown cursor' }],
      });
    start = at + 1;
  }
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return {
    items: page,
    ...(more ? { nextCursor: Buffer.from(JSON.stringify({ after: keyOf(page[page.length - 1]) })).toString('base64url') } : {}),
  };
}
