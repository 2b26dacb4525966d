// Public surface of core/retraining: trigger events, the launcher, the completion handler, the
// data-volume check, the job records and the TrainingBackend port.
export * from './errors';
export * from './events';
export * from './backend';
export * from './job-records';
export * from './launcher';
export * from './completion';
export * from './data-volume';
export * from './dataset-input';
export * from './metrics';
export * from './status';
export * from './scheduled-check';
export * from './schedule';
export * from './sweeper';
export * from './lineage-training';
export { ENSEMBLE_MEMBERS_FILE, stagedMembersPrefix, stageEnsembleMembers, stagedParentPrefix, stageParentInput } from './parent-input';
export type { ParentRecord } from './parent-input';
export * from './capacity-need';
