// A minimal Parquet writer for dataset chunks: one row group, one v1 data page per column,
// required (non-null) DOUBLE and UTF-8 BYTE_ARRAY columns only. Low-cardinality columns are
// dictionary-encoded (RLE_DICTIONARY), the rest written PLAIN; every page is UNCOMPRESSED.
// It exists because hyparquet-writer spent ~1 s of CPU per 100,000 × 80 chunk (its dictionary
// search over every value, page splitting and JS snappy) — several times the time to parse the
// rows; this writer does the same file in a few tens of ms. Any Parquet reader reads the output.

/** One column to write: doubles, or strings (UTF-8). */
export type WriterColumn =
  | { readonly name: string; readonly kind: 'double'; readonly values: Float64Array }
  | { readonly name: string; readonly kind: 'string'; readonly values: readonly string[] };

/** Options of writeParquet. */
export interface ParquetWriteOptions {
  readonly rowCount: number;
  readonly columns: readonly WriterColumn[];
  readonly keyValueMetadata?: readonly { readonly key: string; readonly value: string }[];
  readonly createdBy?: string;
}

// Parquet enums (parquet.thrift).
const TYPE_DOUBLE = 5;
const TYPE_BYTE_ARRAY = 6;
const REQUIRED = 0;
const CONVERTED_UTF8 = 0;
const ENCODING_PLAIN = 0;
const ENCODING_RLE = 3;
const ENCODING_RLE_DICTIONARY = 8;
const CODEC_UNCOMPRESSED = 0;
const PAGE_DATA = 0;
const PAGE_DICTIONARY = 2;
// Thrift compact protocol type ids.
const CT_I32 = 5;
const CT_I64 = 6;
const CT_BINARY = 8;
const CT_LIST = 9;
const CT_STRUCT = 12;

/**
 * A column is dictionary-encoded while its distinct values stay under this count: index widths stay
 * ≤ 16 bits, and the dictionary probe stops early on high-cardinality columns.
 */
const MAX_DICTIONARY = 1 << 16;
/** Values sampled (spread over the column) before building a numeric dictionary. */
const SAMPLE = 1024;

const textEncoder = new TextEncoder();
const MAGIC = textEncoder.encode('PAR1');
/** Module-scope aliases (global lookups are slow inside jest's vm context). */
const { imul, ceil, floor, max } = Math;

/** A growable byte buffer. */
class Bytes {
  buf: Uint8Array;
  view: DataView;
  at = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.at + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.at++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  varint(v: number): void {
    this.ensure(10);
    // v is a non-negative safe integer; > 2^31 values need division, not shifts
    while (v >= 0x80) {
      this.buf[this.at++] = (v % 0x80) | 0x80;
      v = floor(v / 0x80);
    }
    this.buf[this.at++] = v;
  }

  u32le(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.at, v, true);
    this.at += 4;
  }
}

/** Thrift compact-protocol struct writer (only what the Parquet footer and page headers use). */
class Thrift {
  private last: number[] = [0];

  constructor(readonly out: Bytes) {}

