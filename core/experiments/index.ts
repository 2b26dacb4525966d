// Public surface of core/experiments: A/B statistics, sequential testing, routing and recommendations.
export * from './errors';
export * from './normal-distribution';
export * from './two-proportion-z-test';
export * from './sample-ratio-mismatch';
export * from './msprt';
export * from './routing';
export * from './ab-recommendation';
export * from './experiment-store';
export * from './outcomes';
export * from './results';
export * from './experiment-service';
export * from './experiment-router';
