// Federated learning across tenants: secure aggregation (pairwise X25519 masks, fixed point modulo
// 2^64, Shamir dropout recovery).
export { InsufficientSharesError, SecureAggregationError, UnmaskRefusedError } from './errors';
export { addWordsInPlace, decodeFixedPoint, DEFAULT_FRACTIONAL_BITS, encodeFixedPoint } from './fixed-point';
export { expandSeed, seededRandomBytes, systemRandomBytes } from './random-bytes';
export { maskedWords, SecureAggregationParticipant, SecureAggregator } from './secure-aggregation';
export type { AdvertisedKeys, EncryptedShares, MaskedInput, SecureAggregationOptions, UnmaskingShares } from './secure-aggregation';
export { combineShares, interpolateAtZero, SHAMIR_PRIME, splitSecret } from './shamir';
export type { RandomBytes, Share } from './shamir';
export { FEDERATED_PREFIX, FEDERATED_ROUNDS_PREFIX, federatedSubmissionPrefix } from './keys';
