// Ingestion benchmark at CICIDS2017 scale: builds a ≥ 2.5 M-row CICIDS2017-format .csv.gz by
// repeating the real sample with seeded jitter (±5 % on integer fields), then measures, each phase in its own child process
// (so peaks are not shared): (a) the floor — plain gunzip + line split of the file; (b) ingestDataset
// into the embedded cloud (hosted by this parent process). Prints rows/s, peak RSS and the ratio;
// exits 1 when the ingest's peak RSS reaches 1 GB.
//
//   node bin/run-ts.js bench/ingest.ts [--rows 2500000] [--keep]
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import { ENV_KEYS } from '../config/config';
import { childEnvironment } from '../config/environment';
import { ingestDataset } from '../core/datasets/ingest';
import { SeededRandom } from '../core/util/random';
import { openPlatform, type PlatformSession } from '../platform';
import { datasetPath } from '../test/support/datasets';

const { round } = Math;
const SAMPLE = 'cicids2017/cic_ids2017_multiclass.csv.gz';
const ONE_GB = 1024 * 1024 * 1024;
const ROOT = path.resolve(__dirname, '..');

/** What a child phase reports on its last stdout line. */
interface PhaseReport {
  readonly rows: number;
  readonly seconds: number;
  /** CPU seconds (user + system, all threads) of the phase: the figure to compare on a loaded machine. */
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
  readonly rejected?: number;
  readonly chunks?: number;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB
}

/** Writes a CICIDS2017-format .csv.gz of at least `rows` data rows built from the real sample. */
async function buildFile(file: string, rows: number, seed: number): Promise<number> {
  const text = gunzipSync(readFileSync(datasetPath(SAMPLE))).toString('utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0];
  const body = lines.slice(1).map((l) => l.split(','));
  // Parsed once: the value of each non-zero integer field (counts, lengths, durations, IATs, ports,
  // flags); NaN = copy the text as is (decimal fields: means, std, rates; empty / Infinity values).
  // Formatting decimals would triple the build time on this 2-core machine.
  const values = body.map((fields) => Float64Array.from(fields.slice(0, -1), (f) => (/^-?\d+$/.test(f) && Number(f) !== 0 ? Number(f) : NaN)));
  const texts = body.map((fields) => fields.map((f, j) => Buffer.from(j === fields.length - 1 ? `${f}\n` : `${f},`, 'latin1')));
  const rng = new SeededRandom(seed);
  const out = Buffer.allocUnsafe(1 << 23);
  const digits = new Uint8Array(24);
  let written = 0;
  // Writes bytes straight into one buffer (string building here spent most of its time in GC).
  function* generate(): Generator<Buffer> {
    let at = out.write(`${header}\n`, 0, 'latin1');
    while (written < rows) {
      for (let r = 0; r < body.length && written < rows; r++) {
        const v = values[r];
        const t = texts[r];
        for (let j = 0; j < t.length; j++) {
          const x = j < v.length ? v[j] : NaN;
          if (x !== x) {
            at += t[j].copy(out, at);
            continue;
          }
          // ±5 % seeded jitter, rounded: integers stay integers.
          let y = round(x * (1 + (rng.next() - 0.5) * 0.1));
          if (y < 0) {
            out[at++] = 0x2d;
            y = -y;
          }
          let n = 0;
          do {
            digits[n++] = 0x30 + (y % 10);
            y = (y - (y % 10)) / 10;
          } while (y > 0);
          while (n > 0) out[at++] = digits[--n];
          out[at++] = 0x2c;
        }
        written++;
        if (at > out.length - (1 << 16)) {
          yield Buffer.from(out.subarray(0, at));
          at = 0;
        }
      }
    }
    if (at > 0) yield Buffer.from(out.subarray(0, at));
  }
  await pipeline(Readable.from(generate()), createGzip({ level: 1 }), createWriteStream(file));
  return written;
}

/** Child phase (a): gunzip + line split only. */
async function floorPhase(file: string): Promise<PhaseReport> {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const lines = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip()), crlfDelay: Infinity });
  let count = 0;
  for await (const line of lines) if (line.length > 0) count++;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rows: count - 1, seconds, cpuSeconds: cpuSince(cpu), maxRssBytes: peakRssBytes() };
}

