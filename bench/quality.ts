// Model quality against the peers on every task and seed (issue 23): the pipeline's trainModel (with
// its validation search at --tune, and optionally with tune 'off' as well) against xgboost hist
// (2 threads, 200 rounds, depth 8, at learning rates 0.3 (its default) and 0.1) and scikit-learn
// RandomForest (200 trees, 2 jobs), all on the same split in the same run: train = the pipeline's
// fit + validation rows, test = its held-out rows (or KDDTest+ for NSL-KDD). The search never sees
// the test rows. Tasks: the three quality tasks, KDD Cup 99 10 % (23 classes, fine labels) and
// "unsw-like", a generic CSV built from KDD Cup 99 at run time in a temporary folder (shaped like
// UNSW-NB15: 10 fine classes, protocol / service / state as text columns, about 58k training rows).
//
//   apt-get install -y python3-xgboost python3-sklearn
//   node bin/run-ts.js bench/quality.ts [--tasks nsl-kdd,unsw-like] [--seeds 42,1,7] [--tune fast] [--compare-off] [--etas 0.3,0.1]
//     [--weighting balanced] (fix the class weighting, as a request's balancing does) [--trace] (print the search's fits) [--no-peers]
//     [--params '{"categoryOrder":"target"}'] (learner parameters laid over every candidate, as a request's params are)
//     [--compare-whole-rounds] (also run the search with every rung at its candidates' whole round caps: the schedule before
//     the first rung's rounds were halved, in the same run) [--whole-rounds] (only that schedule)
//   XDR_PEER_ONEHOT=1 adds xgboost on one-hot categoricals (tasks with text columns: nsl-kdd, kddcup99, unsw-like)
//   OMP_WAIT_POLICY=PASSIVE keeps xgboost's OpenMP threads from spinning when the machine is
//   oversubscribed (the figures in docs/presets.md were taken with it at a load average of ~10).
//
// Benchmarks print figures; they never pass or fail.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { takeLabels, takeRows, type FeatureMatrix, type LabelledData } from '../core/data/table';
import { ingestDataset } from '../core/datasets';
import { MemoryItemTable, MemoryObjectStore } from '../core/datasets/testing/memory-stores';
import { evaluate } from '../core/evaluation';
import { GBDT_FAMILY, type TuneLevel } from '../core/families';
import { alignFeatures, learnerFactoryFor, loadDataset, loadManifest, pipelineParams, pipelineSearch, type ClassSpace } from '../core/pipeline';
import { trainModel, type BalancingMode, type SearchReport } from '../core/training';
import { SeededRandom } from '../core/util/random';
import { datasetPath } from '../test/support/datasets';
import { QUALITY_TASKS } from '../test/quality/tasks';

const PYTHON = '/usr/bin/python3';
const PEER = path.join(__dirname, 'peers', 'xgb_peer.py');

interface BenchTask {
  readonly name: string;
  /** Absolute path of the training file (built at run time for unsw-like). */
  readonly train: () => string;
  readonly test?: string;
  readonly classes: ClassSpace;
  readonly testFraction: number;
  /** Generic-CSV schema (unsw-like). */
  readonly csv?: { readonly labelColumn: string; readonly categorical: readonly string[]; readonly drop: readonly string[] };
}

const KDD99 = 'kddcup99/kddcup99_10percent.csv.gz';

function qualityTask(name: keyof typeof QUALITY_TASKS): BenchTask {
  const t = QUALITY_TASKS[name];
  return { name, train: () => datasetPath(t.train), ...(t.test ? { test: datasetPath(t.test) } : {}), classes: t.classes, testFraction: t.testFraction };
}

let scratch: string | undefined;
function scratchDir(): string {
  scratch ??= mkdtempSync(path.join(os.tmpdir(), 'xdr-quality-'));
  return scratch;
}

/** UNSW-NB15's column names for the KDD Cup 99 columns that have a counterpart; the rest keep theirs. */
const UNSW_NAMES: Readonly<Record<string, string>> = {
  duration: 'dur',
  protocol_type: 'proto',
  service: 'service',
  flag: 'state',
  src_bytes: 'sbytes',
  dst_bytes: 'dbytes',
  count: 'ct_src_ltm',
  srv_count: 'ct_srv_src',
  dst_host_count: 'ct_dst_ltm',
  dst_host_srv_count: 'ct_srv_dst',
};
/** Rows kept of the two big classes (every distinct row of the others): about 82k rows, 57k of them for training. */
const UNSW_CAPS: Readonly<Record<string, number>> = { normal: 45_000, neptune: 31_000 };
/**
 * The 10 classes: KDD Cup 99's seven most frequent distinct-row labels, and three rare ones that
 * overlap normal traffic (guess_passwd, buffer_overflow, warezmaster), as UNSW-NB15's rare
 * Backdoor / Shellcode / Worms classes overlap its others.
 */
