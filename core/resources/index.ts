// Public surface of core/resources: per-job resource usage, function usage aggregates, the capacity check.
export * from './usage';
export * from './capacity';
export * from './function-usage';
export * from './telemetry';
export * from './sagemaker-instances';
export * from './instance-shapes';
