// Public surface of the hash-chained audit log.
export * from './audit-log';
export * from './canonical-json';
