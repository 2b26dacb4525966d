// Fixed-point vectors modulo 2^64 for secure aggregation: each real value is rounded to an integer
// multiple of 2^-fractionalBits and stored as two little-endian 32-bit limbs (lo, hi). Sums of such
// vectors (and of uniformly random masks) are exact modulo 2^64, so masks cancel to the last bit.
import { SecureAggregationError } from './errors';

/** Default resolution: 2^-32 (≈ 2.3e-10), leaving |sum| < 2^31 representable. */
export const DEFAULT_FRACTIONAL_BITS = 32;
const TWO_32 = 4294967296;
// Module-level aliases: global lookups are slow inside jest's vm contexts, and these run in hot loops.
const { round, floor, abs } = Math;
const isFinite = Number.isFinite;
const TWO_63 = 2 ** 63;

/**
 * Encodes values as fixed-point words (length 2 × values.length); non-finite or too large values are refused.
 * @example decodeFixedPoint(encodeFixedPoint([1.5, -2]), 32) // Float64Array [1.5, -2]
 */
export function encodeFixedPoint(values: ArrayLike<number>, fractionalBits = DEFAULT_FRACTIONAL_BITS): Uint32Array {
  const scale = 2 ** fractionalBits;
  const words = new Uint32Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const v = round(x * scale);
    if (!isFinite(v) || abs(v) >= TWO_63) {
      throw new SecureAggregationError(`value ${x} at index ${i} is not representable with ${fractionalBits} fractional bits modulo 2^64`);
    }
    const hi = floor(v / TWO_32);
    words[2 * i] = v - hi * TWO_32;
    words[2 * i + 1] = hi; // Uint32Array stores hi modulo 2^32: two's complement for negatives
  }
  return words;
}

/** Decodes fixed-point words (two's complement modulo 2^64) back to doubles. */
export function decodeFixedPoint(words: Uint32Array, fractionalBits = DEFAULT_FRACTIONAL_BITS): Float64Array {
  const scale = 2 ** -fractionalBits;
  const out = new Float64Array(words.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = ((words[2 * i + 1] | 0) * TWO_32 + words[2 * i]) * scale;
  return out;
}

/** acc += sign × words modulo 2^64, in place. */
export function addWordsInPlace(acc: Uint32Array, words: Uint32Array, sign: 1 | -1 = 1): Uint32Array {
  if (acc.length !== words.length) throw new SecureAggregationError(`vector lengths differ: ${acc.length / 2} and ${words.length / 2}`);
  for (let i = 0; i < acc.length; i += 2) {
    if (sign === 1) {
      const lo = acc[i] + words[i];
      const carry = lo >= TWO_32 ? 1 : 0;
      acc[i] = lo; // wraps modulo 2^32
      acc[i + 1] = acc[i + 1] + words[i + 1] + carry;
    } else {
      const lo = acc[i] - words[i];
      const borrow = lo < 0 ? 1 : 0;
      acc[i] = lo;
      acc[i + 1] = acc[i + 1] - words[i + 1] - borrow;
    }
  }
  return acc;
}