/** Child phase (b): ingestDataset into the embedded cloud of the state directory the environment names (the parent runs it). */
async function ingestPhase(file: string): Promise<PhaseReport> {
  const session = await openPlatform();
  try {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const { manifest } = await ingestDataset(session.platform.datasets, { name: `bench-${Date.now().toString(36)}`, sourcePath: file, format: 'cicids2017' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      rows: manifest.rowCount,
      seconds,
      cpuSeconds: cpuSince(cpu),
      maxRssBytes: peakRssBytes(),
      rejected: manifest.rejectedCount,
      chunks: manifest.chunks.length,
    };
  } finally {
    await session.close();
  }
}

function runChild(phase: 'floor' | 'ingest', file: string, env: Readonly<Record<string, string>> = {}): Promise<PhaseReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin', 'run-ts.js'), path.join(ROOT, 'bench', 'ingest.ts'), `--phase=${phase}`, file],
      { cwd: ROOT, env: childEnvironment(env), maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`${phase} phase failed: ${stderr || error.message}`));
        const last = stdout.trim().split('\n').pop() ?? '';
        resolve(JSON.parse(last) as PhaseReport);
      },
    );
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rate = (r: PhaseReport) => r.rows / r.seconds;
const cpuRate = (r: PhaseReport) => r.rows / r.cpuSeconds;

async function main(argv: string[]): Promise<void> {
  const phase = argv.find((a) => a.startsWith('--phase='))?.slice('--phase='.length);
  if (phase !== undefined) {
    const file = argv[argv.length - 1];
    const report = phase === 'floor' ? await floorPhase(file) : await ingestPhase(file);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const rowsArg = argv.indexOf('--rows');
  const rows = rowsArg >= 0 ? Number(argv[rowsArg + 1]) : 2_500_000;
  const keep = argv.includes('--keep');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-bench-ingest-'));
  const file = path.join(dir, 'cicids2017-bench.csv.gz');
  const cloudHome = path.join(dir, 'cloud');
  let session: PlatformSession | undefined;
  try {
    let t = Date.now();
    const written = await buildFile(file, rows, 20_171);
    process.stdout.write(`built ${written} rows (${mb(statSync(file).size)} gzip) in ${((Date.now() - t) / 1000).toFixed(1)} s: ${file}\n`);

    const floor = await runChild('floor', file);
    process.stdout.write(
      `floor  (gunzip + line split): ${floor.rows} rows in ${floor.seconds.toFixed(1)} s = ${rate(floor).toFixed(0)} rows/s, ` +
        `CPU ${floor.cpuSeconds.toFixed(1)} s, peak RSS ${mb(floor.maxRssBytes)}\n`,
    );

    t = Date.now();
    // the parent owns the cloud; the child joins it through the state directory
    const bench = {
      [ENV_KEYS.home]: cloudHome,
      [ENV_KEYS.stage]: 'bench',
      [ENV_KEYS.target]: 'local',
      [ENV_KEYS.dynamodbEndpoint]: '',
      [ENV_KEYS.s3Endpoint]: '',
    };
    session = await openPlatform({ env: childEnvironment(bench) });
    const ingest = await runChild('ingest', file, bench);
    process.stdout.write(
      `ingest (embedded cloud):      ${ingest.rows} rows in ${ingest.seconds.toFixed(1)} s = ${rate(ingest).toFixed(0)} rows/s, ` +
        `CPU ${ingest.cpuSeconds.toFixed(1)} s, peak RSS ${mb(ingest.maxRssBytes)}, ${ingest.chunks} chunks, ${ingest.rejected} rejected\n`,
    );
    process.stdout.write(
      `ratio  ingest / floor throughput: ${(rate(ingest) / rate(floor)).toFixed(3)} (floor is ${(rate(floor) / rate(ingest)).toFixed(1)}x faster)\n`,
    );
    process.stdout.write(
      `ratio  ingest / floor rows per CPU second: ${(cpuRate(ingest) / cpuRate(floor)).toFixed(3)} ` +
        `(the ingest's threads together; on a loaded machine wall times follow its share of the cores)\n`,
    );
    process.stdout.write(
      `load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores\n`,
    );
    if (ingest.rows !== floor.rows) {
      process.stdout.write(`FAIL: ingest stored ${ingest.rows} rows, the file holds ${floor.rows}\n`);
      process.exitCode = 1;
    }
    if (ingest.maxRssBytes >= ONE_GB) {
      process.stdout.write(`FAIL: ingest peak RSS ${mb(ingest.maxRssBytes)} ≥ 1 GB\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write(`OK: ingest peak RSS ${mb(ingest.maxRssBytes)} < 1 GB\n`);
    }
  } finally {
    await session?.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`bench/ingest: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
