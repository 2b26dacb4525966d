// Sources of random bytes for the federated protocols: the system CSPRNG in production, and a seeded
// AES-256-CTR keystream for reproducible tests and benchmarks.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import type { RandomBytes } from './shamir';

/** The system CSPRNG. */
export const systemRandomBytes: RandomBytes = (size) => randomBytes(size);

/**
 * A deterministic stream of bytes derived from `seed` (AES-256-CTR keyed by SHA-256(seed)); tests only.
 * @example const random = seededRandomBytes('test-1'); random(32)
 */
export function seededRandomBytes(seed: string | number): RandomBytes {
  const key = createHash('sha256').update(`xdr-ml seeded random ${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return (size) => new Uint8Array(cipher.update(Buffer.alloc(size)));
}

/**
 * A pseudo-random generator: `length` 64-bit words (2 × length 32-bit limbs) from a 32-byte seed, AES-256-CTR.
 * @example expandSeed(seed, 4).length // 8
 */
export function expandSeed(seed: Uint8Array, length: number): Uint32Array {
  if (seed.length !== 32) throw new RangeError(`a PRG seed must be 32 bytes, got ${seed.length}`);
  const cipher = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16));
  return wordsFromBytes(cipher.update(Buffer.alloc(length * 8)));
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** Little-endian bytes as 32-bit words (a copy; a plain view on little-endian hosts, which is all of them here). */
export function wordsFromBytes(bytes: Uint8Array): Uint32Array {
  const words = new Uint32Array(bytes.length >>> 2);
  if (LITTLE_ENDIAN) new Uint8Array(words.buffer).set(bytes.subarray(0, words.length * 4));
  else for (let i = 0, v = new DataView(bytes.buffer, bytes.byteOffset); i < words.length; i++) words[i] = v.getUint32(i * 4, true);
  return words;
}

/** 32-bit words as little-endian bytes. */
export function bytesFromWords(words: Uint32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(words.buffer, words.byteOffset, words.byteLength);
  const bytes = Buffer.alloc(words.length * 4);
  for (let i = 0; i < words.length; i++) bytes.writeUInt32LE(words[i], i * 4);
  return bytes;
}
