import { InvalidInputError, UnknownResourceError } from '../errors';
import { ConditionFailedError } from '../ports';
import type { FeatureSpec } from '../data/table';
import { collectedSinceLastTraining, collectIncidents, DEFAULT_TRAINING_DATASET, markTrained, validateIncidents, type Incident } from './collector';
import { decodeChunk } from './parquet-chunk';
import { MemoryItemTable, MemoryObjectStore } from './testing/memory-stores';
import type { DatasetManifest } from './ingest';

const FEATURES: FeatureSpec[] = [
  { name: 'duration', kind: 'numeric' },
  { name: 'protocol_type', kind: 'categorical', vocabulary: ['icmp', 'tcp', 'udp'] },
  { name: 'src_bytes', kind: 'numeric' },
];

function schemaManifest(name: string, version = 1): DatasetManifest {
  return {
    name,
    version,
    format: 'nsl-kdd',
    schema: { features: FEATURES },
    rowCount: 0,
    rowsPerLabel: {},
    rowsPerClass: {},
    rejectedCount: 0,
    rejected: [],
    rejectedReasons: {},
    skippedLines: { repeatedHeaders: 0, blankLines: 0 },
    duplicateCount: 0,
    sourceSha256: 'x',
    sourcePath: 'x',
    sourceBytes: 0,
    optionsSha256: 'x',
    options: {},
    chunks: [],
    lineage: {},
    synthetic: false,
    createdAt: '2026-01-01T00:00:00Z',
  };
}

function setup() {
  const s = { objects: new MemoryObjectStore(), manifests: new MemoryItemTable() };
  return s;
}

const inc = (duration: number, label = 'neptune', protocol = 'tcp'): Incident => ({
  features: { duration, protocol_type: protocol, src_bytes: 10 },
  label,
  source: 'edr',
  analyst: 'bo',
});

describe('validateIncidents', () => {
  it('names unknown, missing, wrongly typed features and labels outside the taxonomy', () => {
    const issues = validateIncidents(FEATURES, [
      inc(1),
      { ...inc(1), features: { duration: 'long', protocol_type: 6, src_bytes: Infinity, extra: 1 } },
      { ...inc(1), features: { duration: 1 }, label: 'Unknown Thing', observedAt: 'yesterday' },
    ]);
    expect(issues.map((i) => i.field).sort()).toEqual(
      [
        'incidents.1.features.duration',
        'incidents.1.features.protocol_type',
        'incidents.1.features.src_bytes',
        'incidents.1.features.extra',
        'incidents.2.features.protocol_type',
        'incidents.2.features.src_bytes',
        'incidents.2.label',
        'incidents.2.observedAt',
      ].sort(),
    );
    expect(issues.find((i) => i.field === 'incidents.1.features.extra')?.message).toBe('unknown feature');
    expect(issues.find((i) => i.field === 'incidents.2.features.src_bytes')?.message).toBe('missing feature');
  });
});

