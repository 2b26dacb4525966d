import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { datasetPath, describeWithData } from '../../test/support/datasets';
import { ConditionFailedError } from '../ports';
import { DatasetError, IngestError, UnmappedLabelError } from './errors';
import { asManifest, ingestDataset, readDataset, type IngestOptions } from './ingest';
import { MemoryItemTable, MemoryObjectStore } from './testing/memory-stores';
import { TmpDir } from './testing/tmp-files';

const HEADER = 'id,proto,rate,count,Label';
const GOOD_ROWS = [
  '1,tcp,1.5,3,BENIGN',
  '2,udp,Infinity,4,DoS Hulk',
  '3,tcp,1.5,3,BENIGN', // duplicate of line 2 (id is dropped)
  '4,icmp,,7,PortScan',
  '5,tcp,2,1,DoS Hulk',
  '6,udp,NaN,4,BENIGN',
  '7,,0.25,2,PortScan',
  '8,udp,NaN,4,BENIGN', // duplicate of line 7 (NaN equals NaN)
];
const CSV = [HEADER, ...GOOD_ROWS.slice(0, 4), '9,tcp,fast,2,BENIGN', ...GOOD_ROWS.slice(4), '10,tcp,1,1'].join('\n');

function setup(): { objects: MemoryObjectStore; manifests: MemoryItemTable; log: string[] } {
  const log: string[] = [];
  return { objects: new MemoryObjectStore('datasets', log), manifests: new MemoryItemTable('datasets', 'name', 'version', log), log };
}

