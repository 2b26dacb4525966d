// Turns columnar row blocks into finished dataset chunks: copies rows into the filling chunk,
// counts exact-duplicate rows, and encodes a chunk (Parquet + sha256) each time one fills. Pure
// CPU work with no I/O, so it runs the same on the ingesting thread or on a worker thread
// (chunk-encoder.ts): both give the same chunks and counts.
import { createHash } from 'node:crypto';
import { encodeChunk, type ColumnValues } from './parquet-chunk';
import { HashSet64 } from './row-hash-set';
import type { ColumnSpec } from './source';

/** Rows of a block the builder takes (a RowBlock without its lines and rejections). */
export interface BlockRows {
  readonly rowCount: number;
  readonly values: readonly (Float64Array | readonly string[])[];
  readonly labels: readonly string[];
}

/** One encoded chunk: Parquet bytes, their sha256 (hex) and row count. */
export interface EncodedChunk {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly rows: number;
}

/** What the builder counted over all rows. */
export interface BuilderTotals {
  readonly duplicateCount: number;
  /** Per column: the distinct non-empty strings of a categorical column (unsorted), [] for numeric ones. */
  readonly vocabularies: string[][];
}

// Module-scope aliases (global lookups are slow inside jest's vm context).
const imul = Math.imul;

/**
 * Builds chunks of `chunkRows` rows.
 * @example
 * const builder = new ChunkBuilder(columns, 100_000);
 * for (const block of blocks) for (const chunk of builder.add(block)) await put(chunk);
 * const last = builder.flush(); const { duplicateCount } = builder.totals();
 */
export class ChunkBuilder {
  private readonly buffers: (Float64Array | string[])[];
  private readonly labels: string[];
  /** Per string column (categorical ones, then the label): string → small id, hashed instead of its characters. */
  private readonly ids: Map<string, number>[];
  private readonly numericColumns: number[];
  private readonly stringColumns: number[];
  /** The two 32-bit hash lanes of each row of the filling chunk. */
  private readonly laneA: Int32Array;
  private readonly laneB: Int32Array;
  private readonly seen = new HashSet64();
  private duplicateCount = 0;
  private fill = 0;

  constructor(
    private readonly columns: readonly ColumnSpec[],
    private readonly chunkRows: number,
  ) {
    this.buffers = columns.map((c) => (c.kind === 'numeric' ? new Float64Array(chunkRows) : new Array<string>(chunkRows)));
    this.labels = new Array<string>(chunkRows);
    this.numericColumns = columns.flatMap((c, j) => (c.kind === 'numeric' ? [j] : []));
    this.stringColumns = columns.flatMap((c, j) => (c.kind === 'numeric' ? [] : [j]));
    this.ids = [...this.stringColumns, -1].map(() => new Map<string, number>());
    this.laneA = new Int32Array(chunkRows);
    this.laneB = new Int32Array(chunkRows);
  }

  /** Takes a block's rows; returns the chunks that filled (usually none or one). */
  add(block: BlockRows): EncodedChunk[] {
    const out: EncodedChunk[] = [];
    let at = 0;
    while (at < block.rowCount) {
      const take = Math.min(this.chunkRows - this.fill, block.rowCount - at);
      this.copy(block, at, take);
      this.countDuplicates(this.fill, take);
      this.fill += take;
      at += take;
      if (this.fill === this.chunkRows) out.push(this.encode());
    }
    return out;
  }

  /** Encodes the rows still in the filling chunk, if any. */
  flush(): EncodedChunk | undefined {
    return this.fill === 0 ? undefined : this.encode();
  }

  totals(): BuilderTotals {
    const vocabularies = this.columns.map(() => [] as string[]);
    this.stringColumns.forEach((j, s) => {
      vocabularies[j] = [...this.ids[s].keys()].filter((v) => v.length > 0);
    });
    return { duplicateCount: this.duplicateCount, vocabularies };
  }

  private copy(block: BlockRows, at: number, take: number): void {
    const { fill } = this;
    for (let j = 0; j < this.buffers.length; j++) {
      const to = this.buffers[j];
      const from = block.values[j];
      if (to instanceof Float64Array) to.set((from as Float64Array).subarray(at, at + take), fill);
      else for (let k = 0; k < take; k++) to[fill + k] = (from as readonly string[])[at + k];
    }
    const labels = this.labels;
    for (let k = 0; k < take; k++) labels[fill + k] = block.labels[at + k];
  }

  /**
   * Hashes rows [from, from + n) column by column (tight loops over typed arrays; strings by their
   * id within this ingest) and counts the ones already seen. NaN values are all equal, -0 equals 0.
   */
  private countDuplicates(from: number, n: number): void {
    const a = this.laneA;
    const b = this.laneB;
    const end = from + n;
    a.fill(0x9747b28c | 0, from, end);
    b.fill(0x5bd1e995, from, end);
    for (const j of this.numericColumns) {
      const col = this.buffers[j] as Float64Array;
      const words = new Uint32Array(col.buffer, col.byteOffset, col.length * 2);
      for (let i = from; i < end; i++) {
        const v = col[i];
        let lo = 0;
        let hi = 0;
        if (v !== v) hi = 0x7ff80000;
        else if (v !== 0) {
          lo = words[2 * i];
          hi = words[2 * i + 1];
        }
        a[i] = mixA(mixA(a[i], lo), hi);
        b[i] = mixB(mixB(b[i], lo), hi);
      }
    }
    this.stringColumns.forEach((j, s) => this.hashStrings(this.buffers[j] as string[], this.ids[s], from, end));
    this.hashStrings(this.labels, this.ids[this.ids.length - 1], from, end);
    const seen = this.seen;
    for (let i = from; i < end; i++) {
      const x = a[i];
      const y = b[i];
      if (!seen.add(fmix(x ^ imul(y, 0x85ebca6b)) >>> 0, fmix(y ^ imul(x, 0xc2b2ae35)) >>> 0)) this.duplicateCount++;
    }
  }

  private hashStrings(values: readonly string[], ids: Map<string, number>, from: number, end: number): void {
    const a = this.laneA;
    const b = this.laneB;
    let last: string | undefined;
    let lastId = 0;
    for (let i = from; i < end; i++) {
      const v = values[i];
      if (v !== last) {
        let id = ids.get(v);
        if (id === undefined) {
          id = ids.size;
          ids.set(v, id);
        }
        last = v;
        lastId = id;
      }
      a[i] = mixA(a[i], lastId ^ 0x5f3759df);
      b[i] = mixB(b[i], lastId ^ 0x5f3759df);
    }
  }

  private encode(): EncodedChunk {
    const rows = this.fill;
    const bytes = encodeChunk(this.columns, { rowCount: rows, values: this.buffers as ColumnValues[], labels: this.labels });
    this.fill = 0;
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), rows };
  }
}

/** One murmur3-style round of lane A. */
function mixA(h: number, word: number): number {
  let k = imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (imul(h, 5) + 0xe6546b64) | 0;
}

/** Lane B: the same round on a pre-mixed word, so the lanes are independent. */
function mixB(h: number, word: number): number {
  let m = imul(word ^ 0x2545f491, 0x1b873593);
  m = (m << 17) | (m >>> 15);
  h ^= imul(m, 0xcc9e2d51);
  h = (h << 19) | (h >>> 13);
  return (imul(h, 5) + 0x561ccd1b) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
