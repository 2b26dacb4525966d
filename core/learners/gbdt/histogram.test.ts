import { SeededRandom } from '../../util/random';
import { BinMapper } from './bin-mapper';
import { buildHistogram, histogramLayout, histogramLength, sparseBinIndex, subtractHistogram } from './histogram';

describe('histograms', () => {
  // Prepare: 2000 rows, 6 features with mixed sparsity, random gradients, a random node split
  const rnd = new SeededRandom(5);
  const rows = 2000;
  const cols = 6;
  const data = new Float64Array(rows * cols).map((_, idx) => (idx % cols < 3 && rnd.next() < 0.7 ? 0 : Math.round(rnd.normal() * 20)));
  const mapper = BinMapper.fit({ rows, cols, data });
  const bins = mapper.transform({ rows, cols, data });
  const layout = histogramLayout(mapper.binCounts);
  const index = sparseBinIndex(bins, rows, layout);
  const gh = new Float32Array(2 * rows).map((_, i) => (i % 2 === 0 ? rnd.normal() : rnd.next()));
  const all = Int32Array.from({ length: cols }, (_, j) => j);

  /** Direct dense histogram: the definition. */
  function direct(rowList: ArrayLike<number>): Float64Array {
    const h = new Float64Array(histogramLength(layout));
    for (let k = 0; k < rowList.length; k++) {
      const r = rowList[k];
      for (let j = 0; j < cols; j++) {
        const idx = (layout.binOffset[j] + bins[r * cols + j]) * 2;
        h[idx] += gh[2 * r];
        h[idx + 1] += gh[2 * r + 1];
      }
    }
    return h;
  }

  it('sparse build (default bins from totals) equals the direct dense build', () => {
    const rowList = Int32Array.from({ length: rows }, (_, i) => i).filter(() => rnd.next() < 0.5);
    const hist = new Float64Array(histogramLength(layout));
    const totals = new Float64Array(2);
    buildHistogram(hist, layout, index, gh, rowList, 0, rowList.length, all, totals);
    const expected = direct(rowList);
    for (let i = 0; i < hist.length; i++) expect(hist[i]).toBeCloseTo(expected[i], 9);
    expect(index.entries.length).toBeLessThan(rows * cols * 0.8);
  });

  it('parent minus the built child equals the directly built sibling (subtraction trick)', () => {
    const parentRows = Int32Array.from({ length: rows }, (_, i) => i);
    const left = parentRows.filter((r) => bins[r * cols + 4] <= 3);
    const right = parentRows.filter((r) => bins[r * cols + 4] > 3);
    const node = Int32Array.from([...left, ...right]);
    const totals = new Float64Array(2);
    const parent = new Float64Array(histogramLength(layout));
    buildHistogram(parent, layout, index, gh, node, 0, rows, all, totals);
    const child = new Float64Array(histogramLength(layout));
    buildHistogram(child, layout, index, gh, node, 0, left.length, all, totals);
    subtractHistogram(parent, child, layout, all);
    const expected = direct(right);
    for (let i = 0; i < parent.length; i++) expect(parent[i]).toBeCloseTo(expected[i], 9);
  });
});
