// Property-based fuzzing of the local API: requests over every catalogue route, generated with
// fast-check (fixed seed) from the routes' own zod schemas (test/support/route-schemas.ts) — valid
// values, values with one field made nasty (deep nesting, huge strings, wrong types, prototype
// keys), random JSON, text that is not JSON, malformed percent escapes in path and query — sent to
// the local API server over HTTP, against the local platform on the embedded cloud with a real
// deployed model. No answer may be a 5xx; every 4xx that refuses input names its field; every
// error stays small; the server is alive and healthy afterwards.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createAwsClients } from '../../adapters/clients';
import { loadConfig } from '../../config/config';
import { allRoutes } from '../../config/functions';
import { BUCKETS } from '../../config/resources';
import { registrationInput } from '../../core/registry/testing/fixtures';
import { ensureTables } from '../../local/embedded-cloud';
import { startLocalApiServer, type LocalApiServer } from '../../local/http-server';
import { composeLocalPlatform, installProcessPlatform, type LocalPlatform } from '../../platform';
import { uploadTestBundle } from '../support/model-bundles';
import { uniqueId } from '../support/platform';
import { schemasFor } from '../support/route-schemas';
import { arbitraryFor } from '../support/zod-arbitrary';

const SEED = 16;
const REQUESTS = Number(process.env.XDR_FUZZ_REQUESTS ?? 2400);
/** Statuses that refuse the caller's input: their answer must name the field (or header) to fix. */
const NAMES_A_FIELD = new Set([400, 401, 403, 413, 415, 421]);
const MAX_ERROR_BYTES = 64 * 1024;

interface FuzzRequest {
  readonly routeKey: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body?: string;
  readonly contentType: string;
}

