// Inference benchmark: predict latency p50 / p99 for one flow and rows/s for batches of 1,000
// through the predict handler (validation, alias cache, onnxruntime, prediction log, telemetry),
// next to the floor measured in the same run — raw onnxruntime-node session.run on the same model
// with pre-built tensors — and the cold path (alias lookup + artefact load + sha256 + session).
//
//   node bin/run-ts.js bench/predict.ts [--requests 300] [--batches 20]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession } from 'onnxruntime-node';
import { assignEnvironment } from '../config/environment';
import { ingestDataset } from '../core/datasets/ingest';
import { buildOnnxFeeds } from '../core/onnx/session-feeds';
import { loadDataset, loadManifest, runTrainingJob } from '../core/pipeline';
import { invokeHttp, type HttpLambda } from '../local/api-gateway-event';
import { flowsOf } from '../local/example-flows';
import { composePlatform, installProcessPlatform, openPlatform } from '../platform';
import { datasetPath } from '../test/support/datasets';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const REQUESTS = arg('requests', 300);
const BATCHES = arg('batches', 20);
const BATCH = 1000;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-bench-predict-'));
  assignEnvironment({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  const session = await openPlatform({ overrides: { target: 'local', home, stage: 'bench', dynamodbEndpoint: undefined, s3Endpoint: undefined } });
  const { platform } = session;
  installProcessPlatform(platform); // the predict handler module serves from it
  try {
    const { stores, registry } = platform;
    await ingestDataset(platform.datasets, { name: 'bench-nsl', sourcePath: datasetPath('nsl_kdd/KDDTest+.txt') });
    const job = await runTrainingJob(platform.trainingJobDeps(), {
      dataset: 'bench-nsl',
      model: 'bench',
      algorithm: 'gbdt',
      classes: 'kdd-category',
      seed: 1,
      author: 'bench',
    });
    await registry.deploy('bench', job.version, { actor: 'bench', thresholds: { minMacroF1: 0, maxRecallDrop: 1 } });
    const dataset = await loadDataset(await loadManifest(stores.tables.datasets, 'bench-nsl'), stores.buckets.datasets, 'kdd-category');
    const rows = Array.from({ length: dataset.data.X.rows }, (_, i) => i);
    const flows = flowsOf(dataset.data, rows);
    const version = await registry.getVersion('bench', job.version);
    const onnxBytes = await stores.buckets.artefacts.get(version.artefacts.onnx.key);
    const trees = (JSON.parse(Buffer.from(await stores.buckets.artefacts.get(version.artefacts.model.key)).toString()) as { trees: unknown[] }).trees.length;
    console.log(
      `model: NSL-KDD KDDTest+ gbdt v${job.version}, ${trees} trees, ${dataset.data.schema.features.length} features, ${dataset.data.classes.length} classes; onnx ${(onnxBytes.length / 1024).toFixed(0)} KiB`,
    );

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require('../functions/predict/handler') as { handler: HttpLambda };
    const call = async (body: unknown) => {
      const r = await invokeHttp(handler, { method: 'POST', path: '/api/ml/predict', body });
      if (r.status !== 200) throw new Error(`predict answered ${r.status}: ${JSON.stringify(r.body)}`);
    };
    await call({ model: 'bench', flows: flows.slice(0, 10) }); // warm: alias + session

    const single: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t = performance.now();
      await call({ model: 'bench', flows: [flows[i % flows.length]] });
      single.push(performance.now() - t);
    }
    let t0 = performance.now();
    for (let b = 0; b < BATCHES; b++)
      await call({ model: 'bench', flows: flows.slice((b * BATCH) % (flows.length - BATCH), ((b * BATCH) % (flows.length - BATCH)) + BATCH) });
    const handlerRowsPerSec = (BATCHES * BATCH) / ((performance.now() - t0) / 1000);

    const onnxSession = await InferenceSession.create(Buffer.from(onnxBytes));
    const schema = dataset.data.schema;
    const singleFeeds = flows.slice(0, REQUESTS).map((f) => buildOnnxFeeds(schema, [f]));
    const rawSingle: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t = performance.now();
      await onnxSession.run(singleFeeds[i]);
      rawSingle.push(performance.now() - t);
    }
    const batchFeeds = Array.from({ length: BATCHES }, (_, b) =>
      buildOnnxFeeds(schema, flows.slice((b * BATCH) % (flows.length - BATCH), ((b * BATCH) % (flows.length - BATCH)) + BATCH)),
    );
    t0 = performance.now();
    for (const feeds of batchFeeds) await onnxSession.run(feeds);
    const rawRowsPerSec = (BATCHES * BATCH) / ((performance.now() - t0) / 1000);

    const cold: number[] = [];
    for (let i = 0; i < 5; i++) {
      const fresh = composePlatform(session.config, { events: platform.events }); // a new process's platform: nothing loaded yet
      const server = fresh.modelServer;
      const t = performance.now();
      await server.predict({ model: 'bench', flows: [flows[i]] });
      cold.push(performance.now() - t);
      fresh.close();
    }

    single.sort((a, b) => a - b);
    rawSingle.sort((a, b) => a - b);
    cold.sort((a, b) => a - b);
    const f = (x: number) => x.toFixed(2);
    console.log('');
    console.log('| measure | predict handler | floor: raw session.run | handler / floor |');
    console.log('|---|---:|---:|---:|');
    console.log(
      `| 1 flow p50 (ms) | ${f(quantile(single, 0.5))} | ${f(quantile(rawSingle, 0.5))} | ${(quantile(single, 0.5) / quantile(rawSingle, 0.5)).toFixed(1)}x |`,
    );
    console.log(
      `| 1 flow p99 (ms) | ${f(quantile(single, 0.99))} | ${f(quantile(rawSingle, 0.99))} | ${(quantile(single, 0.99) / quantile(rawSingle, 0.99)).toFixed(1)}x |`,
    );
    console.log(
      `| batch of ${BATCH} (rows/s) | ${handlerRowsPerSec.toFixed(0)} | ${rawRowsPerSec.toFixed(0)} | ${(handlerRowsPerSec / rawRowsPerSec).toFixed(2)} |`,
    );
    console.log(`| cold path p50 (ms): alias + load + sha256 + session + first predict | ${f(quantile(cold, 0.5))} | | |`);
    console.log(
      `\n${REQUESTS} single-flow requests, ${BATCHES} batches; the handler's figure includes JSON parsing, validation, the prediction log (DynamoDB) and the telemetry sample (S3) on the embedded cloud.`,
    );
    await onnxSession.release();
  } finally {
    await session.close();
    rmSync(home, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
