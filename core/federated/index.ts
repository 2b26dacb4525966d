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
export { FederatedTrainingError } from './errors';
export { inProcessSecureSum } from './secure-sum';
export type { Contribution, SecureSum, SecureSumStats } from './secure-sum';
export { centralEquivalentParams, GbdtParticipant, trainFederatedGbdt } from './federated-gbdt';
export type {
  FederatedGbdtOptions,
  FederatedGbdtParams,
  FederatedGbdtResult,
  FeatureValueSet,
  GbdtParticipantApi,
  NodeRef,
  SketchDomain,
  SplitDecision,
  TreeLeaves,
} from './federated-gbdt';
export { addGaussianNoise, clipInPlace, epsilonOf, noiseMultiplierFor, PrivacyBudgetExceededError, RDP_ORDERS, RdpAccountant } from './rdp-accountant';
export { MlpParticipant, trainFederatedMlp } from './federated-mlp';
export type { FeatureRange, FederatedMlpOptions, FederatedMlpResult, LocalUpdateRequest, MlpParticipantApi } from './federated-mlp';
