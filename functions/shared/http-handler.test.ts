// Drives the real middy chain: validation answers 400 naming the fields, domain errors keep
// their status, anything else is a generic 500 with the correlation id and no internals.
import { z } from 'zod';
import { ConfigError } from '../../config/config';
import { ConflictError, UnknownResourceError } from '../../core/errors';
import { apiGatewayEvent, lambdaContext, type ApiRequest } from '../../local/api-gateway-event';
import { createHttpHandler, type HttpEvent, type HttpResult } from './http-handler';

function event(request: Partial<ApiRequest> = {}): HttpEvent {
  return apiGatewayEvent({ method: 'POST', path: '/x', ...request });
}

const context = lambdaContext('http-handler-test');

async function call(
  handler: ReturnType<typeof createHttpHandler>,
  e: HttpEvent,
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const result = (await handler(e, context)) as HttpResult;
  return { status: result.statusCode ?? 0, body: JSON.parse(result.body ?? '{}'), headers: result.headers ?? {} };
}

describe('createHttpHandler', () => {
  const echo = createHttpHandler({
    name: 'echo',
    body: z.object({ model: z.string().min(1), flows: z.array(z.object({ port: z.number() })).max(2) }),
    query: z.object({ explain: z.enum(['true', 'false']).optional() }),
    handle: async ({ body, query }) => ({ statusCode: 201, body: { model: body.model, explain: query.explain ?? 'false' } }),
  });

  it('passes validated input to the core and answers JSON with the correlation id', async () => {
    const r = await call(echo, event({ body: { model: 'm', flows: [{ port: 80 }] }, headers: { 'x-correlation-id': 'corr-42' } }));
    expect(r).toMatchObject({ status: 201, body: { model: 'm', explain: 'false' }, headers: { 'x-correlation-id': 'corr-42' } });
  });

  it('answers 400 naming every failing field', async () => {
    const r = await call(echo, event({ body: { model: '', flows: [{ port: 'eighty' }, {}] }, query: { explain: 'yes' } }));
    expect(r.status).toBe(400);
    const fields = (r.body.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.model', 'body.flows.0.port', 'body.flows.1.port', 'query.explain']));
  });

  it('answers 400 on a body that is not JSON', async () => {
    const r = await call(echo, event({ body: '{"model": ' }));
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/not valid JSON/);
  });

  it('answers 400 naming the field of a body nested too deep, and keeps every error small', async () => {
    const deep = `{"model":"m","flows":[{"port":${'['.repeat(50_000)}1${']'.repeat(50_000)}}]}`;
    const r = await call(echo, event({ body: deep }));
    expect(r.status).toBe(400);
    expect((r.body.details as { field: string }[])[0].field).toMatch(/^body\.flows\.0\.port\./);

    const huge = 'x'.repeat(1_000_000);
    const echoed = await call(echo, event({ body: { model: 'm', flows: [{ port: huge, [huge]: 1 }, ...Array.from({ length: 500 }, () => ({}))] } }));
    expect(echoed.status).toBe(400);
    expect(JSON.stringify(echoed.body).length).toBeLessThan(20_000);
  });

  it('answers 413 for a body over the size bound', async () => {
    const r = await call(echo, event({ body: JSON.stringify({ model: 'x'.repeat(11 * 1024 * 1024) }) }));
    expect(r).toMatchObject({ status: 413, body: { error: 'PayloadTooLargeError', details: [{ field: 'body' }] } });
  });

  it('exposes domain errors with their status', async () => {
    const missing = createHttpHandler({
      name: 'missing',
      handle: async () => {
        throw new UnknownResourceError('model "x" does not exist');
      },
    });
    const conflict = createHttpHandler({
      name: 'conflict',
      handle: async () => {
        throw new ConflictError('lost the race');
      },
    });
    expect(await call(missing, event())).toMatchObject({ status: 404, body: { message: 'model "x" does not exist' } });
    expect(await call(conflict, event())).toMatchObject({ status: 409, body: { error: 'ConflictError' } });
  });

  it('hides unexpected failures behind a generic 500 that carries the correlation id', async () => {
    const broken = createHttpHandler({
      name: 'broken',
      handle: async () => {
        throw new TypeError('secret internal detail at /var/task/index.js:12');
      },
    });
    const r = await call(broken, event({ headers: { 'x-correlation-id': 'corr-500' } }));
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: 'InternalError', message: expect.stringMatching(/correlation id/), correlationId: 'corr-500' });
    expect(JSON.stringify(r.body)).not.toMatch(/secret|index\.js|TypeError/);
  });

  it("answers a configuration error as a 500, never as the caller's 400", async () => {
    const misconfigured = createHttpHandler({
      name: 'misconfigured',
      handle: async () => {
        throw new ConfigError('Invalid configuration: XDR_ML_SAMPLE_RATE (sampleRate) must be at most 1 (got "2")', 'XDR_ML_SAMPLE_RATE');
      },
    });
    const r = await call(misconfigured, event());
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ error: 'InternalError' });
    expect(JSON.stringify(r.body)).not.toMatch(/XDR_ML_SAMPLE_RATE/);
  });
});
