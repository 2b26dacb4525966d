// Inference benchmark: predict latency p50 / p99 for one flow and rows/s for batches of 1,000
// through the predict handler (validation, alias cache, onnxruntime, prediction log, telemetry),
// next to the floor measured in the same run — raw onnxruntime-node session.run on the same model
// with pre-built tensors — and the cold path (alias lookup + artefact load + sha256 + session).
//
//   node bin/run-ts.js bench/predict.ts [--requests 300] [--batches 20]
import './quiet-observability'; // first: Powertools reads its settings when the handler modules load
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession } from 'onnxruntime-node';
import { sha256Hex } from '../core/artefacts/bundle';
import { COLD_SESSION_OPTIONS } from '../core/serving/onnx-session';
import { ingestDataset } from '../core/datasets/ingest';
import { buildOnnxFeeds } from '../core/onnx/session-feeds';
import { loadDataset, loadManifest, runTrainingJob } from '../core/pipeline';
import { apiGatewayEvent, lambdaContext, type HttpLambda } from '../local/api-gateway-event';
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
  const session = await openPlatform({ overrides: { target: 'local', home, stage: 'bench', dynamodbEndpoint: undefined, s3Endpoint: undefined } });
  const { platform } = session;
  // the predict handler module serves from the platform measure() installs
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

    // The handler as Lambda runs it (every write, telemetry included, before the response), then as
    // the local server runs it (telemetry buffered up to its time bound; records and counters still
    // stored before the response).
    const handlerPath = require.resolve('../functions/predict/handler');
    const measure = async (target: typeof platform) => {
      installProcessPlatform(target);
      delete require.cache[handlerPath];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { handler } = require(handlerPath) as { handler: HttpLambda };
      // The event is built (and its body serialised) before the clock starts: that is the caller's
      // and the Lambda runtime's work, not the handler's. Parsing the answer is the caller's too.
      const context = lambdaContext('predict');
      const event = (body: unknown) => apiGatewayEvent({ method: 'POST', path: '/api/ml/predict', body: JSON.stringify(body) });
      const run = async (e: ReturnType<typeof event>) => {
        const r = (await handler(e, context)) as { statusCode?: number; body?: string };
        if (r.statusCode !== 200) throw new Error(`predict answered ${r.statusCode}: ${r.body}`);
      };
      const call = (body: unknown) => run(event(body));
      for (let i = 0; i < 20; i++) await call({ model: 'bench', flows: flows.slice(i, i + 10) }); // warm: alias + session + JIT
      const single: number[] = [];
      // CPU time of this process (handler, dynalite and s3rver all run here) per request: on a shared
      // machine wall time mostly measures the wait for a core, CPU time what the work costs.
      const cpu = () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
      const singles = Array.from({ length: REQUESTS }, (_, i) => event({ model: 'bench', flows: [flows[i % flows.length]] }));
      const c0 = cpu();
      for (const e of singles) {
        const t = performance.now();
        await run(e);
        single.push(performance.now() - t);
      }
      const singleCpuMs = (cpu() - c0) / singles.length;
      const batches = Array.from({ length: BATCHES }, (_, b) =>
        event({ model: 'bench', flows: flows.slice((b * BATCH) % (flows.length - BATCH), ((b * BATCH) % (flows.length - BATCH)) + BATCH) }),
      );
      const t0 = performance.now();
      const c1 = cpu();
      for (const e of batches) await run(e);
      const rowsPerSec = (BATCHES * BATCH) / ((performance.now() - t0) / 1000);
      const batchCpuMs = (cpu() - c1) / batches.length;
      await target.flush();
      return { single: single.sort((a, b) => a - b), rowsPerSec, singleCpuMs, batchCpuMs };
    };
    const lambda = await measure(platform);
    const buffered = composePlatform(session.config, { events: platform.events, bufferTelemetry: { onError: (e) => console.error(e) } });
    const server = await measure(buffered);
    installProcessPlatform(platform);

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
    const t0 = performance.now();
    for (const feeds of batchFeeds) await onnxSession.run(feeds);
    const rawRowsPerSec = (BATCHES * BATCH) / ((performance.now() - t0) / 1000);

    const cold: number[] = [];
    const clientsFirstUse: number[] = [];
    const coldWarmClients: number[] = [];
    for (let i = 0; i < 10; i++) {
      const fresh = composePlatform(session.config, { events: platform.events }); // a new process's platform: nothing loaded yet
      const server = fresh.modelServer;
      if (i % 2 === 0) {
        const t = performance.now();
        await server.predict({ model: 'bench', flows: [flows[i]] });
        cold.push(performance.now() - t);
      } else {
        // the same, with the fresh SDK clients' first request (connections, endpoint resolution) paid first
        let t = performance.now();
        await Promise.all([fresh.registry.isQuarantined('bench', 0), fresh.stores.buckets.artefacts.exists('none')]);
        clientsFirstUse.push(performance.now() - t);
        t = performance.now();
        await server.predict({ model: 'bench', flows: [flows[i]] });
        coldWarmClients.push(performance.now() - t);
      }
      fresh.close();
    }

    // The cold path part by part (each step as a fresh process does it), and session creation with
    // each candidate set of options, interleaved so load drift hits every variant alike.
    const parts: Record<string, number[]> = {
      alias: [],
      quarantine: [],
      version: [],
      fetch: [],
      sha256: [],
      'parse model.json': [],
      session: [],
      'first predict': [],
    };
    let modelJsonBytes = 0;
    const variants: Record<string, InferenceSession.SessionOptions> = {
      "sequential, 'all' (serving's)": COLD_SESSION_OPTIONS,
      '+ 1 intra-op, 1 inter-op thread': { ...COLD_SESSION_OPTIONS, intraOpNumThreads: 1, interOpNumThreads: 1 },
      '+ no CPU arena, no memory pattern': { ...COLD_SESSION_OPTIONS, enableCpuMemArena: false, enableMemPattern: false },
      "'basic'": { ...COLD_SESSION_OPTIONS, graphOptimizationLevel: 'basic' },
      "'disabled'": { ...COLD_SESSION_OPTIONS, graphOptimizationLevel: 'disabled' },
    };
    const created: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    const singleFeed = buildOnnxFeeds(dataset.data.schema, [flows[0]]);
    for (let i = 0; i < 9; i++) {
      const lap = (name: string, t: number) => parts[name].push(performance.now() - t);
      let t = performance.now();
      const ref = await registry.resolveAlias('bench', 'production');
      lap('alias', t);
      t = performance.now();
      await registry.isQuarantined('bench', ref!.version);
      lap('quarantine', t);
      t = performance.now();
      const v = await registry.getVersion('bench', ref!.version);
      lap('version', t);
      t = performance.now();
      const [bytes, modelJson] = await Promise.all((['onnx', 'model', 'summary'] as const).map((role) => stores.buckets.artefacts.get(v.artefacts[role].key)));
      lap('fetch', t);
      t = performance.now();
      JSON.parse(Buffer.from(modelJson).toString('utf8'));
      lap('parse model.json', t);
      modelJsonBytes = modelJson.length;
      t = performance.now();
      sha256Hex(bytes);
      lap('sha256', t);
      t = performance.now();
      const s = await InferenceSession.create(bytes, COLD_SESSION_OPTIONS);
      lap('session', t);
      t = performance.now();
      await s.run(singleFeed);
      lap('first predict', t);
      await s.release();
      for (const [name, options] of Object.entries(variants)) {
        t = performance.now();
        const x = await InferenceSession.create(bytes, options);
        created[name].push(performance.now() - t);
        await x.release();
      }
    }

    rawSingle.sort((a, b) => a - b);
    cold.sort((a, b) => a - b);
    const f = (x: number) => x.toFixed(2);
    const p50 = quantile(rawSingle, 0.5);
    const p99 = quantile(rawSingle, 0.99);
    console.log('');
    console.log(
      '| measure | handler, Lambda (all writes before the response) | handler, server (telemetry buffered) | floor: raw session.run | Lambda / floor | server / floor |',
    );
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const [name, q, floor] of [
      ['1 flow p50 (ms)', 0.5, p50],
      ['1 flow p99 (ms)', 0.99, p99],
    ] as const) {
      const l = quantile(lambda.single, q);
      const sv = quantile(server.single, q);
      console.log(`| ${name} | ${f(l)} | ${f(sv)} | ${f(floor)} | ${(l / floor).toFixed(1)}x | ${(sv / floor).toFixed(1)}x |`);
    }
    console.log(
      `| batch of ${BATCH} (rows/s) | ${lambda.rowsPerSec.toFixed(0)} | ${server.rowsPerSec.toFixed(0)} | ${rawRowsPerSec.toFixed(0)} | ${(lambda.rowsPerSec / rawRowsPerSec).toFixed(2)} | ${(server.rowsPerSec / rawRowsPerSec).toFixed(2)} |`,
    );
    console.log(`| CPU per 1-flow request (ms, this process) | ${f(lambda.singleCpuMs)} | ${f(server.singleCpuMs)} | | | |`);
    console.log(`| CPU per 1,000-flow request (ms, this process) | ${f(lambda.batchCpuMs)} | ${f(server.batchCpuMs)} | | | |`);
    console.log(`| cold path p50 (ms): alias + load + sha256 + session + first predict | ${f(quantile(cold, 0.5))} | | | target ≤ 60 | |`);
    const med = (xs: number[]) =>
      quantile(
        [...xs].sort((a, b) => a - b),
        0.5,
      );
    console.log(
      `\ncold path on a fresh platform (p50 of 5, ms): ${f(med(cold))}; its SDK clients' first request (DynamoDB + S3, in parallel): ${f(med(clientsFirstUse))}; the cold path once they are paid: ${f(med(coldWarmClients))}`,
    );
    console.log(
      `\ncold path, part by part (p50 of 9, ms; load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}):`,
    );
    console.log(
      Object.entries(parts)
        .map(([name, xs]) => `${name} ${f(med(xs))}`)
        .join(' | '),
    );
    console.log(
      `(fetch: model.onnx ${(onnxBytes.length / 1024).toFixed(0)} KiB, model.json ${(modelJsonBytes / 1024).toFixed(0)} KiB and the training summary in parallel)`,
    );
    console.log('session creation by options (p50 of 9, ms):');
    for (const [name, xs] of Object.entries(created)) console.log(`  ${name}: ${f(med(xs))}`);
    console.log(
      `\n${REQUESTS} single-flow requests, ${BATCHES} batches per mode; the handler's figures include parsing the request body, validation, serialising the answer, the prediction log's group commit (DynamoDB BatchWriteItem + counter update) and the Parquet telemetry sample (S3) on the embedded cloud. Targets: 1 flow p50 ≤ 1 ms, p99 ≤ 3 ms; batches ≥ 0.25 of the floor.`,
    );
    buffered.close();
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
