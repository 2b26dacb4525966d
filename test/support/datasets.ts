// Locates the real datasets in ../shared/datasets (DATASETS_DIR). Tests that need them fail when
// CI=true and the data is missing, and are skipped with a message otherwise.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The datasets root: $DATASETS_DIR, or ../shared/datasets relative to the repository root. */
export function datasetsDir(): string {
  return path.resolve(process.env.DATASETS_DIR ?? path.join(__dirname, '..', '..', '..', 'shared', 'datasets'));
}

/** Absolute path of a file under the datasets root (e.g. 'nsl_kdd/KDDTest+.txt'). */
export function datasetPath(relative: string): string {
  return path.join(datasetsDir(), relative);
}

/**
 * `describe` that runs only when every named dataset file exists. Under CI=true a missing file
 * makes the suite fail instead of being skipped.
 */
export function describeWithData(name: string, files: readonly string[], body: () => void): void {
  const missing = files.filter((f) => !existsSync(datasetPath(f)));
  if (missing.length === 0) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its real datasets', () => {
        throw new Error(`missing dataset files under ${datasetsDir()}: ${missing.join(', ')}`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: missing ${missing.join(', ')})`, body);
  }
}
