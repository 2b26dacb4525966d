// A compact set of 64-bit row hashes (open addressing over a Uint32Array of hi/lo pairs) used to
// count exact-duplicate rows: 8 bytes per distinct row at most 50 % load, no per-row objects.
// The hashes themselves are computed column by column in chunk-builder.ts.

// Module-scope alias: under jest's vm context every global lookup (`Math`) goes through an
// interceptor and costs ~100x a local one in this hot loop.
const imul = Math.imul;
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
