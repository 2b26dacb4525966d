// Gradient/hessian histograms over binned features: one Float64Array per node holding, for every
// (feature, bin), the interleaved sums [g, h]. Built from a node's row list; a sibling's histogram
// is the parent's minus the built child's (the subtraction trick).

/** Layout of histograms: where each feature's bins start (in bins, not doubles). */
export interface HistogramLayout {
  readonly nFeatures: number;
  /** binOffset[j] = first global bin of feature j; binOffset[nFeatures] = total bins. */
  readonly binOffset: Int32Array;
}

/** Builds the layout from per-feature bin counts. */
export function histogramLayout(binCounts: Int32Array): HistogramLayout {
  const binOffset = new Int32Array(binCounts.length + 1);
  for (let j = 0; j < binCounts.length; j++) binOffset[j + 1] = binOffset[j] + binCounts[j];
  return { nFeatures: binCounts.length, binOffset };
}

/** Length in doubles of one histogram with this layout (`stride` sums per bin; [g, h] = 2). */
export function histogramLength(layout: HistogramLayout, stride = 2): number {
  return layout.binOffset[layout.nFeatures] * stride;
}

/**
 * Sparse row-wise bin index (CSR): per row, the global bins (binOffset[j] + bin) of the features
 * whose bin differs from that feature's most frequent ("default") bin. Histograms are built from
 * these entries only and the default bins are filled in from the node totals: on NSL-KDD 74% of
 * cells sit in their feature's default bin, so this skips most of the work.
 */
export interface SparseBinIndex {
  /** Entries of row i are entries[rowStart[i] .. rowStart[i + 1]). */
  readonly rowStart: Int32Array;
  readonly entries: Uint16Array | Uint32Array;
  /** Global index of each feature's default bin. */
  readonly defaultBin: Int32Array;
}

/** Builds the sparse index from a row-major Uint8 bin matrix (rows * nFeatures). */
export function sparseBinIndex(bins: Uint8Array, rows: number, layout: HistogramLayout): SparseBinIndex {
  const nf = layout.nFeatures;
  const off = layout.binOffset;
  const counts = new Int32Array(off[nf]);
  for (let i = 0, base = 0; i < rows; i++, base += nf) for (let j = 0; j < nf; j++) counts[off[j] + bins[base + j]]++;
  const defaultBin = new Int32Array(nf);
  const defaultLocal = new Int32Array(nf);
  let nDefault = 0;
  for (let j = 0; j < nf; j++) {
    let best = off[j];
    for (let b = off[j] + 1; b < off[j + 1]; b++) if (counts[b] > counts[best]) best = b;
    defaultBin[j] = best;
    defaultLocal[j] = best - off[j];
    nDefault += counts[best];
  }
  const total = rows * nf - nDefault;
  const entries = off[nf] <= 0xffff ? new Uint16Array(total) : new Uint32Array(total);
  const rowStart = new Int32Array(rows + 1);
  let p = 0;
  for (let i = 0, base = 0; i < rows; i++, base += nf) {
    rowStart[i] = p;
    for (let j = 0; j < nf; j++) {
      const b = bins[base + j];
      if (b !== defaultLocal[j]) entries[p++] = off[j] + b;
    }
  }
  rowStart[rows] = p;
  return { rowStart, entries, defaultBin };
}

/**
 * Adds rows[start..end) into `hist` (which must be zeroed): all non-default entries, then each
 * listed feature's default bin as node total minus the feature's other bins. gh: interleaved
 * float32 [g0, h0, g1, h1, ...] per row. Returns nothing; `totals` receives [sum g, sum h].
 */
