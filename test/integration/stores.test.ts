// The project's adapters against the real wire-protocol servers of the embedded cloud.
import { ConditionFailedError, NotFoundError } from '../../core/ports';
import { closeStores, testStores, uniqueId } from '../support/platform';

describe('adapters on the embedded cloud', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));

  it('puts, gets, lists and deletes objects in S3', async () => {
    const prefix = uniqueId('objects');
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256);
    await stores.buckets.artefacts.put(`${prefix}/a.bin`, bytes);
    await stores.buckets.artefacts.put(`${prefix}/b.json`, '{"ok":true}', { contentType: 'application/json' });

    expect(Buffer.from(await stores.buckets.artefacts.get(`${prefix}/a.bin`)).equals(Buffer.from(bytes))).toBe(true);
    expect((await stores.buckets.artefacts.list(`${prefix}/`)).sort()).toEqual([`${prefix}/a.bin`, `${prefix}/b.json`]);
    expect(await stores.buckets.artefacts.exists(`${prefix}/missing`)).toBe(false);
    await expect(stores.buckets.artefacts.get(`${prefix}/missing`)).rejects.toBeInstanceOf(NotFoundError);

    await stores.buckets.artefacts.delete(`${prefix}/a.bin`);
    expect(await stores.buckets.artefacts.exists(`${prefix}/a.bin`)).toBe(false);
  });

  it('puts and gets items, and refuses a conditional write that must fail', async () => {
    const pk = uniqueId('model');
    await stores.tables.registry.putIfAbsent({ pk, sk: 'VERSION#1', macroF1: 0.9 });
    await expect(stores.tables.registry.putIfAbsent({ pk, sk: 'VERSION#1', macroF1: 0.1 })).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await stores.tables.registry.get({ pk, sk: 'VERSION#1' })).toEqual({ pk, sk: 'VERSION#1', macroF1: 0.9 });
  });

  it('moves an item only from the expected revision', async () => {
    const pk = uniqueId('alias');
    const key = { pk, sk: 'ALIAS#production' };
    await stores.tables.registry.putIfRevision({ ...key, version: 1, revision: 1 }, 'revision', undefined);
    await expect(stores.tables.registry.putIfRevision({ ...key, version: 9, revision: 1 }, 'revision', undefined)).rejects.toBeInstanceOf(ConditionFailedError);
    await stores.tables.registry.putIfRevision({ ...key, version: 2, revision: 2 }, 'revision', 1);
    await expect(stores.tables.registry.putIfRevision({ ...key, version: 3, revision: 2 }, 'revision', 1)).rejects.toThrow(/no longer at revision 1/);
    expect(await stores.tables.registry.get(key)).toMatchObject({ version: 2, revision: 2 });
  });

  it('increments counters atomically under concurrency', async () => {
    const key = { pk: uniqueId('counter'), sk: 'COUNTER' };
    const values = await Promise.all(Array.from({ length: 25 }, () => stores.tables.registry.increment(key, 'next')));
    expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('adds several counters in one atomic write', async () => {
    const key = { pk: uniqueId('stats'), sk: 'V#1' };
    await Promise.all(Array.from({ length: 10 }, () => stores.tables.inference.add(key, { requests: 1, flows: 3, latencyMsSum: 2.5 })));
    expect(await stores.tables.inference.add(key, { requests: 0 })).toEqual({ requests: 10 });
    expect(await stores.tables.inference.get(key)).toMatchObject({ requests: 10, flows: 30, latencyMsSum: 25 });
  });

  it('queries by partition key in sort order and through a global index', async () => {
    const name = uniqueId('ds');
    for (const version of [3, 1, 2]) await stores.tables.datasets.put({ name, version, rows: version * 10 });
    expect((await stores.tables.datasets.query({ name })).map((i) => i.version)).toEqual([1, 2, 3]);
    expect((await stores.tables.datasets.query({ name }, { descending: true, limit: 1 })).map((i) => i.version)).toEqual([3]);

    const model = uniqueId('m');
    await stores.tables.jobs.put({ jobId: uniqueId('job'), model, createdAt: '2026-01-02T00:00:00Z' });
    await stores.tables.jobs.put({ jobId: uniqueId('job'), model, createdAt: '2026-01-01T00:00:00Z' });
    const jobs = await stores.tables.jobs.query({ model }, { index: 'byModel' });
    expect(jobs.map((j) => j.createdAt)).toEqual(['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z']);
  });
});

describe('items DynamoDB cannot hold as is', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));

  it('stores underflowing numbers as 0 and non-finite numbers as null', async () => {
    const key = { pk: uniqueId('numbers'), sk: 'REPORT' };
    await stores.tables.registry.put({ ...key, pValue: 1e-300, psi: Infinity, ratio: NaN, nested: [{ ks: -1e-200, ok: 0.5 }], big: 1e100 });
    expect(await stores.tables.registry.get(key)).toEqual({ ...key, pValue: 0, psi: null, ratio: null, nested: [{ ks: 0, ok: 0.5 }], big: 1e100 });
  });
});