const UNSW_LABELS = ['normal', 'neptune', 'back', 'teardrop', 'satan', 'warezclient', 'ipsweep', 'guess_passwd', 'buffer_overflow', 'warezmaster'];

/**
 * Builds the unsw-like CSV from KDD Cup 99 10 %: distinct rows only, 10 fine labels (UNSW_LABELS),
 * the two biggest classes capped (seeded), UNSW-NB15-style header with an `id` column, the
 * label in `attack_cat` and a binary `label` (both dropped or used as UNSW's are). Written to a
 * temporary folder, removed at exit; nothing derived is kept.
 */
function buildUnswLike(): string {
  const file = path.join(scratchDir(), 'unsw_like.csv');
  const lines = gunzipSync(readFileSync(datasetPath(KDD99)))
    .toString('utf8')
    .split('\n');
  const header = lines[0].trim().split(',');
  const labelIndex = header.indexOf('label');
  const seen = new Set<string>();
  const byLabel = new Map<string, string[][]>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || seen.has(line)) continue;
    seen.add(line);
    const fields = line.split(',');
    const label = fields[labelIndex];
    if (!byLabel.has(label)) byLabel.set(label, []);
    (byLabel.get(label) as string[][]).push(fields);
  }
  const top = UNSW_LABELS.map((label) => [label, byLabel.get(label) ?? []] as const);
  const rnd = new SeededRandom(2301);
  const rows: string[][] = [];
  for (const [label, group] of top) {
    const cap = UNSW_CAPS[label] ?? group.length;
    const order = rnd.shuffle(Int32Array.from(group, (_, i) => i));
    for (let i = 0; i < Math.min(cap, group.length); i++) rows.push(group[order[i]]);
  }
  const shuffled = rnd.shuffle(Int32Array.from(rows, (_, i) => i));
  const names = header.filter((_, j) => j !== labelIndex).map((h) => UNSW_NAMES[h] ?? h);
  const out = [['id', ...names, 'attack_cat', 'label'].join(',')];
  shuffled.forEach((r, id) => {
    const fields = rows[r];
    const label = fields[labelIndex];
    out.push([String(id + 1), ...fields.filter((_, j) => j !== labelIndex), label, label === 'normal' ? '0' : '1'].join(','));
  });
  writeFileSync(file, `${out.join('\n')}\n`);
  process.stderr.write(
    `[unsw-like] built ${rows.length} rows, labels ${top.map(([l, g]) => `${l} ${Math.min(UNSW_CAPS[l] ?? g.length, g.length)}`).join(', ')}\n`,
  );
  return file;
}