  private header(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1];
    if (delta > 0 && delta <= 15) this.out.byte((delta << 4) | type);
    else {
      this.out.byte(type);
      this.out.varint(zigzag(id));
    }
    this.last[this.last.length - 1] = id;
  }

  i32(id: number, v: number): this {
    this.header(id, CT_I32);
    this.out.varint(zigzag(v));
    return this;
  }

  i64(id: number, v: number): this {
    this.header(id, CT_I64);
    this.out.varint(zigzag(v));
    return this;
  }

  string(id: number, s: string): this {
    this.header(id, CT_BINARY);
    this.binary(s);
    return this;
  }

  binary(s: string): void {
    const b = textEncoder.encode(s);
    this.out.varint(b.length);
    this.out.bytes(b);
  }

  /** A struct field: `body` writes its fields. */
  struct(id: number, body: (t: Thrift) => void): this {
    this.header(id, CT_STRUCT);
    this.structBody(body);
    return this;
  }

  structBody(body: (t: Thrift) => void): void {
    this.last.push(0);
    body(this);
    this.out.byte(0); // stop
    this.last.pop();
  }

  list(id: number, elementType: number, size: number): this {
    this.header(id, CT_LIST);
    if (size < 15) this.out.byte((size << 4) | elementType);
    else {
      this.out.byte(0xf0 | elementType);
      this.out.varint(size);
    }
    return this;
  }

  listOfStructs<T>(id: number, items: readonly T[], body: (t: Thrift, item: T) => void): this {
    this.list(id, CT_STRUCT, items.length);
    for (const item of items) this.structBody((t) => body(t, item));
    return this;
  }

  listOfI32(id: number, items: readonly number[]): this {
    this.list(id, CT_I32, items.length);
    for (const v of items) this.out.varint(zigzag(v));
    return this;
  }

  listOfStrings(id: number, items: readonly string[]): this {
    this.list(id, CT_BINARY, items.length);
    for (const s of items) this.binary(s);
    return this;
  }
}

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

/** Bit width of dictionary indexes below `count`. */
function bitWidth(count: number): number {
  let w = 0;
  while (1 << w < count) w++;
  return w;
}

/**
 * Writes `n` indexes (each < 2^width) with the RLE / bit-packed hybrid encoding: runs of 8 or more
 * equal values as RLE runs, the rest bit-packed in groups of 8 (the last group zero-padded).
 */
