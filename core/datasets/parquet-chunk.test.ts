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
