import { createHash } from 'node:crypto';
import { datasetPath, describeWithData } from '../../test/support/datasets';
import { ChunkBuilder } from './chunk-builder';
import { openChunkEncoder, WORKER_MIN_SOURCE_BYTES } from './chunk-encoder';
import { IngestError } from './errors';
import { ingestDataset, type IngestOptions } from './ingest';
import { decodeChunk } from './parquet-chunk';
import { MemoryItemTable, MemoryObjectStore } from './testing/memory-stores';

const stores = () => ({ objects: new MemoryObjectStore(), manifests: new MemoryItemTable() });

describe('ChunkBuilder', () => {
  it('counts rows equal in every value and label as duplicates (NaN equals NaN, -0 equals 0), and nothing else', () => {
    const builder = new ChunkBuilder(
      [
        { name: 'x', kind: 'numeric' },
        { name: 'proto', kind: 'categorical' },
      ],
      4,
    );
    const chunks = builder.add({
      rowCount: 7,
      values: [Float64Array.from([1, NaN, 1, 0, -0, NaN, 1]), ['tcp', 'udp', 'tcp', 'tcp', 'tcp', 'udp', 'udp']],
      labels: ['a', 'a', 'a', 'a', 'a', 'a', 'b'],
    });
    // row 3 repeats row 1, row 5 row 4 (-0), row 6 row 2 (NaN); row 7 differs from row 1 by proto and label
    expect(chunks.map((c) => c.rows)).toEqual([4]);
    const last = builder.flush();
    expect(last?.rows).toBe(3);
    expect(builder.totals()).toEqual({ duplicateCount: 3, vocabularies: [[], ['tcp', 'udp']] });
  });

  it('writes chunks that decode to the rows it was given, with the sha256 of their bytes', async () => {
    const builder = new ChunkBuilder([{ name: 'x', kind: 'numeric' }], 2);
    const [chunk] = builder.add({ rowCount: 2, values: [Float64Array.from([1.5, -Infinity])], labels: ['a', 'b'] });
    expect(chunk.sha256).toBe(createHash('sha256').update(chunk.bytes).digest('hex'));
    const decoded = await decodeChunk(chunk.bytes);
    expect([...(decoded.values[0] as Float64Array)]).toEqual([1.5, -Infinity]);
    expect(decoded.labels).toEqual(['a', 'b']);
  });
});

describe('openChunkEncoder', () => {
  const columns = [{ name: 'x', kind: 'numeric' as const }];

  it("'auto' starts a worker for a source of 8 MiB and more, not for a smaller one", async () => {
    const small = openChunkEncoder(columns, 10, { sourceBytes: WORKER_MIN_SOURCE_BYTES - 1 });
    const large = openChunkEncoder(columns, 10, { sourceBytes: WORKER_MIN_SOURCE_BYTES });
    try {
      expect(small.offThread).toBe(false);
      expect(large.offThread).toBe(true);
    } finally {
      await Promise.all([small.close(), large.close()]);
    }
  });

  it('reports a chunk the worker cannot encode as an IngestError naming the cause', async () => {
    // "label" is reserved for the label column: encodeChunk refuses it on the worker
    const encoder = openChunkEncoder([{ name: 'label', kind: 'numeric' }], 2, { thread: 'worker' });
    try {
      await expect(
        (async () => {
          await encoder.add({ rowCount: 2, values: [Float64Array.from([1, 2])], labels: ['a', 'b'] });
          await encoder.finish();
        })(),
      ).rejects.toThrow(/the ingest worker could not encode a chunk: .*"label"/);
    } finally {
      await encoder.close();
    }
  });
});

const CICIDS = 'cicids2017/cic_ids2017_multiclass.csv.gz';
const COWRIE = 'honeypot_cowrie/cowrie_2018-05-06_to_2018-05-19.jsonl.gz';

describeWithData('ingest with the chunk encoder on a worker thread', [CICIDS, COWRIE], () => {
  const cicids = (extra: Partial<IngestOptions>): IngestOptions => ({
    name: 'cicids2017-sample',
    sourcePath: datasetPath(CICIDS),
    chunkRows: 2_500,
    now: () => new Date('2026-01-02T03:04:05Z'),
    ...extra,
  });

  it('stores the same chunks and counts as an ingest on this thread (block path and row path)', async () => {
    const cowrie = (extra: Partial<IngestOptions>): IngestOptions => ({
      name: 'cowrie',
      sourcePath: datasetPath(COWRIE),
      chunkRows: 100,
      now: () => new Date('2026-01-02T03:04:05Z'),
      ...extra,
    });
    for (const options of [cicids, cowrie]) {
      const here = await ingestDataset(stores(), options({ encoderThread: 'inline' }));
      const there = await ingestDataset(stores(), options({ encoderThread: 'worker' }));
      expect(there.manifest.chunks.length).toBeGreaterThan(1);
      expect(there.manifest).toEqual(here.manifest);
    }
  });

  it('stops with an IngestError when the worker crashes, and writes no version', async () => {
    const { objects, manifests } = stores();
    await expect(ingestDataset({ objects, manifests }, cicids({ encoderThread: 'worker', encoderExitOnBlock: 2 }))).rejects.toThrow(IngestError);
    await expect(ingestDataset({ objects, manifests }, cicids({ encoderThread: 'worker', encoderExitOnBlock: 0 }))).rejects.toThrow(
      /^the ingest worker stopped \(exit code 1\) after \d+ blocks; no version was written$/,
    );
    expect(await manifests.scan()).toEqual([]);
    // whatever chunk was stored before the crash is whole: its bytes hash to its key and decode
    for (const [key, bytes] of objects.objects) {
      expect(key).toContain(createHash('sha256').update(bytes).digest('hex'));
      await expect(decodeChunk(bytes)).resolves.toBeDefined();
    }
  });
});
