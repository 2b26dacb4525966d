// Finding a worker thread's file next to the module that starts it: TypeScript under tsx/jest
// (started with the same loader as its parent), JavaScript once compiled. A bundle that inlined
// the module has no such file: the caller then does the work on its own thread.
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The worker file `<name>.ts|.js` beside `moduleFile` (pass `__filename`), with the execArgv a .ts
 * file needs, or null when it is absent.
 * @example const entry = workerEntry(__filename, 'telemetry-encode-worker');
 */
export function workerEntry(moduleFile: string, name: string): { file: string; execArgv: string[] } | null {
  const ext = path.extname(moduleFile);
  const file = path.join(path.dirname(moduleFile), `${name}${ext}`);
  if (!existsSync(file)) return null;
  if (ext !== '.ts') return { file, execArgv: [] };
  let loader: string;
  try {
    loader = require.resolve('tsx/cjs');
  } catch {
    return null; // a production install without the TypeScript loader
  }
  return { file, execArgv: ['--require', loader] };
}
