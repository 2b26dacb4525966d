import { ChunkFormatError } from './errors';
import { decodeChunk, encodeChunk } from './parquet-chunk';
import type { ColumnSpec } from './source';
import { SeededRandom } from '../util/random';

const columns: ColumnSpec[] = [
  { name: 'Flow Bytes/s', kind: 'numeric' },
  { name: 'protocol_type', kind: 'categorical' },
  { name: 'count', kind: 'numeric' },
];

describe('parquet chunks', () => {
  it('round-trips numbers exactly, including NaN, ±Infinity, -0 and extremes', async () => {
    // Prepare
    const special = [NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, -1.5e-300, 0.1 + 0.2];
    const rng = new SeededRandom(7);
    const n = special.length + 500;
    const a = new Float64Array(n);
    const c = new Float64Array(n);
    const cats: string[] = [];
    const labels: string[] = [];
    for (let i = 0; i < n; i++) {
      a[i] = i < special.length ? special[i] : rng.normal() * 1e6;
      c[i] = rng.int(1000);
      cats.push(['tcp', 'udp', 'icmp', '', 'é—✓'][i % 5]);
      labels.push(i % 3 === 0 ? 'Web Attack - XSS' : 'BENIGN');
    }
    // Act
    const bytes = encodeChunk(columns, { rowCount: n, values: [a, cats, c], labels });
    const decoded = await decodeChunk(bytes);
    // Assess
    expect(decoded.columns).toEqual(columns);
    expect(decoded.rowCount).toBe(n);
    expect(decoded.values[0]).toBeInstanceOf(Float64Array);
    expect(Array.from(decoded.values[0] as Float64Array)).toEqual(Array.from(a));
    expect(Object.is((decoded.values[0] as Float64Array)[3], -0)).toBe(true);
    expect(Array.from(decoded.values[2] as Float64Array)).toEqual(Array.from(c));
    expect(decoded.values[1]).toEqual(cats);
    expect(decoded.labels).toEqual(labels);
  });

  it('writes only the first rowCount rows of larger buffers', async () => {
    const bytes = encodeChunk([{ name: 'x', kind: 'numeric' }], {
      rowCount: 2,
      values: [new Float64Array([1, 2, 3, 4])],
      labels: ['a', 'b', 'c', 'd'],
    });
    const decoded = await decodeChunk(bytes);
    expect(Array.from(decoded.values[0] as Float64Array)).toEqual([1, 2]);
    expect(decoded.labels).toEqual(['a', 'b']);
  });

  it('rejects inconsistent input and bytes that are not a chunk', async () => {
    expect(() => encodeChunk(columns, { rowCount: 1, values: [new Float64Array(1)], labels: ['x'] })).toThrow(ChunkFormatError);
    expect(() => encodeChunk([{ name: 'label', kind: 'numeric' }], { rowCount: 1, values: [new Float64Array(1)], labels: ['x'] })).toThrow(/reserved/);
    expect(() => encodeChunk([{ name: 'p', kind: 'categorical' }], { rowCount: 1, values: [new Float64Array(1)], labels: ['x'] })).toThrow(/must hold strings/);
    await expect(decodeChunk(new TextEncoder().encode('not parquet at all'))).rejects.toThrow(ChunkFormatError);
  });
});

describe('parquet chunk encodings', () => {
  it('round-trips dictionary-encoded columns: long runs, scattered values, NaN, -0 and every index width', async () => {
    // Prepare: columns with 1, 2, 3, 300 and 5,000 distinct values (index widths 0 to 13 bits),
    // runs long enough for RLE runs beside bit-packed groups
    const rng = new SeededRandom(3);
    const n = 20_011;
    const distinct = [1, 2, 3, 300, 5_000];
    const specs: ColumnSpec[] = distinct.map((d) => ({ name: `d${d}`, kind: 'numeric' }));
    const palette = [NaN, -0, 0, Infinity, -Infinity, 0.1 + 0.2];
    const values = distinct.map((d) => {
      const col = new Float64Array(n);
      for (let i = 0; i < n;) {
        const run = rng.next() < 0.5 ? 1 + rng.int(30) : 1;
        const v = rng.int(d);
        const x = v < palette.length ? palette[v] : v * 1.5;
        for (let k = 0; k < run && i < n; k++) col[i++] = x;
      }
      return col;
    });
    const labels = Array.from({ length: n }, (_, i) => ['BENIGN', 'DDoS', 'PortScan'][i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0]);
    // Act
    const bytes = encodeChunk(specs, { rowCount: n, values, labels });
    const decoded = await decodeChunk(bytes);
    // Assess
    for (let j = 0; j < specs.length; j++) {
      const got = decoded.values[j] as Float64Array;
      expect(got.length).toBe(n);
      expect(values[j].every((v, i) => Object.is(v, got[i]))).toBe(true);
    }
    expect(decoded.labels).toEqual(labels);
    // the low-cardinality columns are dictionary-encoded: the file is under half the PLAIN size
    expect(bytes.byteLength).toBeLessThan(n * specs.length * 4);
  });

  it('writes high-cardinality strings plain (more than 65,536 distinct categories)', async () => {
    // Prepare
    const n = 70_000;
    const cats = Array.from({ length: n }, (_, i) => `host-${i}-✓`);
    const xs = Float64Array.from({ length: n }, (_, i) => i / 7);
    // Act
    const decoded = await decodeChunk(
      encodeChunk(
        [
          { name: 'host', kind: 'categorical' },
          { name: 'x', kind: 'numeric' },
        ],
        { rowCount: n, values: [cats, xs], labels: cats },
      ),
    );
    // Assess
    expect(decoded.values[0]).toEqual(cats);
    expect(Array.from(decoded.values[1] as Float64Array)).toEqual(Array.from(xs));
    expect(decoded.labels).toEqual(cats);
  });
});
