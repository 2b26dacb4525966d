// CLI start-up benchmark: wall time from spawn to the first byte on stdout (and to exit) of
// `xdr-ml --help`, `--version` and `status --json` (starting its own embedded cloud, and joining
// the one a running `xdr-ml serve` owns, as beside `npm start`), from the cached bundle and from the sources
// through tsx (XDR_ML_CLI_BUNDLE=false), against `node -e 0` measured in the same run, rounds
// interleaved. Targets: --help ≤ 0.5 s, any command's first output ≤ 1 s. Prints figures only.
//
//   node bin/run-ts.js bench/cli-startup.ts [--rounds 7]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'xdr-ml.js');
const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 7;

interface Case {
  readonly label: string;
  readonly args: string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts `xdr-ml serve` in `home` and resolves once it listens. */
function startServe(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve'], {
      cwd: ROOT,
      env: { ...env, PORT: '0', XDR_ML_BOOTSTRAP: 'false' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/API listening/.test(out)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

/** Milliseconds to the first stdout byte and to exit. */
function measure(c: Case, env: NodeJS.ProcessEnv): Promise<{ first: number; exit: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first = NaN;
    const child = spawn(process.execPath, c.args, { cwd: ROOT, env: { ...env, ...c.env }, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('data', () => (first = performance.now() - started));
    child.stdout.resume();
    child.once('error', reject);
    child.once('close', (code) => {
      const exit = performance.now() - started;
      if (code !== 0) return reject(new Error(`${c.label} exited ${code}`));
      resolve({ first: Number.isNaN(first) ? exit : first, exit });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-bench-cli-'));
  const served = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-bench-cli-served-'));
  const env: NodeJS.ProcessEnv = { ...process.env, XDR_ML_HOME: home };
  delete env.XDR_ML_DYNAMODB_ENDPOINT;
  delete env.XDR_ML_S3_ENDPOINT;
  const server = await startServe({ ...env, XDR_ML_HOME: served });
  const tsx = { XDR_ML_CLI_BUNDLE: 'false' };
  const cases: Case[] = [
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'xdr-ml --help (bundle)', args: [CLI, '--help'] },
    { label: 'xdr-ml --version (bundle)', args: [CLI, '--version'] },
    { label: 'xdr-ml status --json (bundle)', args: [CLI, 'status', '--json'] },
    { label: 'xdr-ml status --json, joining serve', args: [CLI, 'status', '--json'], env: { XDR_ML_HOME: served } },
    { label: 'xdr-ml --help (tsx, no bundle)', args: [CLI, '--help'], env: tsx },
    { label: 'xdr-ml status --json (tsx, no bundle)', args: [CLI, 'status', '--json'], env: tsx },
  ];
  try {
    await measure(cases[1], env); // builds the bundle when a source changed; not timed
    const times = new Map(cases.map((c) => [c.label, { first: [] as number[], exit: [] as number[] }]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of cases) {
        const t = await measure(c, env);
        times.get(c.label)!.first.push(t.first);
        times.get(c.label)!.exit.push(t.exit);
      }
    }
    const base = median(times.get('node -e 0')!.exit);
    console.log(
      `CLI start-up, median of ${ROUNDS} interleaved rounds (node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`,
    );
    console.log(`${'command'.padEnd(40)} ${'first output'.padStart(12)} ${'exit'.padStart(8)} ${'× node -e 0'.padStart(12)}`);
    for (const c of cases) {
      const t = times.get(c.label)!;
      const exit = median(t.exit);
      console.log(
        `${c.label.padEnd(40)} ${`${(median(t.first) / 1000).toFixed(3)} s`.padStart(12)} ${`${(exit / 1000).toFixed(3)} s`.padStart(8)} ${(exit / base).toFixed(1).padStart(12)}`,
      );
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(home, { recursive: true, force: true });
    rmSync(served, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
