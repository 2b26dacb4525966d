// Training backends (SageMaker, AWS Batch, a local child process), their completion-event parsers
// and the job-output readers used by the completion handler.
export * from './sagemaker-backend';
export * from './batch-backend';
export * from './batch-capacity';
export * from './service-quotas';
export * from './local-backend';
export * from './state-change';
export * from './job-output';
