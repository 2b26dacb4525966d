// What a Lambda handler module needs from the composition root, and nothing more: the process's
// platform and the Powertools objects. Handlers import this, not ./index, so their bundles never
// pull in the embedded cloud (dynalite, s3rver and their servers) that the CLI and `npm start` use.
export { handlerPlatform, installProcessPlatform } from './process-platform';
export { logger, metrics } from './observability';