describe('ingestDataset (in-memory stores)', () => {
  const tmp = new TmpDir();
  afterAll(() => tmp.cleanup());
  const options = (sourcePath: string, extra: Partial<IngestOptions> = {}): IngestOptions => ({
    name: 'toy',
    sourcePath,
    format: 'csv',
    labelColumn: 'Label',
    drop: ['id'],
    categorical: ['proto'],
    chunkRows: 3,
    now: () => new Date('2026-01-02T03:04:05Z'),
    lineage: { origin: 'unit test' },
    ...extra,
  });

  it('writes content-addressed chunks, then a manifest with counts, rejections, duplicates and lineage', async () => {
    // Prepare
    const file = tmp.write('toy.csv', CSV);
    const { objects, manifests, log } = setup();
    // Act
    const { manifest, created } = await ingestDataset({ objects, manifests }, options(file));
    // Assess
    expect(created).toBe(true);
    expect(manifest.version).toBe(1);
    expect(manifest.format).toBe('csv');
    expect(manifest.rowCount).toBe(8);
    expect(manifest.rowsPerLabel).toEqual({ BENIGN: 4, 'DoS Hulk': 2, PortScan: 2 });
    expect(manifest.rowsPerClass).toEqual({ Normal: 4, 'DDoS/DoS': 2, Reconnaissance: 2 });
    expect(manifest.rowsPerKddCategory).toBeUndefined();
    expect(manifest.rejectedCount).toBe(2);
    expect(manifest.rejected).toEqual([
      { line: 6, reason: 'non-numeric value "fast" in numeric column "rate"' },
      { line: 11, reason: 'expected 5 fields, got 4' },
    ]);
    expect(manifest.duplicateCount).toBe(2);
    expect(manifest.schema.features).toEqual([
      { name: 'proto', kind: 'categorical', vocabulary: ['icmp', 'tcp', 'udp'] },
      { name: 'rate', kind: 'numeric' },
      { name: 'count', kind: 'numeric' },
    ]);
    expect(manifest.sourceSha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(manifest.sourcePath).toBe(file);
    expect(manifest.synthetic).toBe(false);
    expect(manifest.createdAt).toBe('2026-01-02T03:04:05.000Z');
    expect(manifest.lineage).toMatchObject({ origin: 'unit test', source: { sha256: manifest.sourceSha256, format: 'csv' } });
    expect(manifest.chunks.map((c) => c.rows)).toEqual([3, 3, 2]);
    for (const chunk of manifest.chunks) {
      const bytes = await objects.get(chunk.key);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(chunk.sha256);
      expect(chunk.key).toBe(`datasets/toy/${chunk.sha256}.parquet`);
    }
    expect(log).toHaveLength(4);
    expect(log[3]).toBe('item:["toy",1]');
    expect(asManifest((await manifests.get({ name: 'toy', version: 1 })) ?? {})).toEqual(manifest);
  });

  it('reads a version back as LabelledData with vocabulary codes and labels in the chosen scheme', async () => {
    const file = tmp.write('toy-read.csv', CSV);
    const { objects, manifests } = setup();
    const { manifest } = await ingestDataset({ objects, manifests }, options(file));
    // Act
    const fine = await readDataset(manifest, objects);
    const mapped = await readDataset(manifest, objects, { labels: 'mini-xdr' });
    // Assess: proto codes tcp=1, udp=2, icmp=0, empty=NaN
    expect(Array.from(fine.data.X.data)).toEqual([1, 1.5, 3, 2, Infinity, 4, 1, 1.5, 3, 0, NaN, 7, 1, 2, 1, 2, NaN, 4, NaN, 0.25, 2, 2, NaN, 4]);
    expect(fine.data.X).toMatchObject({ rows: 8, cols: 3 });
    expect(fine.data.classes).toEqual(['BENIGN', 'DoS Hulk', 'PortScan']);
    expect(Array.from(fine.data.y)).toEqual([0, 1, 0, 2, 1, 0, 2, 0]);
    expect(mapped.data.classes).toEqual(['Normal', 'DDoS/DoS', 'Reconnaissance']);
    expect(Array.from(mapped.data.y)).toEqual([0, 1, 0, 2, 1, 0, 2, 0]);
    expect(Array.from(mapped.fine.y)).toEqual(Array.from(fine.data.y));
  });

  it('returns the existing version when the same bytes are ingested with the same options', async () => {
    const file = tmp.write('toy-twice.csv', CSV);
    const { objects, manifests, log } = setup();
    const first = await ingestDataset({ objects, manifests }, options(file));
    const writes = log.length;
    // Act
    const second = await ingestDataset({ objects, manifests }, options(file, { now: () => new Date() }));
    // Assess
    expect(second.created).toBe(false);
    expect(second.manifest).toEqual(first.manifest);
    expect(log).toHaveLength(writes);
    expect(await manifests.scan()).toHaveLength(1);
  });

  it('allocates versions 2 and 3 for changed bytes or changed options', async () => {
    const file = tmp.write('toy-v.csv', CSV);
    const { objects, manifests } = setup();
    await ingestDataset({ objects, manifests }, options(file));
    const v2 = await ingestDataset({ objects, manifests }, options(tmp.write('toy-v.csv', `${CSV}\n11,tcp,9,9,BENIGN`)));
    const v3 = await ingestDataset({ objects, manifests }, options(file, { chunkRows: 100 }));
    expect([v2.manifest.version, v2.manifest.rowCount]).toEqual([2, 9]);
    expect([v3.manifest.version, v3.manifest.chunks.length]).toEqual([3, 1]);
  });

  it('retries with the next version when another writer takes the version first', async () => {
    const file = tmp.write('toy-race.csv', CSV);
    const { objects, manifests } = setup();
    let raced = false;
    manifests.beforePutIfAbsent = async (item) => {
      if (raced) return;
      raced = true;
      await manifests.put({ ...item, sourceSha256: 'someone-else', optionsSha256: 'other' });
    };
    // Act
    const { manifest, created } = await ingestDataset({ objects, manifests }, options(file));
    // Assess
    expect(created).toBe(true);
    expect(manifest.version).toBe(2);
    expect((await manifests.query({ name: 'toy' })).map((i) => i.version)).toEqual([1, 2]);
  });

  it('returns the winner when an identical ingest lands first', async () => {
    const file = tmp.write('toy-same-race.csv', CSV);
    const { objects, manifests } = setup();
    manifests.beforePutIfAbsent = async (item) => {
      manifests.beforePutIfAbsent = undefined;
      await manifests.put({ ...item, createdAt: 'the other writer' });
    };
    const { manifest, created } = await ingestDataset({ objects, manifests }, options(file));
    expect(created).toBe(false);
    expect([manifest.version, manifest.createdAt]).toEqual([1, 'the other writer']);
    expect(await manifests.scan()).toHaveLength(1);
  });

  it('gives up after repeated lost races with an IngestError', async () => {
    const file = tmp.write('toy-lost.csv', CSV);
    const { objects, manifests } = setup();
    manifests.beforePutIfAbsent = () => {
      throw new ConditionFailedError('always taken');
    };
    await expect(ingestDataset({ objects, manifests }, options(file))).rejects.toThrow(IngestError);
  });

  it('keeps a generic CSV label without a Mini-XDR class as a fine label, listed as unmapped; stops when told to', async () => {
    const file = tmp.write('toy-unmapped.csv', `${HEADER}\n1,tcp,1,1,BENIGN\n2,tcp,1,1,Alien Probe\n`);
    const { objects, manifests } = setup();
    await expect(ingestDataset({ objects, manifests }, options(file, { allowUnmappedLabels: false }))).rejects.toThrow(UnmappedLabelError);
    expect(await manifests.scan()).toEqual([]);
    const { manifest } = await ingestDataset({ objects, manifests }, options(file));
    expect(manifest.rowsPerLabel).toEqual({ BENIGN: 1, 'Alien Probe': 1 });
    expect(manifest.rowsPerClass).toEqual({ Normal: 1 });
    expect(manifest.unmappedLabels).toEqual(['Alien Probe']);
  });

  it('maps labels through a label map, recorded in the manifest as a new reading of the same bytes', async () => {
    const file = tmp.write('toy-mapped.csv', `${HEADER}\n1,tcp,1,1,BENIGN\n2,tcp,1,1,Alien Probe\n`);
    const { objects, manifests } = setup();
    const plain = await ingestDataset({ objects, manifests }, options(file));
    const mapped = await ingestDataset({ objects, manifests }, options(file, { labelMap: { 'Alien Probe': 'Reconnaissance' } }));
    expect(mapped.created).toBe(true);
    expect(mapped.manifest.version).toBe(plain.manifest.version + 1);
    expect(mapped.manifest).toMatchObject({ labelMap: { 'Alien Probe': 'Reconnaissance' }, rowsPerClass: { Normal: 1, Reconnaissance: 1 } });
    expect(mapped.manifest.unmappedLabels).toBeUndefined();
    const { data } = await readDataset(mapped.manifest, objects, { labels: 'mini-xdr' });
    expect(data.classes).toEqual(['Normal', 'Reconnaissance']);
    await expect(ingestDataset({ objects, manifests }, options(file, { labelMap: { 'Alien Probe': 'Recon' } }))).rejects.toThrow(
      /"Alien Probe" maps to "Recon", not a Mini-XDR class/,
    );
  });

  it('keeps the first 100 rejections and counts all of them by kind', async () => {
    const bad = Array.from({ length: 150 }, (_, i) => (i % 2 === 0 ? `${i},tcp,x${i},1,BENIGN` : `${i},tcp,1,1,`));
    const file = tmp.write('toy-bad.csv.gz', [HEADER, ...bad, '999,tcp,1,1,BENIGN'].join('\n'));
    const { objects, manifests } = setup();
    const { manifest } = await ingestDataset({ objects, manifests }, options(file));
    expect(manifest.rowCount).toBe(1);
    expect(manifest.rejectedCount).toBe(150);
    expect(manifest.rejected).toHaveLength(100);
    expect(manifest.rejected[99].line).toBe(101);
    expect(manifest.rejectedReasons).toEqual({
      'non-numeric value in numeric column "rate"': 75,
      'missing label (column "Label" is empty)': 75,
    });
  });

  it('refuses a corrupted chunk when reading back', async () => {
    const file = tmp.write('toy-corrupt.csv', CSV);
    const { objects, manifests } = setup();
    const { manifest } = await ingestDataset({ objects, manifests }, options(file));
    const key = manifest.chunks[1].key;
    const bytes = await objects.get(key);
    bytes[bytes.length - 20] ^= 0xff;
    objects.objects.set(key, bytes);
    await expect(readDataset(manifest, objects)).rejects.toThrow(/corrupt/);
  });

  it('fails cleanly on an unreadable source: no manifest is written', async () => {
    const whole = gzipSync(Buffer.from([HEADER, ...Array.from({ length: 40_000 }, (_, i) => `${i},tcp,${i},1,BENIGN`)].join('\n')));
    const file = tmp.write('toy-truncated.csv', '');
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const { objects, manifests } = setup();
    await expect(ingestDataset({ objects, manifests }, options(file, { chunkRows: 100_000 }))).rejects.toThrow(DatasetError);
    await expect(ingestDataset({ objects, manifests }, options(`${file}.missing`))).rejects.toThrow(DatasetError);
    expect(await manifests.scan()).toEqual([]);
  });

  it('reports progress after every chunk and at the end', async () => {
    const file = tmp.write('toy-progress.csv', CSV);
    const { objects, manifests } = setup();
    const seen: number[] = [];
    await ingestDataset({ objects, manifests }, options(file, { onProgress: (p) => seen.push(p.rows) }));
    expect(seen).toEqual([3, 6, 8]);
  });

  it('validates the dataset name', async () => {
    const file = tmp.write('toy-name.csv', CSV);
    const { objects, manifests } = setup();
    await expect(ingestDataset({ objects, manifests }, options(file, { name: '../etc' }))).rejects.toThrow(IngestError);
  });
});

const REAL_FILES = ['nsl_kdd/KDDTest+.txt', 'cicids2017/cic_ids2017_multiclass.csv.gz', 'kddcup99/kddcup99_10percent.csv.gz'];

describeWithData('ingestDataset on real files', REAL_FILES, () => {
  it('ingests KDDTest+ once: same file twice gives one version, counts match SOURCE.md, data reads back', async () => {
    const { objects, manifests } = setup();
    const opts = { name: 'nsl-kdd-test', sourcePath: datasetPath('nsl_kdd/KDDTest+.txt') };
    // Act
    const first = await ingestDataset({ objects, manifests }, opts);
    const second = await ingestDataset({ objects, manifests }, opts);
    const loaded = await readDataset(first.manifest, objects, { labels: 'kdd-category' });
    // Assess
    expect([first.created, second.created, second.manifest.version]).toEqual([true, false, 1]);
    expect(await manifests.scan()).toHaveLength(1);
    const m = first.manifest;
    expect(m.format).toBe('nsl-kdd');
    expect(m.rowCount).toBe(22544);
    expect(m.rejectedCount).toBe(0);
    expect(m.rowsPerKddCategory).toEqual({ normal: 9711, DoS: 7458, Probe: 2421, R2L: 2754, U2R: 200 });
    expect(m.rowsPerClass.Normal).toBe(9711);
    expect(m.chunks).toHaveLength(1);
    expect(loaded.data.X.rows).toBe(22544);
    expect(loaded.data.classes).toEqual(['normal', 'DoS', 'Probe', 'R2L', 'U2R']);
    const counts = [0, 0, 0, 0, 0];
    for (const c of loaded.data.y) counts[c]++;
    expect(counts).toEqual([9711, 7458, 2421, 2754, 200]);
    const protocol = m.schema.features[1];
    expect(protocol).toEqual({ name: 'protocol_type', kind: 'categorical', vocabulary: ['icmp', 'tcp', 'udp'] });
  });

  it('counts the exact-duplicate flows of the CICIDS2017 sample', async () => {
    const { objects, manifests } = setup();
    const { manifest } = await ingestDataset(
      { objects, manifests },
      { name: 'cicids2017-sample', sourcePath: datasetPath('cicids2017/cic_ids2017_multiclass.csv.gz') },
    );
    expect(manifest.rowCount).toBe(9971);
    expect(manifest.duplicateCount).toBeGreaterThan(0);
    expect(manifest.duplicateCount).toBeLessThan(9971);
    expect(manifest.rowsPerClass).toEqual({
      Normal: 4000,
      'DDoS/DoS': 3300,
      Reconnaissance: 1500,
      'Brute Force': 900,
      'Web Attack': 271,
    });
  });

  it('finds the 145,585 distinct rows of KDD Cup 99 stated in SOURCE.md, in 5 chunks of at most 100k rows', async () => {
    const { objects, manifests } = setup();
    const { manifest } = await ingestDataset({ objects, manifests }, { name: 'kddcup99-10pct', sourcePath: datasetPath('kddcup99/kddcup99_10percent.csv.gz') });
    expect(manifest.rowCount).toBe(494020);
    expect(manifest.rowCount - manifest.duplicateCount).toBe(145585);
    expect(manifest.chunks.map((c) => c.rows)).toEqual([100000, 100000, 100000, 100000, 94020]);
    expect(manifest.rowsPerKddCategory).toEqual({ normal: 97277, DoS: 391458, Probe: 4107, R2L: 1126, U2R: 52 });
  }, 300_000);
});
