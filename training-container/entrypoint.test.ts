// Runs the training container's entrypoint as a child process against temporary directories laid
// out as SageMaker lays them: a real (tiny, seeded) dataset ingested to Parquet chunks + manifest.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ingestDataset } from '../core/datasets';
import { MemoryItemTable, MemoryObjectStore } from '../core/datasets/testing/memory-stores';
import { sha256Hex } from '../core/artefacts/bundle';
import { SeededRandom } from '../core/util/random';
import { readOnnxMetadata } from '../core/onnx/testing/onnx-metadata';
import { buildTrainingImage } from './build-image';
import { parseHyperparameters } from './sagemaker-contract';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

/** A seeded 3-class flow table: classes separable by rate and count, with a categorical protocol. */
function toyCsv(rows: number, seed: number): string {
  const rnd = new SeededRandom(seed);
  const labels = ['BENIGN', 'DoS Hulk', 'PortScan'];
  const lines = ['proto,rate,count,bytes,Label'];
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    const proto = ['tcp', 'udp', 'icmp'][c === 2 ? 0 : Math.floor(rnd.next() * 3)];
    lines.push(`${proto},${(c * 5 + rnd.next() * 4).toFixed(3)},${Math.floor(c * 10 + rnd.next() * 8)},${Math.floor(rnd.next() * 5000)},${labels[c]}`);
  }
  return lines.join('\n');
}

async function sagemakerLayout(hyperparameters: Record<string, string>): Promise<string> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'opt-ml-'));
  const csv = path.join(base, 'toy.csv');
  writeFileSync(csv, toyCsv(600, 11));
  const objects = new MemoryObjectStore('datasets');
  const manifests = new MemoryItemTable('datasets', 'name', 'version');
  const { manifest } = await ingestDataset(
    { objects, manifests },
    { name: 'toy', sourcePath: csv, format: 'csv', labelColumn: 'Label', categorical: ['proto'], chunkRows: 250 },
  );
  rmSync(csv);
  mkdirSync(path.join(base, 'input', 'config'), { recursive: true });
  mkdirSync(path.join(base, 'input', 'data', 'training'), { recursive: true });
  mkdirSync(path.join(base, 'input', 'data', 'manifest'), { recursive: true });
  writeFileSync(path.join(base, 'input', 'config', 'hyperparameters.json'), JSON.stringify(hyperparameters));
  // SageMaker copies the S3 prefix datasets/toy/ into the channel, keeping names below the prefix.
  for (const chunk of manifest.chunks) writeFileSync(path.join(base, 'input', 'data', 'training', path.basename(chunk.key)), await objects.get(chunk.key));
  writeFileSync(path.join(base, 'input', 'data', 'manifest', `v${manifest.version}.json`), JSON.stringify(manifest));
  return base;
}

async function entrypoint(
  base: string,
  env: NodeJS.ProcessEnv = process.env,
  command: string[] = ['bin/run-ts.js', 'training-container/entrypoint.ts'],
): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [...command, '--base-dir', base], {
      cwd: ROOT,
      timeout: 120_000,
      env,
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '' };
  }
}

const GOOD = {
  model: 'toy-model',
  algorithm: 'gbdt',
  classes: 'fine',
  seed: '5',
  dataset: 'toy',
  dataset_version: '1',
  job_id: 'train-abc',
  'param.nRounds': '15',
  'param.maxDepth': '3',
};

