// Builds what the training image runs: one esbuild bundle of training-container/entrypoint.ts with
// every package it imports inside (no node_modules in the image), and the GBDT helper threads as
// bundles beside it (core/learners/gbdt/helper-thread.ts finds `<name>.js` next to its module).
// Writes <out>/entrypoint.js, <out>/class-tree-worker.js, <out>/multi-output-worker.js and
// <out>/dependencies.json (the packages inside, with versions: the image's production dependency
// closure). Used by the Dockerfiles' build stage and by training-container/entrypoint.test.ts.
//   node bin/run-ts.js training-container/build-image.ts <out-dir>
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** The bundles: name in the image → source. */
export const ENTRIES: Readonly<Record<string, string>> = {
  entrypoint: 'training-container/entrypoint.ts',
  'class-tree-worker': 'core/learners/gbdt/class-tree-worker.ts',
  'multi-output-worker': 'core/learners/gbdt/multi-output-worker.ts',
};

/** The package a node_modules path belongs to, e.g. node_modules/@aws-sdk/client-s3/dist-cjs/x.js → @aws-sdk/client-s3. */
function packageOf(input: string): string {
  const parts = (input.split('node_modules/').pop() ?? '').split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * Builds the bundles into `out`; answers the packages inside (name → version).
 * @example const packages = await buildTrainingImage('/out');
 */
export async function buildTrainingImage(out: string): Promise<Record<string, string>> {
  mkdirSync(out, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(ROOT, file)])),
    outdir: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    metafile: true,
    logLevel: 'silent',
  });
  const packages: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    if (!input.includes('node_modules/')) continue;
    const name = packageOf(input);
    const manifest = path.join(ROOT, input.slice(0, input.lastIndexOf('node_modules/')), 'node_modules', name, 'package.json');
    packages[name] = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(path.join(out, 'dependencies.json'), `${JSON.stringify(sorted, null, 2)}\n`);
  return sorted;
}

if (require.main === module || path.resolve(process.argv[1] ?? '') === __filename) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node bin/run-ts.js training-container/build-image.ts <out-dir>\n');
    process.exit(2);
  }
  buildTrainingImage(path.resolve(out)).then(
    (packages) => process.stdout.write(`training image: ${Object.keys(packages).length} packages bundled into ${out}\n`),
    (error: Error) => {
      process.stderr.write(`build-image: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
