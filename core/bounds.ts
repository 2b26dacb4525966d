// Bounds on what a request can make the platform do, declared once: how large a body may be, how
// deep its JSON may nest, and how much of a caller's value an error may echo back. A body over the
// size bound answers 413, one nested too deep 400 naming where — both decided before JSON.parse
// builds anything; an echoed value is described or truncated, so an error stays small whatever
// came in (a Lambda answer must stay under 6 MB, or the 4xx becomes a 5xx).
import { isAscii } from 'node:buffer';
import { DomainError, InvalidInputError } from './errors';

/** Largest request body (bytes): API Gateway's payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Deepest JSON nesting a body may have (a predict body nests 3 deep; the local events route's detail a few more). */
export const MAX_JSON_DEPTH = 32;
/** Most characters of a caller's value an error echoes. */
export const MAX_ECHO_CHARS = 80;
/** Most characters of one path segment (a feature name, a key) an error names. */
export const MAX_FIELD_SEGMENT_CHARS = 64;
/** Most path segments a field name shows. */
export const MAX_FIELD_SEGMENTS = 8;
/** Most field issues an error lists (the rest are counted). */
export const MAX_REPORTED_ISSUES = 50;
/** Most characters of an error message sent to a caller. */
export const MAX_ERROR_MESSAGE_CHARS = 1000;

/**
 * Request bytes as text. ASCII bytes (a predict body of feature names and numbers) are decoded as
 * latin1, which gives the same string: Node 20's UTF-8 decoder took 15 ms for a 2.4 MB body of
 * 1,000 flows, latin1 0.5 ms. Anything else (and invalid UTF-8, which becomes U+FFFD) is UTF-8.
 * @example const text = bodyText(Buffer.concat(chunks));
 */
export function bodyText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** A body over the size bound: 413, with the field `body`. */
export class PayloadTooLargeError extends DomainError {
  override readonly name: string = 'PayloadTooLargeError';
  override readonly statusCode: number = 413;
}

/** A field that failed validation, named by its path. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** Cuts text to `max` characters, saying how long it was. */
export function truncate(text: string, max: number = MAX_ERROR_MESSAGE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

/**
 * A caller's value as an error may show it: scalars as JSON (strings cut to MAX_ECHO_CHARS),
 * arrays and objects described by size, never serialised (a value nested 50,000 deep would
 * overflow JSON.stringify's stack).
 * @example `must be a number (got ${echo(v)})` // got "abc", got an object of 3 keys
 */
export function echo(value: unknown, max: number = MAX_ECHO_CHARS): string {
  if (value === undefined) return 'nothing';
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, max))}… (${value.length} chars)`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object of ${Object.keys(value).length} keys`;
  return typeof value;
}

/** A field name from path segments, each segment and the number of segments bounded. */
export function fieldName(segments: readonly (string | number)[]): string {
  const shown = segments.slice(0, MAX_FIELD_SEGMENTS).map((s) => truncate(String(s), MAX_FIELD_SEGMENT_CHARS));
  return segments.length > MAX_FIELD_SEGMENTS ? `${shown.join('.')}.… (${segments.length} levels)` : shown.join('.');
}

/** At most MAX_REPORTED_ISSUES issues, the last one counting the rest. */
export function boundIssues(issues: readonly FieldIssue[]): FieldIssue[] {
  if (issues.length <= MAX_REPORTED_ISSUES) return [...issues];
  return [
    ...issues.slice(0, MAX_REPORTED_ISSUES - 1),
    { field: issues[MAX_REPORTED_ISSUES - 1].field, message: `… and ${issues.length - MAX_REPORTED_ISSUES + 1} more issues` },
  ];
}

interface Frame {
  readonly array: boolean;
  index: number;
  /** Where the current key's text lies (sliced only when a path is reported). */
  keyStart: number;
  keyEnd: number;
}

function decodeKey(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** Whether the `"` at `at` is escaped (an odd run of backslashes before it). */
function escapedQuote(text: string, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && text.charCodeAt(k) === 0x5c /* \ */) k--;
  return (at - 1 - k) % 2 === 1;
}

/**
 * Whether JSON text nests deeper than `maxDepth`: a depth count only (every request body takes
 * it). Strings are skipped with indexOf (native, vectorised) rather than char by char: most of a
 * predict body is feature names, and this scan was 8 % of the server's time on 1,000-flow bodies.
 */
function nestsDeeper(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = text.indexOf('"', i + 1);
      while (end > 0 && escapedQuote(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return false; // an unterminated string: JSON.parse refuses it
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if ((c === 0x7d /* } */ || c === 0x5d) /* ] */ && depth > 0) depth--;
  }
  return false;
}

/**
 * Where JSON text first nests deeper than `maxDepth` (the path to the container that is one level
 * too deep), or undefined. Scans the text without parsing it, in constant stack: a depth count,
 * then (only for a body that is too deep) a second pass that keeps the path.
 */
export function tooDeepAt(text: string, maxDepth: number = MAX_JSON_DEPTH): (string | number)[] | undefined {
  if (!nestsDeeper(text, maxDepth)) return undefined;
  const stack: Frame[] = [];
  let lastStart = 0;
  let lastEnd = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      lastStart = i + 1;
      lastEnd = j;
      i = j;
    } else if (c === 0x3a /* : */) {
      const top = stack[stack.length - 1];
      if (top && !top.array) {
        top.keyStart = lastStart;
        top.keyEnd = lastEnd;
      }
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.array) top.index++;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return stack.map((f) => (f.array ? f.index : decodeKey(text.slice(f.keyStart, f.keyEnd))));
      stack.push({ array: c === 0x5b, index: 0, keyStart: 0, keyEnd: 0 });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    }
  }
  return undefined;
}

/**
 * Parses a JSON request body within the bounds: over `maxBytes` → PayloadTooLargeError (413), nested
 * deeper than `maxDepth` → InvalidInputError (400) naming the field, not JSON → InvalidInputError.
 * @param where the name of the body in field names (e.g. 'body')
 * @example const body = parseBoundedJson(event.body, { where: 'body' });
 */
export function parseBoundedJson(text: string, options: { where?: string; maxBytes?: number; maxDepth?: number } = {}): unknown {
  const where = options.where ?? 'body';
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(`The request body is ${bytes} bytes; the limit is ${maxBytes}`, {
      details: [{ field: where, message: `at most ${maxBytes} bytes` }],
    });
  }
  const deep = tooDeepAt(text, maxDepth);
  if (deep) {
    const field = fieldName([where, ...deep]);
    throw new InvalidInputError(`Invalid request: ${field} nests deeper than ${maxDepth} levels`, {
      details: [{ field, message: `nested deeper than ${maxDepth} levels` }],
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidInputError(`The request ${where} is not valid JSON`, { details: [{ field: where, message: 'invalid JSON' }] });
  }
}
