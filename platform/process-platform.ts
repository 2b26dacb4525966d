// The platform of this process, for handler modules: a Lambda function composes it once from its
// environment (module scope, reused across invocations); the local platform installs its own
// (embedded cloud, in-process bus, local training backend) before any handler module loads, so
// the same modules serve `npm start` and AWS.
import { loadConfig } from '../config/config';
import { composePlatform, type Platform, type PlatformOptions } from './compose';

let current: Platform | undefined;

/** Makes `platform` the one handler modules of this process get (the local platform, tests). */
export function installProcessPlatform(platform: Platform | undefined): void {
  current = platform;
}

/**
 * The platform handler modules use: the installed one, else one composed from the environment.
 * @example const platform = handlerPlatform(); // at module scope in functions/<name>/handler.ts
 */
export function handlerPlatform(options: Pick<PlatformOptions, 'instrument'> = {}): Platform {
  current ??= composePlatform(loadConfig(), options);
  return current;
}

/** The platform of this process when one was composed or installed (never composes one). */
export function currentPlatform(): Platform | undefined {
  return current;
}
