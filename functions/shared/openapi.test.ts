// The OpenAPI contract: built from the route catalogue and the functions' schema.ts files, it has
// every catalogue route, every documented example validates against the schema the handler uses,
// and a route added to the catalogue without a schema fails the build.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allRoutes, FUNCTIONS, type FunctionDefinition } from '../../config/functions';
import { buildOpenApi, OpenApiContractError, ROUTE_SCHEMAS } from './openapi';

describe('the OpenAPI document', () => {
  const doc = buildOpenApi({ version: '0.1.0' });

  it('is OpenAPI 3.1 with every catalogue route, each answering its errors with the Error schema', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(
      allRoutes()
        .map(({ route }) => `${route.method} ${route.path}`)
        .sort(),
    );
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods) as { responses: Record<string, unknown>; summary: string }[]) {
        expect(op.summary.length).toBeGreaterThan(0);
        expect(op.responses['400']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
        expect(op.responses['500']).toBeDefined();
      }
    }
  });

  it('declares each path parameter of a route template', () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(methods) as { parameters: { name: string; in: string; required: boolean }[] }[]) {
        expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(names);
      }
    }
  });

  it('validates every documented example against the schema the handler validates with', () => {
    let examples = 0;
    for (const routes of Object.values(ROUTE_SCHEMAS)) {
      for (const [key, route] of Object.entries(routes)) {
        const parts: ['body' | 'query' | 'params', unknown][] = [
          ['body', route.example?.body],
          ['query', route.example?.query],
          ['params', route.example?.params],
        ];
        for (const [part, example] of parts) {
          if (example === undefined) continue;
          const schema = route[part];
          expect({ key, part, hasSchema: schema !== undefined }).toEqual({ key, part, hasSchema: true });
          const parsed = schema!.safeParse(example);
          expect({ key, part, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ key, part, issues: [] });
          examples++;
        }
      }
    }
    expect(examples).toBeGreaterThanOrEqual(20);
  });

  it('fails when a route is added to the catalogue without its schema', () => {
    const extra: FunctionDefinition = { ...FUNCTIONS[0], routes: [...FUNCTIONS[0].routes, { method: 'GET', path: '/api/ml/brand-new' }] };
    expect(() => buildOpenApi({ functions: [extra, ...FUNCTIONS.slice(1)] })).toThrow(OpenApiContractError);
    expect(() => buildOpenApi({ functions: [extra, ...FUNCTIONS.slice(1)] })).toThrow(
      /GET \/api\/ml\/brand-new \(function health\) has no schema in functions\/health\/schema.ts/,
    );
  });

  it('fails when a schema describes a route the catalogue lacks', () => {
    const fewer: FunctionDefinition = { ...FUNCTIONS[0], routes: FUNCTIONS[0].routes.slice(0, 1) };
    expect(() => buildOpenApi({ functions: [fewer, ...FUNCTIONS.slice(1)] })).toThrow(/describes GET \/api\/ml\/openapi.json, which is not in the catalogue/);
  });
});

describe('docs/api.md', () => {
  it('names every catalogue route', () => {
    const text = readFileSync(path.join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');
    const missing = allRoutes()
      .map(({ route }) => `${route.method} ${route.path}`)
      .filter((key) => !text.includes(`\`${key}\``));
    expect(missing).toEqual([]);
  });
});
