// What the GBDT's helper threads have in common: finding the helper's file next to its module
// (TypeScript under tsx/jest, JavaScript once compiled), and blocking on a shared control word.
import { workerEntry } from '../../worker-entry';

/**
 * Fits do not wait for their helpers to start (about 0.1 s under tsx): helpers join once ready.
 * Tests set `waitForHelpers` so that a short fit surely runs with them.
 */
export const helperTesting = { waitForHelpers: false };

/** Helpers start in about 50–150 ms (measured under tsx); one not ready after this is taken as failed. */
export const READY_TIMEOUT_MS = 15_000;
/** The longest one piece of a fit's work may take on a helper before the fit gives up. */
export const WORK_TIMEOUT_MS = 30 * 60_000;

/**
 * The helper file `<name>.ts|.js` next to this module, with the loader a .ts file needs, or null
 * when it is absent (a bundle that inlined this module): the caller then works alone.
 */
export function helperEntry(name: string): { file: string; execArgv: string[] } | null {
  return workerEntry(__filename, name);
}

/**
 * Blocks until control[word] >= target (true), or until control[failedWord] is set or the timeout
 * passes (false).
 */
export function waitForWord(control: Int32Array, word: number, target: number, failedWord: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const seen = Atomics.load(control, word);
    if (seen >= target) return true;
    if (Atomics.load(control, failedWord) !== 0) return false;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(control, word, seen, Math.min(left, 200));
  }
}
