// Public surface of the MLP learner.
export { MlpLearner, fitPreprocessing, type DpSgdOptions, type MlpOptions, type PartialFitOptions } from './mlp-learner';
export {
  MlpModelError,
  mlpInputLayout,
  predictProbaFromMlpDocument,
  type MlpLayer,
  type MlpModelDocument,
  type MlpPreprocessing,
  type MlpInputLayout,
} from './model-document';
