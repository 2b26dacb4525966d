// Shamir secret sharing over the prime field GF(2^521 - 1): a secret of up to 64 bytes is split into
// n shares of which any t reconstruct it; t - 1 shares are consistent with every secret, so they say
// nothing about it. Used to recover the mask seeds of secure aggregation after a dropout.
import { InsufficientSharesError, SecureAggregationError } from './errors';

/** The field's modulus, the Mersenne prime 2^521 - 1 (larger than any 64-byte secret). */
export const SHAMIR_PRIME = (1n << 521n) - 1n;
const FIELD_BYTES = 66;

/** Supplies random bytes: crypto.randomBytes in production, a seeded stream in tests. */
export type RandomBytes = (size: number) => Uint8Array;

/** One share: the polynomial's value at x (1-based participant position). */
export interface Share {
  readonly x: number;
  /** The value as a hexadecimal string (JSON-safe). */
  readonly y: string;
}

const mod = (a: bigint): bigint => {
  const r = a % SHAMIR_PRIME;
  return r < 0n ? r + SHAMIR_PRIME : r;
};

function modPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % SHAMIR_PRIME;
    b = (b * b) % SHAMIR_PRIME;
    e >>= 1n;
  }
  return result;
}

const inverse = (a: bigint): bigint => modPow(a, SHAMIR_PRIME - 2n);

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new SecureAggregationError(`a reconstructed secret does not fit in ${length} bytes (wrong shares?)`);
  return out;
}

/** A uniform field element by rejection sampling (521 random bits, rejected when ≥ p). */
function randomFieldElement(random: RandomBytes): bigint {
  for (;;) {
    const bytes = random(FIELD_BYTES);
    bytes[0] &= 0x01; // keep 521 bits: 1 + 65 * 8
    const v = bytesToBigInt(bytes);
    if (v < SHAMIR_PRIME) return v;
  }
}

/**
 * Splits `secret` (≤ 64 bytes) into `n` shares, any `threshold` of which reconstruct it.
 * @example const shares = splitSecret(seed, 3, 5, randomBytes); combineShares(shares.slice(0, 3), 32)
 */
export function splitSecret(secret: Uint8Array, threshold: number, n: number, random: RandomBytes): Share[] {
  if (secret.length > 64) throw new SecureAggregationError(`a secret must be at most 64 bytes, got ${secret.length}`);
  if (!Number.isInteger(threshold) || !Number.isInteger(n) || threshold < 1 || threshold > n) {
    throw new SecureAggregationError(`threshold must be an integer in [1, ${n}], got ${threshold}`);
  }
  const coefficients = [bytesToBigInt(secret)];
  for (let i = 1; i < threshold; i++) coefficients.push(randomFieldElement(random));
  const shares: Share[] = [];
  for (let x = 1; x <= n; x++) {
    let y = 0n;
    const bx = BigInt(x);
    for (let i = coefficients.length - 1; i >= 0; i--) y = (y * bx + coefficients[i]) % SHAMIR_PRIME;
    shares.push({ x, y: y.toString(16) });
  }
  return shares;
}

/** Lagrange interpolation at 0 of the given shares (no threshold check; any distinct xs). */
export function interpolateAtZero(shares: readonly Share[]): bigint {
  const xs = shares.map((s) => BigInt(s.x));
  if (new Set(xs).size !== xs.length) throw new SecureAggregationError('shares must have distinct positions');
  let secret = 0n;
  for (let i = 0; i < shares.length; i++) {
    let num = 1n;
    let den = 1n;
    for (let j = 0; j < shares.length; j++) {
      if (i === j) continue;
      num = (num * mod(-xs[j])) % SHAMIR_PRIME;
      den = (den * mod(xs[i] - xs[j])) % SHAMIR_PRIME;
    }
    secret = mod(secret + BigInt(`0x${shares[i].y}`) * ((num * inverse(den)) % SHAMIR_PRIME));
  }
  return secret;
}

/**
 * Reconstructs a secret of `length` bytes from at least `threshold` shares; fewer are refused.
 * @example combineShares(shares.slice(0, 3), 32, 3)
 */
export function combineShares(shares: readonly Share[], length: number, threshold: number): Uint8Array {
  if (shares.length < threshold) {
    throw new InsufficientSharesError(`${shares.length} share(s) cannot reconstruct a secret shared with threshold ${threshold}`);
  }
  return bigIntToBytes(interpolateAtZero(shares.slice(0, threshold)), length);
}
