// A compact set of 64-bit row hashes (open addressing over a Uint32Array of hi/lo pairs) used to
// count exact-duplicate rows: 8 bytes per distinct row at most 50 % load, no per-row objects.

// Module-scope alias: under jest's vm context every global lookup (`Math`) goes through an
// interceptor and costs ~100x a local one in this hot loop.
const imul = Math.imul;
const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

/** Streaming 64-bit hash (two murmur3-style 32-bit lanes) of a row's values and label. */
export class RowHasher {
  /** Lane states in an Int32Array: int32 values stay unboxed (no heap numbers per mix). */
  private readonly h = new Int32Array(2);

  /** Starts a new row. */
  reset(): this {
    this.h[0] = 0x9747b28c;
    this.h[1] = 0x5bd1e995;
    return this;
  }

  /** Mixes a number (NaN values are all equal; -0 equals 0). */
  addNumber(v: number): this {
    if (v !== v) {
      scratchWords[0] = 0;
      scratchWords[1] = 0x7ff80000;
    } else {
      scratch[0] = v === 0 ? 0 : v;
    }
    mix(this.h, scratchWords[0]);
    mix(this.h, scratchWords[1]);
    return this;
  }

  /** Mixes a string (length-prefixed, so field boundaries matter). */
  addString(s: string): this {
    const h = this.h;
    mix(h, s.length ^ 0x5f3759df);
    for (let i = 0; i < s.length; i++) mix(h, s.charCodeAt(i));
    return this;
  }

  /** High 32 bits of the finished hash. */
  hi(): number {
    return fmix(this.h[0] ^ imul(this.h[1], 0x85ebca6b)) >>> 0;
  }

  /** Low 32 bits of the finished hash. */
  lo(): number {
    return fmix(this.h[1] ^ imul(this.h[0], 0xc2b2ae35)) >>> 0;
  }
}

function mix(h: Int32Array, word: number): void {
  let k = imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = imul(k, 0x1b873593);
  let h1 = h[0] ^ k;
  h1 = (h1 << 13) | (h1 >>> 19);
  h[0] = imul(h1, 5) + 0xe6546b64;
  let m = imul(word ^ 0x2545f491, 0x1b873593);
  m = (m << 17) | (m >>> 15);
  let h2 = h[1] ^ imul(m, 0xcc9e2d51);
  h2 = (h2 << 19) | (h2 >>> 13);
  h[1] = imul(h2, 5) + 0x561ccd1b;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Set of 64-bit hashes given as (hi, lo) 32-bit halves. */
export class HashSet64 {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
  }

  /** Number of distinct hashes stored. */
  get size(): number {
    return this.count;
  }

  /** Adds the hash; returns false when it was already present. */
  add(hi: number, lo: number): boolean {
    if (hi === 0 && lo === 0) lo = 1; // (0, 0) marks an empty slot
    const slots = this.slots;
    let i = (lo ^ imul(hi, 0x9e3779b1)) & this.mask;
    while (true) {
      const sh = slots[2 * i];
      const sl = slots[2 * i + 1];
      if (sh === 0 && sl === 0) break;
      if (sh === hi >>> 0 && sl === lo >>> 0) return false;
      i = (i + 1) & this.mask;
    }
    slots[2 * i] = hi;
    slots[2 * i + 1] = lo;
    this.count++;
    if (this.count * 2 > this.mask + 1) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.add(old[i], old[i + 1]);
    }
  }
}