const TASKS: Readonly<Record<string, BenchTask>> = {
  'cicids2017-improved': qualityTask('cicids2017-improved'),
  cicids2017: qualityTask('cicids2017'),
  'nsl-kdd': qualityTask('nsl-kdd'),
  kddcup99: { name: 'kddcup99', train: () => datasetPath(KDD99), classes: 'fine', testFraction: 0.3 },
  'unsw-like': {
    name: 'unsw-like',
    train: buildUnswLike,
    classes: 'fine',
    testFraction: 0.3,
    csv: { labelColumn: 'attack_cat', categorical: ['proto', 'service', 'state'], drop: ['id', 'label'] },
  },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function loadTask(task: BenchTask): Promise<{ train: LabelledData; test?: { X: FeatureMatrix; y: Int32Array } }> {
  const objects = new MemoryObjectStore('datasets');
  const manifests = new MemoryItemTable('datasets');
  const schema = task.csv ? { format: 'csv' as const, ...task.csv, allowUnmappedLabels: true } : {};
  await ingestDataset({ objects, manifests }, { name: 'train', sourcePath: task.train(), ...schema });
  const { data: train } = await loadDataset(await loadManifest(manifests, 'train'), objects, task.classes);
  if (!task.test) return { train };
  await ingestDataset({ objects, manifests }, { name: 'test', sourcePath: task.test });
  const { data: test } = await loadDataset(await loadManifest(manifests, 'test'), objects, task.classes);
  const toTrain = test.classes.map((c) => train.classes.indexOf(c));
  const keep: number[] = [];
  for (let i = 0; i < test.y.length; i++) if (toTrain[test.y[i]] >= 0) keep.push(i);
  const aligned = alignFeatures(train.schema, test.schema, takeRows(test.X, keep));
  return { train, test: { X: aligned.X, y: Int32Array.from(keep, (i) => toTrain[test.y[i]]) } };
}

interface PeerScores {
  readonly fitSeconds: number;
  /** CPU seconds of the fit, every thread (absent from older peers). */
  readonly cpuSeconds?: number;
  readonly macroF1: number;
  readonly accuracy: number;
}
interface Ours {
  readonly tune: TuneLevel;
  readonly seconds: number;
  /** CPU seconds of trainModel, every thread of the process (worker threads included): steadier than wall time under load. */
  readonly cpuSeconds: number;
  readonly searchSeconds: number;
  /** trainModel's phase timings (ms): where the time goes (search, first fit, mining, refit, ...). */
  readonly timings?: Readonly<Record<string, number>>;
  readonly macroF1: number;
  readonly accuracy: number;
  readonly chosen: string;
  readonly trees: number;
  readonly search?: SearchReport;
}
interface Row {
  readonly task: string;
  readonly seed: number;
  readonly trainRows: number;
  readonly testRows: number;
  readonly classes: number;
  readonly ours: Ours;
  readonly off?: Ours;
  /** The same search with whole round caps at every rung (--compare-whole-rounds). */
  readonly wholeRounds?: Ours;
  readonly xgboost: Readonly<Record<string, PeerScores>>;
  /** xgboost on one-hot categoricals (XDR_PEER_ONEHOT=1, tasks with categorical columns). */
  readonly xgboostOneHot?: Readonly<Record<string, PeerScores>>;
  readonly randomForest: PeerScores;
}

function runOurs(train: LabelledData, task: BenchTask, seed: number, tune: TuneLevel, test?: { X: FeatureMatrix; y: Int32Array }) {
  const K = train.classes.length;
  const weighting = arg('weighting') as BalancingMode | undefined;
  const requested = JSON.parse(arg('params') ?? '{}') as Record<string, number | string | boolean>;
  const planned = pipelineSearch('gbdt', K, requested, tune, weighting);
  // --whole-rounds: every rung runs its candidates' whole round caps (the schedule before rounds were halved)
  const search =
    planned && process.argv.includes('--whole-rounds') ? { ...planned, rungs: planned.rungs.map(({ roundFraction: _whole, ...rung }) => rung) } : planned;
  const t = performance.now();
  const cpu = process.cpuUsage();
  const result = trainModel(train, {
    learnerFactory: learnerFactoryFor('gbdt'),
    params: pipelineParams('gbdt', K, requested),
    refit: GBDT_FAMILY.refit,
    continuation: GBDT_FAMILY.continuation,
    seed,
    testFraction: task.testFraction,
    ...(weighting ? { balancing: { mode: weighting } } : {}),
    ...(search ? { search } : {}),
  });
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const Xte = test ? test.X : takeRows(train.X, result.split.test);
  const yte = test ? test.y : takeLabels(train.y, result.split.test);
  const report = evaluate(yte, result.learner.predictProba(Xte), train.classes);
  const s = result.summary.search;
  const ours: Ours = {
    tune,
    seconds,
    cpuSeconds,
    searchSeconds: result.summary.timings.search / 1000,
    timings: { ...result.summary.timings },
    macroF1: report.macroF1,
    accuracy: report.accuracy,
    chosen: s ? `${s.chosen.candidate}/${s.chosen.weighting}` : 'preset',
    trees: (result.document as unknown as { trees: unknown[] }).trees.length,
    ...(s ? { search: s } : {}),
  };
  return { result, ours, Xte, yte };
}

function writeSplit(
  dir: string,
  Xtr: FeatureMatrix,
  ytr: Int32Array,
  Xte: FeatureMatrix,
  yte: Int32Array,
  classes: number,
  seed: number,
  categorical: readonly { col: number; size: number }[],
): void {
  const raw = (a: Float64Array | Int32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(path.join(dir, 'x_train.f64'), raw(Xtr.data));
  writeFileSync(path.join(dir, 'y_train.i32'), raw(ytr));
  writeFileSync(path.join(dir, 'x_test.f64'), raw(Xte.data));
  writeFileSync(path.join(dir, 'y_test.i32'), raw(yte));
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ cols: Xtr.cols, classes, seed, categorical }));
}