describe('training container entrypoint (SageMaker contract)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('trains, writes the bundle and registration.json to /opt/ml/model and prints metric lines', async () => {
    const base = await sagemakerLayout(GOOD);
    dirs.push(base);

    const { code, stdout } = await entrypoint(base);

    expect(code).toBe(0);
    const registration = JSON.parse(readFileSync(path.join(base, 'model', 'registration.json'), 'utf8'));
    expect(registration).toMatchObject({
      model: 'toy-model',
      algorithm: 'gbdt',
      trainingJobId: 'train-abc',
      dataset: { name: 'toy', version: 1 },
      classes: ['BENIGN', 'DoS Hulk', 'PortScan'],
    });
    // The registered model is the pipeline's refit on training + validation rows (rounds scaled to the rows).
    expect(registration.hyperparameters).toMatchObject({ maxDepth: 3, earlyStoppingRounds: 0 });
    expect(Number.isInteger(registration.hyperparameters.nRounds) && registration.hyperparameters.nRounds > 0).toBe(true);
    for (const role of ['onnx', 'model', 'summary', 'reference', 'explanations']) {
      const ref = registration.artefacts[role];
      const bytes = readFileSync(path.join(base, 'model', ref.key));
      expect(sha256Hex(bytes)).toBe(ref.sha256);
    }
    const macroF1 = Number(/metric: macro_f1=([-+0-9.eE]+);/.exec(stdout)?.[1]);
    expect(macroF1).toBeGreaterThan(0.9); // the toy classes are separable
    expect(macroF1).toBeCloseTo(registration.metrics.macroF1, 10);
    expect(stdout).toMatch(/metric: train_seconds=[0-9.]+;/);
    expect(existsSync(path.join(base, 'output', 'failure'))).toBe(false);
    // by default model.onnx serves runs of trees merged under the 4,096-node cap
    const trees = JSON.parse(readFileSync(path.join(base, 'model', registration.artefacts.model.key), 'utf8')).trees.length;
    const metadata = readOnnxMetadata(readFileSync(path.join(base, 'model', registration.artefacts.onnx.key)));
    expect(metadata.mergeMaxNodes).toBe('4096');
    expect(Number(metadata.servedTrees)).toBeLessThan(trees);
  }, 120_000);

  it("exports model.onnx as the platform's ONNX settings in its environment say, and fails naming a bad one", async () => {
    const base = await sagemakerLayout(GOOD);
    dirs.push(base);

    const { code } = await entrypoint(base, { ...process.env, XDR_ML_ONNX_MERGE_BUDGET_BYTES: '0' });

    expect(code).toBe(0);
    const registration = JSON.parse(readFileSync(path.join(base, 'model', 'registration.json'), 'utf8'));
    const model = JSON.parse(readFileSync(path.join(base, 'model', registration.artefacts.model.key), 'utf8'));
    const metadata = readOnnxMetadata(readFileSync(path.join(base, 'model', registration.artefacts.onnx.key)));
    // budget 0: the document's own trees, unmerged
    expect(metadata).toMatchObject({ mergeMaxNodes: '0', servedTrees: String(model.trees.length) });

    const bad = await sagemakerLayout(GOOD);
    dirs.push(bad);
    const failed = await entrypoint(bad, { ...process.env, XDR_ML_ONNX_MERGE_MAX_NODES: 'lots' });
    expect(failed.code).not.toBe(0);
    expect(readFileSync(path.join(bad, 'output', 'failure'), 'utf8')).toMatch(/XDR_ML_ONNX_MERGE_MAX_NODES \(onnxMergeMaxNodes\) must be a whole number/);
    expect(existsSync(path.join(bad, 'model', 'registration.json'))).toBe(false);
  }, 120_000);

  it('fails with a non-zero exit and a failure file naming a bad hyperparameter', async () => {
    const base = await sagemakerLayout({ ...GOOD, seed: 'forty-two' });
    dirs.push(base);

    const { code } = await entrypoint(base);

    expect(code).not.toBe(0);
    expect(readFileSync(path.join(base, 'output', 'failure'), 'utf8')).toMatch(/hyperparameter "seed" must be an integer \(got "forty-two"\)/);
    expect(existsSync(path.join(base, 'model', 'registration.json'))).toBe(false);
  }, 60_000);

  it('mode=ensemble fails naming what is missing: the members channel, or the mode an ensemble needs', async () => {
    const noMembers = await sagemakerLayout({ ...GOOD, algorithm: 'ensemble', mode: 'ensemble', members: 'toy-model@1,toy-model@2' });
    const wrongMode = await sagemakerLayout({ ...GOOD, algorithm: 'ensemble' });
    const extrasInTraining = await sagemakerLayout({ ...GOOD, extra_members: '2' });
    dirs.push(noMembers, wrongMode, extrasInTraining);

    expect((await entrypoint(noMembers)).code).not.toBe(0);
    expect((await entrypoint(wrongMode)).code).not.toBe(0);
    expect((await entrypoint(extrasInTraining)).code).not.toBe(0);

    expect(readFileSync(path.join(noMembers, 'output', 'failure'), 'utf8')).toMatch(/mode=ensemble needs the parent channel's members\.json/);
    expect(readFileSync(path.join(wrongMode, 'output', 'failure'), 'utf8')).toMatch(/algorithm "ensemble" is built by mode=ensemble only/);
    expect(readFileSync(path.join(extrasInTraining, 'output', 'failure'), 'utf8')).toMatch(/extra_members is for mode=ensemble only/);
    expect(existsSync(path.join(noMembers, 'model', 'registration.json'))).toBe(false);
  }, 60_000);
});

