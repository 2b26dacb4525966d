// Public surface of the reports: the self-contained model card of a version.
export * from './model-card';
