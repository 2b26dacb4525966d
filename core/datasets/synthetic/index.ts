// Public surface of the synthetic scenario generator.
export { CICIDS2017_FEATURE_COLUMNS, CICIDS2017_COLUMN_INDEX, CICIDS2017_DUPLICATE_COLUMN, CICIDS2017_LABEL_COLUMN, type CicidsColumn } from './cicids-columns';
export { type FitScenarioOptions, FIT_COLUMNS, fitScenario } from './fit-scenario';
export { ACTIVITY_TIMEOUT_US, FlowGenerator, type FlagCountMode, type FlowGeneratorOptions } from './flow-generator';
export {
  DEFAULT_SCENARIO_DIR,
  listScenarios,
  loadScenarioFile,
  loadScenarios,
  parseScenario,
  ScenarioError,
  ScenarioSchema,
  type Distribution,
  type ScenarioDefinition,
} from './scenario';
export { generateSyntheticRows, openSyntheticSource, SYNTHETIC_COLUMNS, type SyntheticSourceOptions } from './synthetic-source';
export {
  findManifest,
  MAX_FIT_ROWS,
  parseDatasetRef,
  synthesizeDataset,
  type DatasetRef,
  type ScenarioFit,
  type SynthesizeOptions,
  type SynthesizeResult,
} from './synthesize';
