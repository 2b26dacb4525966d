// The composition root's public surface: how every door gets the platform.
//   composePlatform(config)   the object graph for a configuration (tests, benchmarks)
//   handlerPlatform()         the platform of this process, for Lambda handler modules
//   openPlatform()            a CLI session: the embedded cloud (started or joined) or AWS
//   startLocalPlatform(...)   what `npm start` runs
export * from './compose';
export * from './process-platform';
export * from './open';
export * from './local-platform';
export * from './local-exports';
export { bootstrapDefaultModel, type BootstrapResult } from './bootstrap';
export { logger, metrics } from './observability';
export { makeModelCard, type ModelCard } from './model-card';
export { startConsoleServer, type ConsoleServer, type ConsoleServerOptions } from './console-server';