/** Runs our pipeline in a fresh process (cold, as `xdr-ml train` meets it); the child writes the split for the peers when asked. */
function ourRunInChild(task: BenchTask, seed: number, tune: TuneLevel, splitDir: string | null, wholeRounds = process.argv.includes('--whole-rounds')): Ours {
  const args = [path.join(__dirname, '..', 'bin', 'run-ts.js'), __filename, '--child', task.name, String(seed), tune, splitDir ?? '-'];
  for (const flag of ['weighting', 'params']) if (arg(flag)) args.push(`--${flag}`, arg(flag) as string);
  if (wholeRounds) args.push('--whole-rounds');
  const stdout = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as Ours;
}

/** Child process: one pipeline run; prints its figures as one JSON line. */
async function child(name: string, seed: number, tune: TuneLevel, splitDir: string): Promise<void> {
  const task = TASKS[name];
  const { train, test } = await loadTask(task);
  const { result, ours, Xte, yte } = runOurs(train, task, seed, tune, test);
  if (splitDir !== '-') {
    const trainIdx = Int32Array.from([...result.split.train, ...result.split.validation]).sort();
    const categorical = train.schema.features.flatMap((feature, col) => (feature.kind === 'categorical' ? [{ col, size: feature.vocabulary.length }] : []));
    writeSplit(splitDir, takeRows(train.X, trainIdx), takeLabels(train.y, trainIdx), Xte, yte, train.classes.length, seed, categorical);
  }
  process.stdout.write(
    `${JSON.stringify({ ...ours, trainRows: result.split.train.length + result.split.validation.length, testRows: yte.length, classes: train.classes.length })}\n`,
  );
}

