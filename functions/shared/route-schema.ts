// What each HTTP route declares about itself, once, in its function's schema.ts: its request
// schemas (the same zod objects the handler validates with), a summary, the statuses it answers
// and a documented example. functions/shared/openapi.ts builds the OpenAPI document from these and
// the route catalogue (config/functions.ts); a catalogue route without one fails the build.
import type { z } from 'zod';

/** A route's contract. Examples must validate against the schemas (test/infra/openapi.test.ts). */
export interface RouteSchema {
  readonly summary: string;
  readonly description?: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly params?: z.ZodType;
  /** The success status and a short description (default 200). */
  readonly success?: { readonly status: number; readonly description: string };
  /** Error statuses besides 400 (bad input) and 500, with what each means. */
  readonly errors?: Readonly<Record<number, string>>;
  readonly example?: {
    readonly body?: unknown;
    readonly query?: Readonly<Record<string, string>>;
    readonly params?: Readonly<Record<string, string>>;
    /** An answer of the success status. */
    readonly response?: unknown;
  };
}

/** A function's routes by API Gateway route key, e.g. "GET /api/ml/models/{name}". */
export type RouteSchemas = Readonly<Record<string, RouteSchema>>;