describe('the training image bundle (training-container/build-image.ts, what the Dockerfiles run)', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'training-image-'));
  let packages: Record<string, string>;
  beforeAll(async () => {
    packages = await buildTrainingImage(out);
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('holds exactly the packages training imports: the AWS SDK clients, Parquet and zod', () => {
    const names = Object.keys(packages);
    // the AWS SDK's own closure (clients, credential providers, smithy runtime) …
    const aws = names.filter((n) => /^@(aws-sdk|smithy|aws-crypto|aws)\//.test(n));
    expect(aws).toEqual(expect.arrayContaining(['@aws-sdk/client-s3', '@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']));
    // … and everything else, listed: what the image's production dependency closure is
    expect(names.filter((n) => !aws.includes(n))).toEqual(['bowser', 'hyparquet', 'hyparquet-writer', 'mnemonist', 'obliterator', 'zod']);
    for (const absent of ['onnxruntime-node', 'dynalite', 's3rver', 'busboy', 'dicer', 'esbuild', 'tsx', 'commander', '@middy/core'])
      expect(names).not.toContain(absent);
    expect(JSON.parse(readFileSync(path.join(out, 'dependencies.json'), 'utf8'))).toEqual(packages);
  });

  it('trains like the source entrypoint, with its helper threads beside it', async () => {
    const base = await sagemakerLayout({ ...GOOD, 'param.threads': '2' });
    try {
      const { code, stdout } = await entrypoint(base, process.env, [path.join(out, 'entrypoint.js')]);
      expect(code).toBe(0);
      expect(existsSync(path.join(out, 'class-tree-worker.js')) && existsSync(path.join(out, 'multi-output-worker.js'))).toBe(true);
      const registration = JSON.parse(readFileSync(path.join(base, 'model', 'registration.json'), 'utf8'));
      expect(registration).toMatchObject({ model: 'toy-model', algorithm: 'gbdt', classes: ['BENIGN', 'DoS Hulk', 'PortScan'] });
      expect(Number(/metric: macro_f1=([-+0-9.eE]+);/.exec(stdout)?.[1])).toBeGreaterThan(0.9);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('parseHyperparameters', () => {
  it('turns the string values into typed settings and learner parameters', () => {
    expect(parseHyperparameters({ ...GOOD, 'param.learningRate': '0.05', 'param.earlyStopping': 'false' })).toMatchObject({
      seed: 5,
      datasetVersion: 1,
      params: { nRounds: 15, maxDepth: 3, learningRate: 0.05, earlyStopping: false },
    });
  });
  it('reads the validation search level, and names a bad one', () => {
    expect(parseHyperparameters({ ...GOOD, tune: 'fast' })).toMatchObject({ tune: 'fast' });
    expect(parseHyperparameters(GOOD).tune).toBeUndefined();
    expect(() => parseHyperparameters({ ...GOOD, tune: 'quick' })).toThrow(/hyperparameter "tune"/);
  });
  it('rejects non-string values and unknown keys', () => {
    expect(() => parseHyperparameters({ ...GOOD, seed: 5 })).toThrow(/"seed" must be a string/);
    expect(() => parseHyperparameters({ ...GOOD, rounds: '5' })).toThrow(/unknown hyperparameter "rounds"/);
    expect(() => parseHyperparameters({ ...GOOD, algorithm: 'xgboost' })).toThrow(/"algorithm"/);
    expect(() => parseHyperparameters({ ...GOOD, mode: 'ensemble', members: 'toy-model' })).toThrow(/"members" must be model@version/);
    expect(() => parseHyperparameters({ ...GOOD, mode: 'ensemble', method: 'vote' })).toThrow(/"method"/);
    expect(() => parseHyperparameters({ ...GOOD, mode: 'ensemble', extra_members: '0' })).toThrow(/"extra_members" must be at least 1/);
    expect(() => parseHyperparameters({ ...GOOD, mode: 'ensemble', extra_members: '4' })).toThrow(/"extra_members" must be at most 3/);
    expect(() => parseHyperparameters({ ...GOOD, mode: 'ensemble', extra_members: 'two' })).toThrow(/"extra_members" must be an integer/);
  });
  it('reads an ensemble job: its members and method', () => {
    expect(parseHyperparameters({ ...GOOD, algorithm: 'ensemble', mode: 'ensemble', members: 'toy-model@1,other@3', method: 'weights' })).toMatchObject({
      mode: 'ensemble',
      members: [
        { model: 'toy-model', version: 1 },
        { model: 'other', version: 3 },
      ],
      method: 'weights',
    });
    expect(parseHyperparameters({ ...GOOD, algorithm: 'ensemble', mode: 'ensemble', members: 'toy-model@1', extra_members: '2' })).toMatchObject({
      members: [{ model: 'toy-model', version: 1 }],
      extraMembers: 2,
    });
  });
});
