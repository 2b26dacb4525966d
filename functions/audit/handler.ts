// The audit trail over HTTP: the newest records, the chain's verification and the registry
// cross-check (what `xdr-ml audit verify` checks), for the console's audit page. Read only.
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler, createHttpRouter } from '../shared/http-handler';
import { AuditQuery } from './schema';

const deps = handlerPlatform();

const trail = createHttpHandler({
  name: 'audit-trail',
  query: AuditQuery,
  handle: async ({ query }) => {
    const [{ verification, records }, registry] = await Promise.all([deps.audit.trail(query.limit ? Number(query.limit) : 100), deps.registry.auditCheck()]);
    return { body: { stream: deps.audit.stream, ok: verification.ok && registry.unaudited.length === 0, verification, registry, records } };
  },
});

export const handler = createHttpRouter({ 'GET /api/ml/audit': trail });
