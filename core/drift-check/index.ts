// Public surface of core/drift-check: the scheduled drift check, its stored reports and status.
export * from './drift-check';
