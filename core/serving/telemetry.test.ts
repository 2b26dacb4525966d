// Telemetry objects: what serving writes is what the drift check and the feedback join read back.
import { parquetMetadata } from 'hyparquet';
import { MemoryObjectStore } from '../datasets/testing/memory-stores';
import {
  decodeTelemetry,
  encodeTelemetry,
  readTelemetry,
  TelemetryBuffer,
  telemetryFeatureColumns,
  telemetryFlows,
  TelemetryFormatError,
  telemetryKeyTimes,
  telemetryRowsOf,
  writeTelemetry,
  type TelemetryRow,
} from './telemetry';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 23, 58) + minute * 60_000).toISOString();

function rows(requestId: string, minute: number, flows: Record<string, number | string | null>[], version = 1): TelemetryRow[] {
  return telemetryRowsOf({ model: 'm', version, at: at(minute), requestId, flows, labels: flows.map((_, i) => (i % 2 ? 'attack' : 'benign')) });
}

describe('telemetry objects', () => {
  it('round-trips every column: numbers (NaN, ±Infinity, missing), text, and the prediction id parts', async () => {
    const written = rows('r1', 0, [
      { x: 1.5, proto: 'tcp', y: null },
      { x: Infinity, proto: null, y: -2 },
      { x: NaN, proto: 6, y: 3 },
    ]);

    const t = await decodeTelemetry(encodeTelemetry(written));

    expect(t.rows).toBe(3);
    expect(t.requestId).toEqual(['r1', 'r1', 'r1']);
    expect([...t.flowIndex]).toEqual([0, 1, 2]);
    expect([...t.version]).toEqual([1, 1, 1]);
    expect(t.label).toEqual(['benign', 'attack', 'benign']);
    expect(t.at).toEqual([at(0), at(0), at(0)]);
    expect([...(t.features.get('x') as Float64Array)]).toEqual([1.5, Infinity, NaN]);
    expect([...(t.features.get('y') as Float64Array)]).toEqual([NaN, -2, 3]);
    expect(t.features.get('proto')).toEqual(['tcp', null, '6']);
  });

  it('is Hive-partitioned by model and date, one object per day, and a window reads only its rows', async () => {
    const store = new MemoryObjectStore('telemetry');
    // minutes 0..3 straddle midnight: two partitions
    await writeTelemetry(store, [...rows('a', 0, [{ x: 1 }]), ...rows('b', 1, [{ x: 2 }]), ...rows('c', 2, [{ x: 3 }]), ...rows('d', 3, [{ x: 4 }])]);
    const keys = [...store.objects.keys()].sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^samples\/model=m\/date=2026-03-01\/2026-03-01T23:58:00\.000Z_2026-03-01T23:59:00\.000Z_[\w-]+\.parquet$/);
    expect(keys[1]).toMatch(/^samples\/model=m\/date=2026-03-02\//);
    expect(telemetryKeyTimes(keys[1])).toEqual([at(2), at(3)]);

    const window = await readTelemetry(store, { model: 'm', from: at(0), to: at(2) });

    expect(window.requestId).toEqual(['b', 'c']);
    expect([...(window.features.get('x') as Float64Array)]).toEqual([2, 3]);
    expect((await readTelemetry(store, { model: 'other', from: at(-60), to: at(60) })).rows).toBe(0);
  });

  it('reads only the feature columns asked for, and a feature an older object lacks is missing there', async () => {
    const store = new MemoryObjectStore('telemetry');
    await writeTelemetry(store, rows('old', 0, [{ x: 1 }]));
    await writeTelemetry(store, rows('new', 1, [{ x: 2, z: 'q', w: 5 }], 2));

    const t = await readTelemetry(store, { model: 'm', from: at(-1), to: at(1), features: ['x', 'z'] });

    expect([...t.features.keys()].sort()).toEqual(['x', 'z']);
    expect([...(t.features.get('x') as Float64Array)]).toEqual([1, 2]);
    expect(t.features.get('z')).toEqual([null, 'q']);
    expect([...t.version]).toEqual([1, 2]);
    const m = telemetryFeatureColumns(
      {
        features: [
          { name: 'x', kind: 'numeric' },
          { name: 'z', kind: 'categorical', vocabulary: ['q', 'r'] },
          { name: 'gone', kind: 'numeric' },
        ],
      },
      t,
    );
    expect(m.rows).toBe(2);
    expect(m.columns.map((c) => [...c])).toEqual([
      [1, 2],
      [NaN, 0],
      [NaN, NaN],
    ]);
    expect(m.columns[0]).toBe(t.features.get('x')); // numbers pass through, not copied
  });

  it('joins prediction ids to their input flows', async () => {
    const store = new MemoryObjectStore('telemetry');
    await writeTelemetry(store, rows('r1', 0, [{ x: 1 }, { x: 2 }]));

    const flows = await telemetryFlows(store, { model: 'm', from: at(-1), to: at(1), predictionIds: ['r1:1', 'r1:7', 'r9:0'] });

    expect([...flows.keys()]).toEqual(['r1:1']);
    expect(flows.get('r1:1')).toEqual({ predictionId: 'r1:1', version: 1, at: at(0), label: 'attack', flow: { x: 2 } });
  });

  it('buffers rows until its size bound, or until flush()', async () => {
    const store = new MemoryObjectStore('telemetry');
    const sizes: number[] = [];
    const buffer = new TelemetryBuffer({ store, maxRows: 4, maxDelayMs: 60_000, onWritten: (b) => sizes.push(b) });
    buffer.add(rows('a', 0, [{ x: 1 }, { x: 2 }]));
    expect(store.objects.size).toBe(0);
    expect(buffer.pendingRows).toBe(2);
    buffer.add(rows('b', 0, [{ x: 3 }, { x: 4 }])); // the bound: a flush starts
    buffer.add(rows('c', 0, [{ x: 5 }]));
    await buffer.flush();
    expect(store.objects.size).toBe(2);
    expect(sizes).toHaveLength(2);
    expect(buffer.pendingRows).toBe(0);
    expect([...(await readTelemetry(store, { model: 'm', from: at(-1), to: at(1) })).requestId].sort()).toEqual(['a', 'a', 'b', 'b', 'c']);
  });

  it('names the object that is not telemetry', async () => {
    const store = new MemoryObjectStore('telemetry');
    await store.put(`samples/model=m/date=2026-03-01/${at(0)}_${at(0)}_x.parquet`, 'not parquet');
    await expect(readTelemetry(store, { model: 'm', from: at(-1), to: at(1) })).rejects.toThrow(TelemetryFormatError);
    await expect(readTelemetry(store, { model: 'm', from: at(-1), to: at(1) })).rejects.toThrow(/_x\.parquet: not a telemetry object/);
  });

  it('writes standard Parquet: PLAIN doubles, the fixed columns, then feature:<name> columns', () => {
    const bytes = encodeTelemetry(rows('r1', 0, [{ 'Flow Duration': 3 }]));
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(meta.schema.slice(1).map((s) => s.name)).toEqual([
      'request_id',
      'flow_index',
      'model',
      'version',
      'at',
      'label',
      'confidence',
      'feature:Flow Duration',
    ]);
    expect(meta.row_groups[0].columns.every((c) => c.meta_data?.codec === 'UNCOMPRESSED')).toBe(true);
    expect(meta.row_groups[0].columns[7].meta_data?.encodings).toEqual(['PLAIN']);
  });
});
