// Public surface of core/drift: reference profiles, per-feature distances and the dataset drift
// report, and the streaming detectors (DDM, ADWIN, Page-Hinkley).
export * from './errors';
export * from './distances';
export * from './reference-profile';
export * from './dataset-drift';
export { DEFAULTS as DRIFT_DEFAULTS } from './dataset-drift';
export * from './drift-detector';
export * from './ddm';
export * from './adwin';
export * from './page-hinkley';