/** Percent-encodes every byte but unreserved characters and `%` (so malformed escapes stay malformed). */
function encodeKeepingPercent(text: string): string {
  return Array.from(Buffer.from(text, 'utf8'))
    .map((b) => (/[A-Za-z0-9%._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

const nestedText = (depth: number) => `${'['.repeat(depth)}0${']'.repeat(depth)}`;

/** Values that broke or bloated things once, or could. */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 33, max: 3000 }).map((depth) => JSON.parse(nestedText(depth)) as unknown),
  fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom(null, true, false, -1, 0, 1e308, -1e-308, '', 'NaN', 'Infinity', '-Infinity', '1e999', '0x10', ' 12 ', '\u0000', '\u202e'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom({ __proto__: { polluted: true } }, { constructor: { prototype: {} } }, []),
);
const nastyKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', 'flows', 'model'),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constant('k'.repeat(5000)),
);
const nastySegment = fc.oneof(
  fc.constantFrom('%ZZ', '%', '%C0%AF', '%E0%A4%A', '%00', '..', '.', '%2e%2e', '%2F', 'a%20b', '%FF%FE'),
  fc.string({ unit: 'binary', maxLength: 30 }).map(encodeKeepingPercent),
  fc.integer({ min: 100, max: 3000 }).map((n) => 'n'.repeat(n)),
);

function requestArbitrary(model: string, features: readonly string[]): fc.Arbitrary<FuzzRequest> {
  const routes = allRoutes().map(({ route }) => {
    const routeKey = `${route.method} ${route.path}`;
    const schemas = schemasFor(routeKey);
    const paramNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const paramsArb = schemas.params ? arbitraryFor(schemas.params) : fc.constant({});
    const segment = (name: string) =>
      fc.oneof(
        { weight: 5, arbitrary: paramsArb.map((p) => encodeURIComponent(String((p as Record<string, unknown>)[name] ?? 'x'))) },
        { weight: 3, arbitrary: fc.constant(model) },
        { weight: 3, arbitrary: nastySegment },
      );
    const pathArb = paramNames.length
      ? fc.tuple(...paramNames.map(segment)).map((values) => paramNames.reduce((p, n, i) => p.replace(`{${n}}`, values[i]), route.path))
      : fc.constant(route.path);
    const queryArb = fc.oneof(
      { weight: 4, arbitrary: fc.constant('') },
      {
        weight: 3,
        arbitrary: (schemas.query ? arbitraryFor(schemas.query) : fc.constant({})).map((q) =>
          new URLSearchParams(Object.entries((q ?? {}) as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)])).toString(),
        ),
      },
      {
        weight: 2,
        arbitrary: fc.dictionary(nastyKey, nastySegment, { maxKeys: 3 }).map((d) =>
          Object.entries(d)
            .map(([k, v]) => `${encodeKeepingPercent(k)}=${v}`)
            .join('&'),
        ),
      },
    );
    const valid = schemas.body ? arbitraryFor(schemas.body) : fc.constant(undefined);
    const mutated = fc.tuple(valid, nastyKey, nastyValue, fc.boolean()).map(([value, key, nasty, replace]) => {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return nasty;
      const keys = Object.keys(value);
      const target = replace && keys.length ? keys[key.length % keys.length] : key;
      return { ...(value as Record<string, unknown>), [target]: nasty };
    });
    const flowValue = fc.oneof(
      { weight: 6, arbitrary: fc.double({ noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom('12', 'Infinity', null) },
      { weight: 2, arbitrary: nastyValue },
    );
    const flow = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(...features.map(() => flowValue)).map((vs) => Object.fromEntries(features.map((f, i) => [f, vs[i]]))) },
      { weight: 1, arbitrary: fc.dictionary(nastyKey, nastyValue, { maxKeys: 4 }) },
      { weight: 1, arbitrary: nastyValue },
    );
    const scoring = fc.record({ model: fc.constant(model), flows: fc.array(flow, { minLength: 0, maxLength: 30 }) }, { requiredKeys: ['flows'] });
    const bodyText = fc.oneof(
      { weight: 4, arbitrary: valid.map((v) => (v === undefined ? undefined : JSON.stringify(v))) },
      { weight: 3, arbitrary: mutated.map((v) => JSON.stringify(v)) },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
      { weight: route.path.endsWith('/predict') ? 4 : 0, arbitrary: scoring.map((v) => JSON.stringify(v)) },
      {
        weight: 1,
        arbitrary: fc.oneof(
          fc.constantFrom('', '{', '{"a":', 'null', '[]', '"x"', '\u0000', '{"flows":[1,2,}'),
          fc.integer({ min: 33, max: 60_000 }).map((d) => `{"flows":[{"a":${nestedText(d)}}],"model":"${model}"}`),
        ),
      },
    );
    const contentType = fc.oneof(
      { weight: 19, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-8'),
      },
    );
    return fc
      .record({ path: pathArb, query: queryArb, body: route.method === 'GET' ? fc.constant(undefined) : bodyText, contentType })
      .map((r) => ({ routeKey, method: route.method, ...r }));
  });
  return fc.oneof(...routes);
}

