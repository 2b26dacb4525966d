// Public surface of the model registry: versions, aliases, deploy/rollback and the promotion gate.
export * from './model-registry';
export * from './promotion-gate';
export * from './version-details';
