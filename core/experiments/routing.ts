// Deterministic, sticky A/B traffic routing: MurmurHash3 (x86, 32-bit) of "<experimentId>:<routingKey>"
// mapped to [0, 1); keys below `split` go to the challenger. The same key always lands in the same arm
// for a given experiment, and different experiments split traffic independently.
import { InvalidExperimentInputError } from './errors';

// Math members bound once: global lookups are ~50x slower inside Jest's vm context.
const { imul } = Math;

/** Arm of a champion/challenger experiment. */
export type Arm = 'champion' | 'challenger';

const encoder = new TextEncoder();

/**
 * MurmurHash3 x86_32 (Austin Appleby) of a byte string.
 * @example murmur3_32(new TextEncoder().encode('hello'), 0) // 0x248bfa47
 */
export function murmur3_32(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const length = bytes.length;
  const blocks = length >>> 2;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i++) {
    const o = i << 2;
    let k = bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24);
    k = imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks << 2;
  const rest = length & 3;
  if (rest > 0) {
    let k1 = 0;
    if (rest === 3) k1 ^= bytes[tail + 2] << 16;
    if (rest >= 2) k1 ^= bytes[tail + 1] << 8;
    k1 ^= bytes[tail];
    k1 = imul(k1, c1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = imul(k1, c2);
    h ^= k1;
  }
  h ^= length;
  // fmix32 avalanche
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Position of a routing key in [0, 1) for an experiment: murmur3_32(UTF-8 "<experimentId>:<routingKey>") / 2^32.
 * @example routingPosition('exp-1', 'user-42') // a fixed number in [0, 1)
 */
export function routingPosition(experimentId: string, routingKey: string): number {
  return murmur3_32(encoder.encode(`${experimentId}:${routingKey}`)) / 4294967296;
}

/**
 * Assigns a routing key (client id, source IP, request id ...) to an arm. Deterministic and sticky.
 * @param split share of traffic sent to the challenger, in [0, 1] (0 = all champion, 1 = all challenger)
 * @example assignArm('exp-2026-11', '10.0.0.7', 0.1) // 'champion' for ~90% of keys
 */
export function assignArm(experimentId: string, routingKey: string, split: number): Arm {
  if (!(split >= 0 && split <= 1)) throw new InvalidExperimentInputError('split', `must be in [0, 1], got ${split}`);
  return routingPosition(experimentId, routingKey) < split ? 'challenger' : 'champion';
}
