// Loopback HTTP load benchmark: `xdr-ml serve` (what `npm start` runs) in a child process with a
// fresh state directory and the synthetic bootstrap model, driven over keep-alive connections on
// 127.0.0.1 at concurrency 1, 8 and 32 with 1-flow and 1,000-flow predicts. Each cell is bounded
// in count and time (--requests, --seconds); it prints req/s, flows/s, p50 / p99 latency and the
// server's RSS (current and peak, from /proc). Loopback only; nothing leaves the machine.
//
// The floor, measured in the same run: a bare node:http server (a child process like the real one)
// that reads the same body and answers a fixed JSON, driven at the same concurrency. Its req/s and
// CPU ms/request are what transport alone costs on this machine at this moment; each row prints
// the server's ratio to it.
//
//   node bin/run-ts.js bench/http-load.ts [--requests 2000] [--seconds 8] [--concurrency 1,8,32]
//   (BENCH_PROFILE=<dir>: the server writes a V8 CPU profile there)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const MAX_REQUESTS = Number(arg('requests', '2000'));
const MAX_SECONDS = Number(arg('seconds', '8'));
const LEVELS = arg('concurrency', '1,8,32').split(',').map(Number);
const root = path.resolve(__dirname, '..');

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

/** VmRSS and VmHWM of a process, in MiB (Linux). */
function rss(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** CPU time (user + system) a process has used, in ms (Linux; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime (fields 14, 15) at USER_HZ 100
}

/** The floor: node:http reading the body and answering a fixed JSON (no parsing, no work). */
const BARE_SERVER = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{"ok":true}'); }); }).listen(0, '127.0.0.1', function () { console.log('listening ' + this.address().port); });`;

interface Cell {
  readonly reqs: number;
  readonly seconds: number;
  readonly latencies: number[];
  readonly errors: number;
  readonly cpuPerRequest: number;
}

/** Drives `concurrency` keep-alive connections until `limit` requests or `maxSeconds`; the server's CPU from /proc. */
async function drive(pid: number, url: URL, body: string, concurrency: number, limit: number, maxSeconds: number): Promise<Cell> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  for (let w = 0; w < Math.min(concurrency, 4); w++) await post(agent, url, body); // warm the connections
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  const deadline = performance.now() + maxSeconds * 1000;
  const t0 = performance.now();
  const cpu0 = cpuMs(pid);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < limit && performance.now() < deadline) {
        issued++;
        const t = performance.now();
        const status = await post(agent, url, body).catch(() => 0);
        latencies.push(performance.now() - t);
        if (status !== 200) errors++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpuPerRequest = (cpuMs(pid) - cpu0) / Math.max(1, latencies.length);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { reqs: latencies.length, seconds, latencies, errors, cpuPerRequest };
}

function post(agent: http.Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: '/api/ml/predict',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-bench-http-'));
  const noData = mkdtempSync(path.join(os.tmpdir(), 'xdr-bench-nodata-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDR_ML_HOME: home,
    XDR_ML_STAGE: 'bench',
    PORT: '0',
    XDR_ML_BOOTSTRAP: 'true',
    DATASETS_DIR: noData, // the synthetic bootstrap: a model in seconds
    XDR_ML_ACCESS_LOG: 'false',
  };
  delete env.XDR_ML_DYNAMODB_ENDPOINT;
  delete env.XDR_ML_S3_ENDPOINT;
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []), path.join(root, 'bin', 'xdr-ml.js'), 'serve'],
    { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const started = Date.now();
    while (!/ready: curl|bootstrap failed/.test(out)) {
      if (child.exitCode !== null) throw new Error(`serve exited: ${out}`);
      if (Date.now() - started > 300_000) throw new Error(`serve not ready in 300 s: ${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = new URL(/API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]);
    const example = JSON.parse(readFileSync(path.join(home, 'example-predict.json'), 'utf8')) as { model: string; flows: Record<string, unknown>[] };
    const flow = example.flows[0];
    const one = JSON.stringify({ model: example.model, flows: [flow] });
    const thousand = JSON.stringify({ model: example.model, flows: Array.from({ length: 1000 }, (_, i) => example.flows[i % example.flows.length]) });
    console.log(
      `server pid ${child.pid}, model ${example.model}; each cell: at most ${MAX_REQUESTS} requests or ${MAX_SECONDS} s (1,000-flow: a tenth of the requests)`,
    );
    const idle0 = cpuMs(child.pid!);
    await new Promise((r) => setTimeout(r, 3000));
    console.log(
      `server RSS after bootstrap: ${rss(child.pid!).now.toFixed(0)} MiB; server CPU while idle: ${((cpuMs(child.pid!) - idle0) / 3).toFixed(0)} ms/s\n`,
    );
    const bare = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const bareUrl = await new Promise<URL>((resolve, reject) => {
      bare.stdout.once('data', (d: Buffer) => resolve(new URL(`http://127.0.0.1:${/listening (\d+)/.exec(d.toString())![1]}`)));
      bare.once('exit', () => reject(new Error('the floor server exited')));
    });
    try {
      // server CPU per request: on a shared machine the wall-time figures mostly measure the wait for a core
      console.log(
        '| flows/request | concurrency | requests | req/s | flows/s | p50 (ms) | p99 (ms) | errors | server CPU ms/request | server RSS now / peak (MiB) | floor req/s | floor CPU ms/request | req/s / floor | CPU / floor |',
      );
      console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const [flows, body] of [
        [1, one],
        [1000, thousand],
      ] as const) {
        for (const concurrency of LEVELS) {
          const limit = flows === 1 ? MAX_REQUESTS : Math.max(concurrency, Math.floor(MAX_REQUESTS / 10));
          const c = await drive(child.pid!, url, body, concurrency, limit, MAX_SECONDS);
          const mem = rss(child.pid!);
          // the floor right after, same body and concurrency, half the time (it needs no more to settle)
          const f = await drive(bare.pid!, bareUrl, body, concurrency, limit, MAX_SECONDS / 2);
          const rate = c.reqs / c.seconds;
          const floorRate = f.reqs / f.seconds;
          console.log(
            `| ${flows} | ${concurrency} | ${c.reqs} | ${rate.toFixed(0)} | ${((c.reqs * flows) / c.seconds).toFixed(0)} | ${quantile(c.latencies, 0.5).toFixed(1)} | ${quantile(c.latencies, 0.99).toFixed(1)} | ${c.errors} | ${c.cpuPerRequest.toFixed(2)} | ${mem.now.toFixed(0)} / ${mem.peak.toFixed(0)} | ${floorRate.toFixed(0)} | ${f.cpuPerRequest.toFixed(2)} | ${(rate / floorRate).toFixed(3)} | ${(c.cpuPerRequest / Math.max(0.01, f.cpuPerRequest)).toFixed(1)}x |`,
          );
        }
      }
      console.log(
        '\nfloor: a bare node:http server (child process) reading the same body and answering a fixed JSON, at the same concurrency, measured right after each row. CPU from /proc (10 ms ticks): short cells are coarse. Targets (issue 18): 1 flow at concurrency 32 >= 3,000 req/s, p99 <= 30 ms.',
      );
    } finally {
      bare.kill('SIGTERM');
    }
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    rmSync(home, { recursive: true, force: true });
    rmSync(noData, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
