// The process environment. This module and config.ts are the only readers of it: everything else
// receives a PlatformConfig (or an explicit environment, in tests and child processes).

/** The environment of this process. */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}

/** The environment a child process of ours (a local training job) starts with: ours plus `extra`. */
export function childEnvironment(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

/**
 * Sets variables in this process's environment, for libraries that read it themselves (Powertools'
 * log level and metrics switch) — benchmarks and test harnesses only.
 */
export function assignEnvironment(values: Readonly<Record<string, string>>): void {
  Object.assign(process.env, values);
}
