// Public surface of core/ensemble: member compatibility, Caruana selection, simplex weights, the
// optimiser over them (validation predictions only).
export { checkMemberCompatibility, classDifference, memberId, schemaDifference, type MemberShape } from './compatibility';
export { EnsembleInputError, EnsembleMemberMismatchError, type EnsembleMismatch } from './errors';
export { mixtureLogLoss, trueClassProbabilities } from './log-loss';
export {
  bestIndex,
  ENSEMBLE_METHODS,
  mixProbabilities,
  optimiseEnsemble,
  type EnsembleCandidate,
  type EnsembleMethod,
  type EnsembleOptimisation,
  type OptimiseEnsembleOptions,
  type ValidationFigures,
} from './optimize';
export { caruanaSelection, type CaruanaOptions, type CaruanaResult } from './selection';
export { simplexWeights, type SimplexWeightsOptions, type SimplexWeightsResult } from './simplex-weights';
export {
  checkEnsembleDocument,
  ENSEMBLE_FORMAT,
  ENSEMBLE_FORMAT_VERSION,
  predictProbaFromEnsemble,
  type EnsembleMember,
  type EnsembleModelDocument,
} from './model-document';
