// Canonical JSON for hashing: object keys sorted, `undefined` members left out, non-finite numbers
// written as null (as JSON.stringify does). Two values that store the same JSON give the same text.
import { createHash } from 'node:crypto';

function canonical(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v)));
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function') continue;
    out[key] = canonical(v);
  }
  return out;
}

/**
 * The canonical JSON text of a value (sorted keys, no whitespace).
 *
 * @example canonicalJson({ b: 1, a: [2, undefined] }) // '{"a":[2,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value)) ?? 'null';
}

/** The value as it survives a JSON round trip, in canonical key order (what a store keeps). */
export function toPlainJson<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

/** sha256 hex of the canonical JSON of a value. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
