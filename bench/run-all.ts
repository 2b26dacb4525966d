// `npm run bench`: runs every benchmark in its own process, one after another (they measure time
// and peak memory, so they must not share a process or run side by side), and prints their
// figures. Benchmarks are never part of the test pass/fail.
//   npm run bench [-- ingest predict http-load training drift-check online-adaptation roc-auc]
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BENCHMARKS = ['cli-startup', 'ingest', 'training', 'predict', 'http-load', 'drift-check', 'online-adaptation', 'roc-auc'] as const;
const root = path.resolve(__dirname, '..');
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(BENCHMARKS as readonly string[]).includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  process.exit(2);
}
const failed: string[] = [];
for (const name of wanted.length ? wanted : BENCHMARKS) {
  console.log(`\n=== bench/${name}.ts ===`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'run-ts.js'), path.join(root, 'bench', `${name}.ts`)], { stdio: 'inherit', cwd: root });
  console.log(`=== ${name}: exit ${r.status} after ${((Date.now() - started) / 1000).toFixed(0)} s ===`);
  if (r.status !== 0) failed.push(name);
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