export function buildHistogram(
  hist: Float64Array,
  layout: HistogramLayout,
  index: SparseBinIndex,
  gh: Float32Array,
  rows: Int32Array,
  start: number,
  end: number,
  features: Int32Array,
  totals: Float64Array,
): void {
  const { rowStart, entries, defaultBin } = index;
  let sg = 0;
  let sh = 0;
  for (let k = start; k < end; k++) {
    const r = rows[k];
    const g = gh[2 * r];
    const h = gh[2 * r + 1];
    sg += g;
    sh += h;
    for (let q = rowStart[r], e = rowStart[r + 1]; q < e; q++) {
      const idx = entries[q] << 1;
      hist[idx] += g;
      hist[idx + 1] += h;
    }
  }
  totals[0] = sg;
  totals[1] = sh;
  const off = layout.binOffset;
  for (let u = 0; u < features.length; u++) {
    const j = features[u];
    let fg = 0;
    let fh = 0;
    for (let i = off[j] << 1, e = off[j + 1] << 1; i < e; i += 2) {
      fg += hist[i];
      fh += hist[i + 1];
    }
    const d = defaultBin[j] << 1;
    hist[d] = sg - fg;
    hist[d + 1] = sh - fh;
  }
}

/** In place: parent[i] -= child[i] for the listed features' bins (parent becomes the sibling); `stride` sums per bin. */
export function subtractHistogram(parent: Float64Array, child: Float64Array, layout: HistogramLayout, features: Int32Array, stride = 2): void {
  const off = layout.binOffset;
  for (let u = 0; u < features.length; u++) {
    const j = features[u];
    for (let i = off[j] * stride, e = off[j + 1] * stride; i < e; i++) parent[i] -= child[i];
  }
}

/**
 * buildHistogram for rows carrying `stride` values each (stride - 1 gradient dimensions, then one
 * shared hessian), as the sketched multi-output trees use, in two steps. This one adds
 * rows[start..end)'s non-default entries into `hist` (zeroed; `stride` sums per bin) and sets
 * `totals` to their sums; fillDefaultBins then completes the node. Row ranges accumulated apart
 * and added up before fillDefaultBins give a node's histogram from several threads.
 */
export function accumulateHistogramStrided(
  hist: Float64Array,
  index: SparseBinIndex,
  vals: Float32Array,
  stride: number,
  rows: Int32Array,
  start: number,
  end: number,
  totals: Float64Array,
): void {
  const { rowStart, entries } = index;
  totals.fill(0);
  if (stride === 4) {
    // unrolled for the pipeline's sketch (3 dimensions + hessian)
    let t0 = 0;
    let t1 = 0;
    let t2 = 0;
    let t3 = 0;
    for (let k = start; k < end; k++) {
      const r = rows[k];
      const base = r * 4;
      const v0 = vals[base];
      const v1 = vals[base + 1];
      const v2 = vals[base + 2];
      const v3 = vals[base + 3];
      t0 += v0;
      t1 += v1;
      t2 += v2;
      t3 += v3;
      for (let q = rowStart[r], e = rowStart[r + 1]; q < e; q++) {
        const idx = entries[q] << 2;
        hist[idx] += v0;
        hist[idx + 1] += v1;
        hist[idx + 2] += v2;
        hist[idx + 3] += v3;
      }
    }
    totals[0] = t0;
    totals[1] = t1;
    totals[2] = t2;
    totals[3] = t3;
  } else {
    for (let k = start; k < end; k++) {
      const r = rows[k];
      const base = r * stride;
      for (let d = 0; d < stride; d++) totals[d] += vals[base + d];
      for (let q = rowStart[r], e = rowStart[r + 1]; q < e; q++) {
        const idx = entries[q] * stride;
        for (let d = 0; d < stride; d++) hist[idx + d] += vals[base + d];
      }
    }
  }
}

/** The second step of a strided histogram: each listed feature's default bin = node totals minus its other bins. */
export function fillDefaultBins(
  hist: Float64Array,
  layout: HistogramLayout,
  index: SparseBinIndex,
  stride: number,
  features: Int32Array,
  totals: Float64Array,
): void {
  const off = layout.binOffset;
  const { defaultBin } = index;
  for (let u = 0; u < features.length; u++) {
    const j = features[u];
    const d0 = defaultBin[j] * stride;
    for (let d = 0; d < stride; d++) {
      let f = 0;
      for (let i = off[j] * stride + d, e = off[j + 1] * stride; i < e; i += stride) if (i !== d0 + d) f += hist[i];
      hist[d0 + d] = totals[d] - f;
    }
  }
}
