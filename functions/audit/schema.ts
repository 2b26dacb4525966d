// GET /api/ml/audit: the newest audit records with the chain's verification and the registry cross-check.
import { z } from 'zod';
import type { RouteSchemas } from '../shared/route-schema';

export const AuditQuery = z.object({
  limit: z
    .string()
    .regex(/^(?:[1-9]\d{0,2}|1000)$/, 'must be 1-1000')
    .optional(),
});

export const ROUTES: RouteSchemas = {
  'GET /api/ml/audit': {
    summary: 'The newest audit records (default 100), each marked verified, with the hash chain verification and the registry cross-check',
    description: 'The same checks as `xdr-ml audit verify`: the chain is recomputed, and every registry change must have its record.',
    query: AuditQuery,
    example: {
      query: { limit: '50' },
      response: {
        stream: 'platform',
        ok: true,
        verification: { ok: true, records: 12, headHash: '9f2c…' },
        registry: { changes: 6, unaudited: [] },
        records: [{ seq: 12, at: '2026-01-01T00:00:00.000Z', actor: 'alice', action: 'model.deploy', subject: 'model/general/version/3', verified: true }],
      },
    },
  },
};
