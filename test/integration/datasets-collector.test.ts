// The training-data collector (POST /api/ml/training-data) through its exported Lambda handler with
// API Gateway v2 events, against the embedded cloud: accepted batches become new versions of the
// collected dataset that keep every earlier chunk; bad fields are named in a 400.
import { readDataset, type DatasetManifest } from '../../core/datasets';
import { collectedSinceLastTraining, COUNTERS_KEY, markTrained, MAX_MANIFEST_CHUNKS } from '../../core/datasets/collector';
import { findManifest, synthesizeDataset } from '../../core/datasets/synthetic/synthesize';
import { handler } from '../../functions/training-data/handler';
import { AuditLog } from '../../core/audit';
import { apiGatewayEvent, invokeHttp, lambdaContext } from '../../local/api-gateway-event';
import { closeStores, testStores, uniqueId } from '../support/platform';

async function post(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return invokeHttp(handler, { method: 'POST', path: '/api/ml/training-data', body });
}

describe('POST /api/ml/training-data', () => {
  const stores = testStores();
  const ds = { objects: stores.buckets.datasets, manifests: stores.tables.datasets };
  const schemaName = uniqueId('schema');
  let features: Record<string, number>[] = [];
  afterAll(() => closeStores(stores));

  beforeAll(async () => {
    // A CICIDS2017-schema dataset to take the target schema (and realistic feature rows) from.
    const { manifest } = await synthesizeDataset(ds, { name: schemaName, scenarios: ['ssh-brute-force', 'benign'], rows: 6, seed: 3 });
    const { data } = await readDataset(manifest, ds.objects);
    const names = manifest.schema.features.map((f) => f.name);
    features = Array.from({ length: data.X.rows }, (_, i) => Object.fromEntries(names.map((n, j) => [n, data.X.data[i * data.X.cols + j]])));
  });

  const incident = (i: number, label = 'SSH-Patator') => ({
    features: features[i],
    label,
    source: 'soc-ticket-17',
    analyst: 'ana',
    observedAt: '2026-11-20T10:00:00Z',
  });

  it('appends batches as new versions that keep every earlier chunk, and counts samples since training', async () => {
    const dataset = uniqueId('collected');
    const before = await collectedSinceLastTraining(stores.tables.datasets);

    const first = await post({ dataset, schemaFrom: `${schemaName}@1`, incidents: [incident(0), incident(1, 'BENIGN'), incident(2)] });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ dataset, version: 1, accepted: 3, rowCount: 3 });

    // No schemaFrom now: the collected dataset's own schema is the target.
    const second = await post({ dataset, incidents: [incident(3, 'FTP-Patator'), incident(4)] });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ dataset, version: 2, accepted: 2, rowCount: 5 });

    const v1 = (await findManifest(ds, { name: dataset, version: 1 })) as DatasetManifest;
    const v2 = (await findManifest(ds, { name: dataset })) as DatasetManifest;
    expect(v2.version).toBe(2);
    expect(v2.chunks.slice(0, 1)).toEqual(v1.chunks); // nothing earlier lost or rewritten
    expect(v2.chunks).toHaveLength(2);
    expect(v2.rowsPerLabel).toEqual({ BENIGN: 1, 'FTP-Patator': 1, 'SSH-Patator': 3 });
    expect(v2.rowsPerClass).toEqual({ Normal: 1, 'Brute Force': 4 });
    expect(v2.schema.features.map((f) => f.name)).toEqual(Object.keys(features[0]));
    expect(v2.lineage).toMatchObject({ schemaFrom: { name: schemaName, version: 1 }, previousVersion: 1 });

    // Every stored row reads back with its values and label.
    const loaded = await readDataset(v2, ds.objects);
    expect(loaded.data.X.rows).toBe(5);
    const cols = loaded.data.X.cols;
    expect(Array.from(loaded.data.X.data.subarray(3 * cols, 4 * cols))).toEqual(Object.values(features[3]));
    expect(loaded.fine.classes[loaded.fine.y[3]]).toBe('FTP-Patator');

    // The counter (other suites may add concurrently: at least our 5).
    const after = await collectedSinceLastTraining(stores.tables.datasets);
    expect(after - before).toBeGreaterThanOrEqual(5);
    expect(second.body.collectedSinceLastTraining).toBeGreaterThanOrEqual(5);
  });

  it('answers 400 naming each bad field, and writes nothing', async () => {
    const dataset = uniqueId('collected-bad');
    const bad = incident(1);
    const { 'Flow Duration': _dropped, ...withoutDuration } = features[0];
    void _dropped;
    const res = await post({
      dataset,
      schemaFrom: schemaName,
      incidents: [
        incident(0),
        { ...bad, features: { ...features[1], 'Flow Duration': 'long' } },
        { ...bad, features: { ...withoutDuration, 'Bogus Column': 1 } },
        { ...bad, label: 'Alien Invasion' },
      ],
    });
    expect(res.status).toBe(400);
    const fields = (res.body.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'incidents.1.features.Flow Duration',
        'incidents.2.features.Bogus Column',
        'incidents.2.features.Flow Duration',
        'incidents.3.label',
      ]),
    );
    expect(fields.some((f) => f.startsWith('incidents.0'))).toBe(false);
    expect(await findManifest(ds, { name: dataset })).toBeUndefined();

    const shape = await post({ dataset, incidents: [{ features: {}, label: '', source: 's' }] });
    expect(shape.status).toBe(400);
    const shapeFields = (shape.body.details as { field: string }[]).map((d) => d.field);
    expect(shapeFields).toEqual(expect.arrayContaining(['body.incidents.0.label', 'body.incidents.0.analyst']));

    const unknownSchema = await post({ dataset, schemaFrom: uniqueId('nope'), incidents: [incident(0)] });
    expect(unknownSchema.status).toBe(404);

    const tooMany = await post({ dataset, schemaFrom: schemaName, incidents: Array.from({ length: 1001 }, () => incident(0)) });
    expect(tooMany.status).toBe(400);
  });

  it('concurrent batches each get their own version and no chunk is lost', async () => {
    const dataset = uniqueId('collected-race');
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => post({ dataset, schemaFrom: schemaName, incidents: [incident(i, i % 2 ? 'BENIGN' : 'SSH-Patator')] })),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(results.map((r) => r.body.version).sort()).toEqual([1, 2, 3, 4]);
    const latest = (await findManifest(ds, { name: dataset })) as DatasetManifest;
    expect(latest.rowCount).toBe(4);
    expect(new Set(latest.chunks.map((c) => c.sha256)).size).toBe(4);
  });

  it('keeps the manifest item small however many batches arrive (compacted chunks, linked batch history)', async () => {
    const dataset = uniqueId('collected-long');
    const batches = MAX_MANIFEST_CHUNKS + 6;
    const sizes: number[] = [];
    for (let b = 0; b < batches; b++) {
      const res = await post({ dataset, schemaFrom: schemaName, incidents: [incident(b % features.length, b % 2 ? 'BENIGN' : 'SSH-Patator')] });
      expect(res.status).toBe(201);
      sizes.push(JSON.stringify(await findManifest(ds, { name: dataset })).length);
    }
    const latest = (await findManifest(ds, { name: dataset })) as DatasetManifest;
    expect(latest.version).toBe(batches);
    expect(latest.chunks.length).toBeLessThanOrEqual(MAX_MANIFEST_CHUNKS);
    // the item stops growing with the batch count: far under DynamoDB's 400 KB
    expect(Math.max(...sizes)).toBeLessThan(100_000);
    expect(sizes[sizes.length - 1]).toBeLessThan(sizes[MAX_MANIFEST_CHUNKS - 1]);
    const loaded = await readDataset(latest, ds.objects);
    expect(loaded.data.X.rows).toBe(batches);
    expect(Array.from(loaded.data.y).filter((c) => loaded.data.classes[c] === 'BENIGN')).toHaveLength(batches / 2);
  }, 120_000);

  it('writes only collection datasets: 403 naming the field for a curated or undeclared one, nothing written', async () => {
    // the schema dataset was synthesized (ingested): curated, and its name is no collection pattern
    const curated = await post({ dataset: schemaName, incidents: [incident(0)] });
    expect(curated.status).toBe(403);
    expect(curated.body).toMatchObject({ error: 'ForbiddenError', details: [{ field: 'body.dataset' }] });
    const undeclared = uniqueId('cicids2017');
    expect((await post({ dataset: undeclared, schemaFrom: schemaName, incidents: [incident(0)] })).status).toBe(403);
    expect(await findManifest(ds, { name: undeclared })).toBeUndefined();
    // a curated dataset whose name matches a collection pattern is refused too: the collector never appends to what ingest made
    const lookalike = uniqueId('collected-curated');
    await synthesizeDataset(ds, { name: lookalike, scenarios: ['benign'], rows: 3, seed: 1 });
    const refused = await post({ dataset: lookalike, incidents: [incident(0, 'BENIGN')] });
    expect(refused).toMatchObject({ status: 403, body: { details: [{ field: 'dataset' }] } });
    expect((await findManifest(ds, { name: lookalike }))?.version).toBe(1);
  });

  it('attributes each batch to its caller (IAM principal on AWS, local locally) and audits it', async () => {
    const dataset = uniqueId('collected-attributed');
    const local = await post({ dataset, schemaFrom: schemaName, incidents: [incident(0)] });
    expect(local.body).toMatchObject({ collectedBy: 'local', version: 1 });
    const principal = 'arn:aws:iam::123456789012:user/soc-analyst';
    const event = apiGatewayEvent({ method: 'POST', path: '/api/ml/training-data', body: { dataset, incidents: [incident(1)] } });
    const withIam = { ...event, requestContext: { ...event.requestContext, authorizer: { iam: { userArn: principal } } } };
    const result = (await handler(withIam, lambdaContext('training-data'))) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ collectedBy: principal, version: 2 });

    const v2 = (await findManifest(ds, { name: dataset })) as DatasetManifest;
    expect((v2.lineage.batches as { collectedBy?: string }[]).map((b) => b.collectedBy)).toEqual(['local', principal]);
    const records = (await new AuditLog({ table: stores.tables.audit }).records()).filter((r) => r.subject.startsWith(`dataset/${dataset}/`));
    expect(records.map((r) => [r.action, r.actor, r.subject])).toEqual([
      ['dataset.collected', 'local', `dataset/${dataset}/version/1`],
      ['dataset.collected', principal, `dataset/${dataset}/version/2`],
    ]);
  });

  it('markTrained resets the counter to zero', async () => {
    const counters = stores.tables.datasets;
    await counters.increment(COUNTERS_KEY, 'collectedSinceLastTraining', 7);
    expect(await collectedSinceLastTraining(counters)).toBeGreaterThanOrEqual(7);
    expect(await markTrained(counters)).toBe(0);
    expect(await collectedSinceLastTraining(counters)).toBe(0);
  });
});
