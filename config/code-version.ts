// The code version stamp and the configuration error, in a module light enough for the CLI's
// start-up path (no zod): config.ts re-exports both, so they are declared here once.
import { XdrError } from '../core/errors';
import { processEnvironment } from './environment';

/** The environment variable carrying the deployed commit, appended to the package version. */
export const CODE_VERSION_ENV = 'XDR_CODE_VERSION';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PACKAGE_VERSION = (require('../package.json') as { version: string }).version;

/** The code version stamp: package.json version, with "+<sha>" appended when XDR_CODE_VERSION says one. */
export function codeVersion(env: NodeJS.ProcessEnv = processEnvironment()): string {
  const sha = env[CODE_VERSION_ENV]?.trim();
  return sha ? `${PACKAGE_VERSION}+${sha}` : PACKAGE_VERSION;
}

/**
 * An invalid configuration value; `key` is the environment variable (or CDK context key) to fix.
 * A 500 that is never shown as a caller's mistake: the HTTP error mapper does not expose it.
 */
export class ConfigError extends XdrError {
  override readonly name: string = 'ConfigError';
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
  }
}
