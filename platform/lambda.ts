// What a Lambda handler module needs from the composition root, and nothing more: the process's
// platform (its SDK clients captured by the tracer), and the Powertools logger, metrics and tracer.
// Handlers import this, not ./index, so their bundles never pull in the embedded cloud (dynalite,
// s3rver and their servers) that the CLI and `npm start` use.
import type { Platform } from './compose';
import { handlerPlatform as processPlatform } from './process-platform';
import { traceClient } from './tracing';

export { currentPlatform, installProcessPlatform } from './process-platform';
export { logger, metrics, metricsPublished } from './observability';
export { tracer } from './tracing';

/**
 * The platform handler modules use: the installed one (the local platform), else one composed from
 * the environment with every SDK client traced.
 * @example const { registry } = handlerPlatform(); // at module scope in functions/<name>/handler.ts
 */
export function handlerPlatform(): Platform {
  return processPlatform({ instrument: traceClient });
}