async function runTask(task: BenchTask, seeds: readonly number[], tune: TuneLevel, compareOff: boolean, etas: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const seed of seeds) {
    const dir = mkdtempSync(path.join(scratchDir(), 'split-'));
    try {
      process.stderr.write(`[${task.name} seed ${seed}] pipeline, tune ${tune}\n`);
      const ours = ourRunInChild(task, seed, tune, dir) as Ours & { trainRows: number; testRows: number; classes: number };
      process.stderr.write(
        `[${task.name} seed ${seed}]   ${ours.seconds.toFixed(1)} s (CPU ${ours.cpuSeconds.toFixed(1)} s), macro-F1 ${ours.macroF1.toFixed(4)}, chose ${ours.chosen}\n`,
      );
      if (process.argv.includes('--trace')) {
        const phases = Object.entries(ours.timings ?? {}).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`);
        process.stderr.write(`    phases (wall): ${phases.join(', ')}\n`);
      }
      if (process.argv.includes('--trace')) for (const t of ours.search?.trials ?? []) process.stderr.write(`    ${JSON.stringify(t)}\n`);
      let off: Ours | undefined;
      if (compareOff && tune !== 'off') {
        off = ourRunInChild(task, seed, 'off', null);
        process.stderr.write(
          `[${task.name} seed ${seed}]   tune off: ${off.seconds.toFixed(1)} s (CPU ${off.cpuSeconds.toFixed(1)} s), macro-F1 ${off.macroF1.toFixed(4)}\n`,
        );
      }
      let wholeRounds: Ours | undefined;
      if (process.argv.includes('--compare-whole-rounds') && tune !== 'off') {
        wholeRounds = ourRunInChild(task, seed, tune, null, true);
        process.stderr.write(
          `[${task.name} seed ${seed}]   whole rounds: ${wholeRounds.seconds.toFixed(1)} s (CPU ${wholeRounds.cpuSeconds.toFixed(1)} s), macro-F1 ${wholeRounds.macroF1.toFixed(4)}, chose ${wholeRounds.chosen}\n`,
        );
      }
      const base = {
        task: task.name,
        seed,
        trainRows: ours.trainRows,
        testRows: ours.testRows,
        classes: ours.classes,
        ours,
        ...(off ? { off } : {}),
        ...(wholeRounds ? { wholeRounds } : {}),
      };
      if (process.argv.includes('--no-peers')) {
        rows.push({ ...base, xgboost: {}, randomForest: { fitSeconds: NaN, macroF1: NaN, accuracy: NaN } });
        continue;
      }
      process.stderr.write(`[${task.name} seed ${seed}] peers: xgboost (eta ${etas}), RandomForest\n`);
      const peer = JSON.parse(
        execFileSync(PYTHON, [PEER, 'quality', dir, etas], { encoding: 'utf8', maxBuffer: 1 << 24 })
          .trim()
          .split('\n')
          .pop() as string,
      ) as { xgboost: Record<string, PeerScores>; xgboostOneHot?: Record<string, PeerScores>; randomForest: PeerScores };
      process.stderr.write(
        `[${task.name} seed ${seed}]   ${Object.entries(peer.xgboost)
          .map(([e, x]) => `xgboost ${e}: ${x.fitSeconds.toFixed(1)} s (CPU ${(x.cpuSeconds ?? NaN).toFixed(1)} s), ${x.macroF1.toFixed(4)}`)
          .join(
            '; ',
          )}; RF ${peer.randomForest.fitSeconds.toFixed(1)} s (CPU ${(peer.randomForest.cpuSeconds ?? NaN).toFixed(1)} s), ${peer.randomForest.macroF1.toFixed(4)}${Object.entries(
          peer.xgboostOneHot ?? {},
        )
          .map(([e, x]) => `; xgboost one-hot ${e}: ${x.fitSeconds.toFixed(1)} s, ${x.macroF1.toFixed(4)}`)
          .join('')}\n`,
      );
      rows.push({ ...base, ...peer });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

const f = (x: number, d = 3): string => x.toFixed(d);

async function main(): Promise<void> {
  const c = process.argv.indexOf('--child');
  if (c >= 0) {
    const [name, seed, tune, dir] = process.argv.slice(c + 1, c + 5);
    try {
      return await child(name, Number(seed), tune as TuneLevel, dir);
    } finally {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
  }
  const names = (arg('tasks') ?? Object.keys(TASKS).join(',')).split(',');
  const seeds = (arg('seeds') ?? '42,1,7').split(',').map(Number);
  const tune = (arg('tune') ?? 'fast') as TuneLevel;
  const compareOff = process.argv.includes('--compare-off');
  const etas = arg('etas') ?? '0.3,0.1';
  const rows: Row[] = [];
  try {
    for (const name of names) {
      const task = TASKS[name];
      if (!task) throw new Error(`unknown task ${name} (one of ${Object.keys(TASKS).join(', ')})`);
      rows.push(...(await runTask(task, seeds, tune, compareOff, etas)));
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  const out = process.stdout;
  const etaList = etas.split(',');
  out.write(`\ntune ${tune}; xgboost hist depth 8, 200 rounds, 2 threads at eta ${etas}; RandomForest 200 trees, 2 jobs; one run each, same split\n`);
  out.write(
    `task                | seed | ours F1 | ${compareOff ? 'off F1 | ' : ''}${etaList.map((e) => `xgb ${e} F1`.padStart(11)).join(' | ')} | RF F1  | ours s | ${compareOff ? 'off s | ' : ''}${etaList.map((e) => `xgb ${e} s`.padStart(9)).join(' | ')} | RF s  | ours/best-xgb s | CPU: ours/xgb${compareOff ? ', fast/off' : ''} | chosen\n`,
  );
  for (const r of rows) {
    const xs = etaList.map((e) => r.xgboost[String(Number(e))] ?? { fitSeconds: NaN, macroF1: NaN, accuracy: NaN });
    const fastest = Math.min(...xs.map((x) => x.fitSeconds));
    const leastCpu = Math.min(...xs.map((x) => x.cpuSeconds ?? NaN));
    const cpuRatios = `${f(r.ours.cpuSeconds / leastCpu, 2)}${r.off ? `, ${f(r.ours.cpuSeconds / r.off.cpuSeconds, 2)}` : ''}${
      r.wholeRounds ? `, whole rounds ${f(r.wholeRounds.macroF1, 4)} at CPU ${f(r.wholeRounds.cpuSeconds / leastCpu, 2)}` : ''
    }`;
    out.write(
      `${r.task.padEnd(19)} | ${String(r.seed).padStart(4)} | ${f(r.ours.macroF1, 4)}  | ${r.off ? `${f(r.off.macroF1, 4)} | ` : ''}${xs.map((x) => f(x.macroF1, 4).padStart(11)).join(' | ')} | ${f(r.randomForest.macroF1, 4)} | ${f(r.ours.seconds, 1).padStart(6)} | ${r.off ? `${f(r.off.seconds, 1).padStart(5)} | ` : ''}${xs.map((x) => f(x.fitSeconds, 1).padStart(9)).join(' | ')} | ${f(r.randomForest.fitSeconds, 1).padStart(5)} | ${f(r.ours.seconds / fastest, 2).padStart(15)} | ${cpuRatios.padStart(13)} | ${r.ours.chosen} (search ${f(r.ours.searchSeconds, 1)} s)\n`,
    );
  }
  out.write(`\n${JSON.stringify(rows)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