describe('collectIncidents', () => {
  it('takes the schema of the default training dataset when nothing else is given, or says it is missing', async () => {
    const s = setup();
    await expect(collectIncidents(s, { incidents: [inc(1)] })).rejects.toBeInstanceOf(UnknownResourceError);
    await s.manifests.put({ ...schemaManifest(DEFAULT_TRAINING_DATASET, 1) });
    await s.manifests.put({ ...schemaManifest(DEFAULT_TRAINING_DATASET, 2) });
    const res = await collectIncidents(s, { incidents: [inc(1), inc(2, 'normal', 'udp')] });
    expect(res).toMatchObject({ dataset: 'collected', version: 1, accepted: 2, rowCount: 2, collectedSinceLastTraining: 2 });
    const m = (await s.manifests.get({ name: 'collected', version: 1 })) as unknown as DatasetManifest;
    expect(m.lineage).toMatchObject({ schemaFrom: { name: DEFAULT_TRAINING_DATASET, version: 2 } });
    expect(m.schema.features[1]).toEqual({ name: 'protocol_type', kind: 'categorical', vocabulary: ['tcp', 'udp'] });
    expect(m.rowsPerClass).toEqual({ 'DDoS/DoS': 1, Normal: 1 });
    const chunk = await decodeChunk(await s.objects.get(m.chunks[0].key));
    expect(Array.from(chunk.values[0] as Float64Array)).toEqual([1, 2]);
    expect(chunk.labels).toEqual(['neptune', 'normal']);
  });

  it('refuses a schemaFrom whose features differ from the collected dataset', async () => {
    const s = setup();
    await s.manifests.put({ ...schemaManifest('kdd') });
    await s.manifests.put({ ...schemaManifest('other'), schema: { features: FEATURES.slice(0, 2) } });
    await collectIncidents(s, { dataset: 'mine', schemaFrom: { name: 'kdd' }, incidents: [inc(1)] });
    await expect(collectIncidents(s, { dataset: 'mine', schemaFrom: { name: 'other' }, incidents: [inc(1)] })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(collectIncidents(s, { dataset: 'mine', incidents: [] })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('retries on a lost version race and keeps the winner chunk', async () => {
    const s = setup();
    await s.manifests.put({ ...schemaManifest('kdd') });
    await collectIncidents(s, { dataset: 'mine', schemaFrom: { name: 'kdd' }, incidents: [inc(1)] });
    let raced = false;
    s.manifests.beforePutIfAbsent = async () => {
      if (raced) return;
      raced = true;
      s.manifests.beforePutIfAbsent = undefined;
      await collectIncidents(s, { dataset: 'mine', incidents: [inc(2)] }); // the concurrent winner takes v2
      throw new ConditionFailedError('lost');
    };
    const res = await collectIncidents(s, { dataset: 'mine', incidents: [inc(3)] });
    expect(res.version).toBe(3);
    const v3 = (await s.manifests.get({ name: 'mine', version: 3 })) as unknown as DatasetManifest;
    expect(v3.chunks).toHaveLength(3);
    expect(v3.rowCount).toBe(3);
  });

  it('keeps a manifest bounded: compacts chunks and moves old batch records out, losing nothing', async () => {
    const bounded = { maxChunks: 3, compactRows: 4, maxLineageBatches: 4 };
    const run = async (options: typeof bounded | Record<string, never>) => {
      const s = setup();
      await s.manifests.put({ ...schemaManifest('kdd') });
      for (let b = 0; b < 5; b++) {
        const protocol = b % 2 === 0 ? 'tcp' : 'udp';
        await collectIncidents(
          s,
          { dataset: 'mine', schemaFrom: { name: 'kdd' }, incidents: [inc(2 * b + 1, 'neptune', protocol), inc(2 * b + 2, 'normal', protocol)] },
          options,
        );
      }
      return s;
    };
    const s = await run(bounded);
    const v5 = (await s.manifests.get({ name: 'mine', version: 5 })) as unknown as DatasetManifest;
    // batch 4 compacted 4 chunks (8 rows) into 2 of 4 rows; batch 5 added its own
    expect(v5.chunks.map((c) => c.rows)).toEqual([4, 4, 2]);
    expect(v5.rowCount).toBe(10);
    const rows: number[] = [];
    const protocols: string[] = [];
    const labels: string[] = [];
    for (const ref of v5.chunks) {
      const chunk = await decodeChunk(await s.objects.get(ref.key));
      rows.push(...Array.from(chunk.values[0] as Float64Array));
      protocols.push(...(chunk.values[1] as string[]));
      labels.push(...chunk.labels);
    }
    expect(rows).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(protocols).toEqual(['tcp', 'tcp', 'udp', 'udp', 'tcp', 'tcp', 'udp', 'udp', 'tcp', 'tcp']);
    expect(labels).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'neptune' : 'normal')));
    // the versions before still list, and read, their own chunks
    const v3 = (await s.manifests.get({ name: 'mine', version: 3 })) as unknown as DatasetManifest;
    expect(v3.chunks).toHaveLength(3);
    for (const ref of v3.chunks) expect((await decodeChunk(await s.objects.get(ref.key))).rowCount).toBe(2);
    // batch records: the newest in the manifest, the older ones in a linked object; all five are there
    const lineage = v5.lineage as { batches: { rows: number }[]; earlierBatches: string };
    expect(lineage.batches.length).toBeLessThanOrEqual(4);
    const earlier = JSON.parse(Buffer.from(await s.objects.get(lineage.earlierBatches)).toString('utf8')) as {
      batches: unknown[];
      earlierBatches: string | null;
    };
    expect(earlier.earlierBatches).toBeNull();
    expect(earlier.batches.length + lineage.batches.length).toBe(5);
    // compaction does not change what the data is: same identity as the unbounded run
    const plain = await run({});
    const p5 = (await plain.manifests.get({ name: 'mine', version: 5 })) as unknown as DatasetManifest;
    expect(p5.chunks).toHaveLength(5);
    expect(v5.sourceSha256).toBe(p5.sourceSha256);
    expect(v5.schema).toEqual(p5.schema);
  });

  it('counts samples since the last training; markTrained resets it', async () => {
    const s = setup();
    await s.manifests.put({ ...schemaManifest('kdd') });
    expect(await collectedSinceLastTraining(s.manifests)).toBe(0);
    await collectIncidents(s, { dataset: 'mine', schemaFrom: { name: 'kdd' }, incidents: [inc(1), inc(2)] });
    await collectIncidents(s, { dataset: 'mine', incidents: [inc(3)] });
    expect(await collectedSinceLastTraining(s.manifests)).toBe(3);
    expect(await markTrained(s.manifests)).toBe(0);
    expect(await collectedSinceLastTraining(s.manifests)).toBe(0);
    await collectIncidents(s, { dataset: 'mine', incidents: [inc(4)] });
    expect(await collectedSinceLastTraining(s.manifests)).toBe(1);
  });
});