function writeHybrid(out: Bytes, indexes: Uint32Array, n: number, width: number): void {
  const valueBytes = (width + 7) >> 3;
  let pendingStart = 0; // start of values not yet written (bit-packed candidates)
  let i = 0;
  const flushPacked = (end: number): void => {
    // writes [pendingStart, end) bit-packed; end - pendingStart is a multiple of 8 or reaches n
    const count = end - pendingStart;
    if (count === 0) return;
    const groups = ceil(count / 8);
    out.varint((groups << 1) | 1);
    out.ensure(groups * width + 8);
    const buf = out.buf;
    let at = out.at;
    let acc = 0;
    let bits = 0;
    for (let k = 0; k < groups * 8; k++) {
      const v = pendingStart + k < end ? indexes[pendingStart + k] : 0;
      acc |= v << bits;
      bits += width;
      while (bits >= 8) {
        buf[at++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    out.at = at;
    pendingStart = end;
  };
  while (i < n) {
    const v = indexes[i];
    let r = 1;
    while (i + r < n && indexes[i + r] === v) r++;
    const align = (8 - ((i - pendingStart) % 8)) % 8;
    if (r >= 8 + align) {
      flushPacked(i + align);
      const runLength = r - align;
      out.varint(runLength * 2);
      out.ensure(valueBytes);
      for (let b = 0; b < valueBytes; b++) out.buf[out.at++] = (v >>> (8 * b)) & 0xff;
      pendingStart = i + r;
    }
    i += r;
  }
  flushPacked(n);
}

// The numeric dictionary's hash table, reused across columns and chunks: a slot is live when its
// stamp equals the current column's, so no table is allocated or cleared per column.
const TABLE_SIZE = MAX_DICTIONARY * 2;
const slotHi = new Uint32Array(TABLE_SIZE);
const slotLo = new Uint32Array(TABLE_SIZE);
const slotIndex = new Uint32Array(TABLE_SIZE);
const slotStamp = new Uint32Array(TABLE_SIZE);
const dictWords = new Uint32Array(MAX_DICTIONARY * 2);
let stamp = 0;

/**
 * Dictionary of a double column keyed by its 64-bit patterns (so -0, NaN payloads and every bit
 * survive), or undefined when PLAIN is smaller: a sample spread over the column estimates the
 * distinct fraction first, so high-cardinality columns cost 1,024 probes, not n.
 */
function doubleDictionary(values: Float64Array, n: number): { dictionary: Float64Array; indexes: Uint32Array } | undefined {
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const seen = new Set<number>();
  const step = max(1, floor(n / SAMPLE));
  let sampled = 0;
  for (let i = 0; i < n; i += step) {
    seen.add(values[i]);
    sampled++;
  }
  // dictionary bytes ≈ distinct × 8 + n × width / 8; with a distinct fraction above 1/4 it cannot
  // reach half the PLAIN size (n × 8)
  if (seen.size * 4 > sampled) return undefined;
  stamp = (stamp + 1) >>> 0;
  if (stamp === 0) {
    slotStamp.fill(0);
    stamp = 1;
  }
  const mask = TABLE_SIZE - 1;
  const indexes = new Uint32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i];
    const hi = words[2 * i + 1];
    let s = (imul(lo ^ imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 15) & mask;
    while (true) {
      if (slotStamp[s] !== stamp) {
        if (size === MAX_DICTIONARY) return undefined;
        slotStamp[s] = stamp;
        slotIndex[s] = size;
        slotHi[s] = hi;
        slotLo[s] = lo;
        dictWords[2 * size] = lo;
        dictWords[2 * size + 1] = hi;
        indexes[i] = size++;
        break;
      }
      if (slotHi[s] === hi && slotLo[s] === lo) {
        indexes[i] = slotIndex[s];
        break;
      }
      s = (s + 1) & mask;
    }
  }
  if (size * 8 + (n * bitWidth(size)) / 8 > n * 4) return undefined;
  return { dictionary: new Float64Array(dictWords.slice(0, size * 2).buffer), indexes };
}

function stringDictionary(values: readonly string[], n: number): { dictionary: string[]; indexes: Uint32Array } | undefined {
  const map = new Map<string, number>();
  const dictionary: string[] = [];
  const indexes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const s = values[i];
    let idx = map.get(s);
    if (idx === undefined) {
      if (dictionary.length === MAX_DICTIONARY) return undefined;
      idx = dictionary.length;
      map.set(s, idx);
      dictionary.push(s);
    }
    indexes[i] = idx;
  }
  return { dictionary, indexes };
}

function writePlainStrings(out: Bytes, values: readonly string[], n: number): void {
  for (let i = 0; i < n; i++) {
    const s = values[i];
    out.ensure(4 + s.length * 3);
    const { written } = textEncoder.encodeInto(s, out.buf.subarray(out.at + 4));
    out.view.setUint32(out.at, written, true);
    out.at += 4 + written;
  }
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a page header (UNCOMPRESSED: both sizes are the body's). */
function pageHeader(type: number, bodyBytes: number, header: (t: Thrift) => void): Uint8Array {
  const out = new Bytes(64);
  new Thrift(out).structBody((t) => {
    t.i32(1, type).i32(2, bodyBytes).i32(3, bodyBytes);
    header(t);
  });
  return out.buf.subarray(0, out.at);
}

/** A view of a double column's first n values as bytes (Parquet is little-endian, as is the platform: checked). */
function doubleBytes(values: Float64Array, n: number): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, n * 8);
}

interface ChunkMeta {
  readonly name: string;
  readonly type: number;
  readonly encodings: number[];
  readonly offset: number;
  readonly dataOffset: number;
  readonly dictionaryOffset?: number;
  readonly size: number;
}

/**
 * Writes one Parquet file of one row group.
 *
 * @example
 * const bytes = writeParquet({ rowCount: 2, columns: [{ name: 'x', kind: 'double', values: new Float64Array([1, NaN]) }] });
 */
export function writeParquet(options: ParquetWriteOptions): Uint8Array {
  if (!littleEndian) throw new Error('the Parquet chunk writer needs a little-endian platform');
  const n = options.rowCount;
  // Pages are gathered as pieces (PLAIN doubles as views of the caller's arrays, no copy) and
  // copied once into a buffer of the exact size.
  const pieces: Uint8Array[] = [MAGIC];
  let at = MAGIC.length;
  const add = (piece: Uint8Array): void => {
    pieces.push(piece);
    at += piece.length;
  };
  const metas: ChunkMeta[] = [];
  for (const column of options.columns) {
    const offset = at;
    const type = column.kind === 'double' ? TYPE_DOUBLE : TYPE_BYTE_ARRAY;
    const dict = n === 0 ? undefined : column.kind === 'double' ? doubleDictionary(column.values, n) : stringDictionary(column.values, n);
    let dictionaryOffset: number | undefined;
    let encoding = ENCODING_PLAIN;
    let body: Uint8Array;
    if (dict !== undefined) {
      dictionaryOffset = at;
      const size = dict.dictionary.length;
      let page: Uint8Array;
      if (dict.dictionary instanceof Float64Array) page = doubleBytes(dict.dictionary, size);
      else {
        const b = new Bytes(1 << 10);
        writePlainStrings(b, dict.dictionary, size);
        page = b.buf.subarray(0, b.at);
      }
      add(pageHeader(PAGE_DICTIONARY, page.length, (t) => t.struct(7, (d) => d.i32(1, size).i32(2, ENCODING_PLAIN))));
      add(page);
      const width = bitWidth(size);
      const b = new Bytes(((n * width) >> 3) + 64);
      b.byte(width);
      writeHybrid(b, dict.indexes, n, width);
      body = b.buf.subarray(0, b.at);
      encoding = ENCODING_RLE_DICTIONARY;
    } else if (column.kind === 'double') {
      body = doubleBytes(column.values, n);
    } else {
      const b = new Bytes(n * 8 + 64);
      writePlainStrings(b, column.values, n);
      body = b.buf.subarray(0, b.at);
    }
    const dataOffset = at;
    add(pageHeader(PAGE_DATA, body.length, (t) => t.struct(5, (d) => d.i32(1, n).i32(2, encoding).i32(3, ENCODING_RLE).i32(4, ENCODING_RLE))));
    add(body);
    const encodings = dict !== undefined ? [ENCODING_PLAIN, ENCODING_RLE, ENCODING_RLE_DICTIONARY] : [ENCODING_PLAIN, ENCODING_RLE];
    metas.push({ name: column.name, type, encodings, offset, dataOffset, dictionaryOffset, size: at - offset });
  }
  const out = new Bytes(1 << 12);
  const footerStart = out.at;
  const totalBytes = metas.reduce((s, m) => s + m.size, 0);
  new Thrift(out).structBody((t) => {
    t.i32(1, 1);
    t.listOfStructs(2, [undefined, ...options.columns], (s, column) => {
      if (column === undefined) {
        s.string(4, 'root').i32(5, options.columns.length);
        return;
      }
      s.i32(1, column.kind === 'double' ? TYPE_DOUBLE : TYPE_BYTE_ARRAY)
        .i32(3, REQUIRED)
        .string(4, column.name);
      if (column.kind === 'string') s.i32(6, CONVERTED_UTF8).struct(10, (l) => l.struct(1, () => undefined));
    });
    t.i64(3, n);
    t.listOfStructs(4, [0], (g) => {
      g.listOfStructs(1, metas, (c, m) => {
        c.i64(2, m.offset);
        c.struct(3, (md) => {
          md.i32(1, m.type).listOfI32(2, m.encodings).listOfStrings(3, [m.name]).i32(4, CODEC_UNCOMPRESSED);
          md.i64(5, n).i64(6, m.size).i64(7, m.size).i64(9, m.dataOffset);
          if (m.dictionaryOffset !== undefined) md.i64(11, m.dictionaryOffset);
        });
      });
      g.i64(2, totalBytes).i64(3, n);
    });
    const kv = options.keyValueMetadata ?? [];
    if (kv.length > 0) t.listOfStructs(5, kv, (e, { key, value }) => e.string(1, key).string(2, value));
    if (options.createdBy !== undefined) t.string(6, options.createdBy);
  });
  out.u32le(out.at - footerStart);
  out.bytes(MAGIC);
  add(out.buf.subarray(0, out.at));
  const file = new Uint8Array(at);
  let w = 0;
  for (const piece of pieces) {
    file.set(piece, w);
    w += piece.length;
  }
  return file;
}