describe('fuzzing the local API from the route catalogue', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-fuzz-'));
  let local: LocalPlatform;
  let api: LocalApiServer;
  const model = uniqueId('fuzz').toLowerCase();
  let features: readonly string[] = [];
  const crashes: string[] = [];

  beforeAll(async () => {
    // Tables and buckets of a stage of its own in the run's embedded cloud: fuzzed writes (the platform-wide auto-retrain
    // switch, specs, experiments) must not reach the other suites' state.
    const config = loadConfig({ ...process.env, XDR_ML_STAGE: 'fuzz' });
    await ensureTables(config);
    const { s3 } = createAwsClients(config);
    for (const b of BUCKETS) await s3.send(new CreateBucketCommand({ Bucket: config.buckets[b.id] })).catch(() => undefined); // exists: a rerun
    s3.destroy();
    local = composeLocalPlatform({ config, home, log: () => undefined });
    local.stop(); // no event rules: a fuzzed retrain is queued, never trained
    const { platform } = local;
    const thresholds = { minMacroF1: 0, maxRecallDrop: 1 };
    for (const seed of [7, 8]) {
      const bundle = await uploadTestBundle(platform.stores.buckets.artefacts, model, { seed, rounds: 10 });
      features = bundle.featureNames;
      await platform.registry.registerVersion({
        ...registrationInput(model, { seed: String(seed) }),
        artefacts: bundle.refs,
        classes: bundle.classes,
        metrics: { macroF1: 0.9, perClass: Object.fromEntries(bundle.classes.map((c) => [c, { precision: 0.9, recall: 0.9, f1: 0.9, support: 200 }])) },
      });
    }
    await platform.registry.deploy(model, 1, { actor: 'fuzz', thresholds });
    api = await startLocalApiServer({ port: 0, localEvents: local.bus, handlers: local.handlers, log: (line) => crashes.push(line) });
  });

  afterAll(async () => {
    await api?.close();
    local?.platform.close();
    installProcessPlatform(undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it(`answers ${REQUESTS} generated requests over every route with no 5xx, every refusal naming its field, and stays healthy`, async () => {
    const generating = Date.now();
    const requests = fc.sample(requestArbitrary(model, features), { seed: SEED, numRuns: REQUESTS });
    const generatedMs = Date.now() - generating;
    const msByRoute = new Map<string, number>();
    const byStatus = new Map<number, number>();
    const byRoute = new Map<string, number>();
    const violations: string[] = [];
    for (const r of requests) {
      const url = `${api.url}${r.path}${r.query ? `?${r.query}` : ''}`;
      const started = Date.now();
      const res = await fetch(url, { method: r.method, headers: { 'content-type': r.contentType }, body: r.body });
      const text = await res.text();
      msByRoute.set(r.routeKey, (msByRoute.get(r.routeKey) ?? 0) + Date.now() - started);
      byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
      byRoute.set(r.routeKey, (byRoute.get(r.routeKey) ?? 0) + 1);
      const where = `${r.method} ${r.path.slice(0, 120)}${r.query ? `?${r.query.slice(0, 80)}` : ''} body ${(r.body ?? '').slice(0, 160)}`;
      if (res.status >= 500) violations.push(`${res.status} for ${where}: ${text.slice(0, 300)}`);
      if (res.status >= 400 && res.status < 500) {
        if (text.length > MAX_ERROR_BYTES) violations.push(`${res.status} of ${text.length} bytes for ${where}`);
        const body = JSON.parse(text) as { error?: unknown; message?: unknown; details?: { field?: unknown }[] };
        if (typeof body.error !== 'string' || typeof body.message !== 'string' || body.message === '')
          violations.push(`${res.status} without error and message for ${where}`);
        if (
          NAMES_A_FIELD.has(res.status) &&
          !(Array.isArray(body.details) && body.details.length > 0 && body.details.every((d) => typeof d.field === 'string' && d.field !== ''))
        ) {
          violations.push(`${res.status} naming no field for ${where}: ${text.slice(0, 300)}`);
        }
      }
    }
    const health = await fetch(`${api.url}/api/ml/health`);
    console.log(
      `fuzz: ${requests.length} requests (seed ${SEED}) over ${byRoute.size} routes; status counts ${JSON.stringify(Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])))}; ` +
        `5xx ${[...byStatus].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0)}; violations ${violations.length}; generated in ${generatedMs} ms; ms by route ${JSON.stringify(Object.fromEntries(msByRoute))}`,
    );
    expect(violations.slice(0, 20)).toEqual([]);
    expect(crashes).toEqual([]);
    expect(byRoute.size).toBe(allRoutes().length);
    expect(requests.length).toBeGreaterThanOrEqual(2000);
    expect(health.status).toBe(200);
    expect(await fetch(`${api.url}/api/ml/models/${model}`).then((r) => r.status)).toBe(200);
  }, 600_000);
});
