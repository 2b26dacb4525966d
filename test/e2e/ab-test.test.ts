// End to end on real data: two versions trained by the real pipeline on NSL-KDD (KDDTrain+ 20 %)
// — a weak one (2 shallow rounds) in production and a strong one as challenger — an A/B test
// created over HTTP (exported handlers, API Gateway v2 events), traffic from KDDTest+ routed per
// flow through the predict handler, ground-truth feedback from KDDTest+'s labels, a results call
// that names the better version, and stop-with-promote moving the production alias.
import type { LabelledData } from '../../core/data/table';
import { AuditLog } from '../../core/audit/audit-log';
import { ingestDataset } from '../../core/datasets/ingest';
import { loadDataset, loadManifest, runTrainingJob } from '../../core/pipeline';
import { ModelRegistry } from '../../core/registry/model-registry';
import { SeededRandom } from '../../core/util/random';
import { handler as abTest } from '../../functions/ab-test/handler';
import { handler as feedback } from '../../functions/feedback/handler';
import { handler as predict } from '../../functions/predict/handler';
import { invokeHttp } from '../../local/api-gateway-event';
import { InProcessEventBus } from '../../local/event-bus';
import { datasetPath, describeWithData } from '../support/datasets';
import { closeStores, testStores, uniqueId } from '../support/platform';

type Json = Record<string, unknown>;

/** JSON flows of rows, as a security tool sends them (categorical values as strings, NaN as null). */
function flowsOf(data: Pick<LabelledData, 'schema' | 'X'>, rows: readonly number[]): Record<string, number | string | null>[] {
  const { features } = data.schema;
  return rows.map((i) => {
    const flow: Record<string, number | string | null> = {};
    for (let j = 0; j < features.length; j++) {
      const f = features[j];
      const v = data.X.data[i * data.X.cols + j];
      if (f.kind === 'categorical') flow[f.name] = Number.isNaN(v) || v < 0 ? null : f.vocabulary[v];
      else flow[f.name] = Number.isFinite(v) ? v : null;
    }
    return flow;
  });
}

async function call(
  fn: (...args: Parameters<typeof abTest>) => ReturnType<typeof abTest>,
  routeKey: string,
  path: string,
  body?: unknown,
  params?: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  return invokeHttp<Json>(fn, { method: routeKey.split(' ')[0], path, routeKey, body, pathParameters: params });
}

describeWithData('A/B test end to end on NSL-KDD', ['nsl_kdd/KDDTrain+_20Percent.txt', 'nsl_kdd/KDDTest+.txt'], () => {
  jest.setTimeout(600_000);
  const stores = testStores();
  const audit = new AuditLog({ table: stores.tables.audit });
  const registry = new ModelRegistry({ table: stores.tables.registry, audit, events: new InProcessEventBus() });
  afterAll(() => closeStores(stores));

  it('names the stronger version the winner and promotes it to production', async () => {
    // Prepare: two real trained versions of different quality.
    const ds = { objects: stores.buckets.datasets, manifests: stores.tables.datasets };
    const train = uniqueId('nsl-train');
    const traffic = uniqueId('nsl-traffic');
    await ingestDataset(ds, { name: train, sourcePath: datasetPath('nsl_kdd/KDDTrain+_20Percent.txt') });
    await ingestDataset(ds, { name: traffic, sourcePath: datasetPath('nsl_kdd/KDDTest+.txt') });
    const model = uniqueId('nsl');
    const deps = {
      datasetsTable: stores.tables.datasets,
      datasetsBucket: stores.buckets.datasets,
      artefactsBucket: stores.buckets.artefacts,
      register: registry.registerVersion.bind(registry),
    };
    const job = (params: Record<string, number>) =>
      runTrainingJob(deps, {
        dataset: train,
        model,
        algorithm: 'gbdt',
        classes: 'kdd-category',
        seed: 5,
        author: 'e2e',
        params,
        training: { hardExampleMining: false },
      });
    const weak = await job({ nRounds: 1, maxDepth: 1, learningRate: 0.3 });
    const strong = await job({ nRounds: 40, maxDepth: 6 });
    process.stdout.write(
      `offline macro-F1: weak v${weak.version} ${weak.metrics.macroF1.toFixed(3)}, strong v${strong.version} ${strong.metrics.macroF1.toFixed(3)}\n`,
    );
    await registry.deploy(model, weak.version, { actor: 'e2e', thresholds: { minMacroF1: 0, maxRecallDrop: 1 } });

    // Act: an A/B test routed per flow by a flow id, traffic and feedback from KDDTest+.
    const created = await call(abTest, 'POST /api/ml/ab-test', '/api/ml/ab-test', {
      model,
      challengerVersion: strong.version,
      trafficSplit: 0.5,
      routingKey: 'flow_id',
      minSamples: 300,
      // The strong model (200 trees) is genuinely slower than the weak one (5 trees), by tens of ms
      // per batch on a busy test machine; this test is about accuracy, so latency may not block.
      latencyToleranceMs: 500,
      reason: 'weak vs strong',
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect(created.body.experiment).toMatchObject({ championVersion: weak.version, challengerVersion: strong.version });

    const { data } = await loadDataset(await loadManifest(stores.tables.datasets, traffic), stores.buckets.datasets, 'kdd-category');
    const random = new SeededRandom(17);
    const rows = Array.from({ length: 2000 }, () => random.int(data.X.rows));
    const truth = (row: number) => data.classes[data.y[row]];
    let earlyLook: Json = {};
    for (let start = 0; start < rows.length; start += 200) {
      const batch = rows.slice(start, start + 200);
      const flows = flowsOf(data, batch).map((f, k) => ({ ...f, flow_id: `conn-${start + k}` }));
      const res = await call(predict, 'POST /api/ml/predict', '/api/ml/predict', { model, flows });
      expect(res.status).toBe(200);
      const predictions = res.body.predictions as { predictionId: string }[];
      const fb = await call(feedback, 'POST /api/ml/feedback', '/api/ml/feedback', {
        feedback: predictions.map((p, k) => ({ predictionId: p.predictionId, label: truth(batch[k]) })),
      });
      expect(fb.body.accepted).toBe(batch.length);
      // a look half way, as someone watching the test would take
      if (start === 1000) earlyLook = (await call(abTest, 'GET /api/ml/ab-test/{id}/results', `/api/ml/ab-test/${id}/results`, undefined, { id })).body;
    }

    // Assess: the results name the strong version.
    const results = await call(abTest, 'GET /api/ml/ab-test/{id}/results', `/api/ml/ab-test/${id}/results`, undefined, { id });
    expect(results.status).toBe(200);
    const r = results.body;
    const arms = r.arms as Record<string, Json>;
    process.stdout.write(
      `online accuracy on KDDTest+: champion v${weak.version} ${Number(r.metric_a).toFixed(3)} (n=${String(r.samples_a)}), challenger v${strong.version} ${Number(r.metric_b).toFixed(3)} (n=${String(r.samples_b)}), p=${Number(r.p_value).toExponential(2)}, z-test p=${String((r.zTest as Json).pValue)}, SRM p=${String((r.srm as Json).pValue)}\n`,
    );
    process.stdout.write(
      `${String(r.reason)}; median request latency ${String(arms.champion.medianLatencyMs)} / ${String(arms.challenger.medianLatencyMs)} ms\n`,
    );
    expect(r).toMatchObject({ winner: 'challenger', recommendation: 'promote_challenger', statistical_significance: true, practical_significance: true });
    expect(Number(r.samples_a) + Number(r.samples_b)).toBe(2000);
    expect(Number(r.metric_b)).toBeGreaterThan(Number(r.metric_a));
    expect(arms.challenger.version).toBe(strong.version);
    expect((arms.challenger.accuracyCi as Json).low).toBeGreaterThan((arms.champion.accuracyCi as Json).high as number);
    expect((r.srm as Json).mismatch).toBe(false);
    for (const key of ['confidence', 'effect_size', 'samples_a', 'samples_b', 'metric_a', 'metric_b', 'p_value', 'reason']) expect(r).toHaveProperty(key);
    // the results history: this look's figures are its last point (one point per 10-minute bucket,
    // so the earlier looks of this test share it, or the one before when a bucket boundary passed)
    const history = r.history as Json[];
    expect(history.length).toBeGreaterThanOrEqual(1);
    expect(history.length).toBeLessThanOrEqual(3);
    expect(history.at(-1)).toEqual({
      at: r.computedAt,
      trafficSplit: 0.5,
      championRouted: arms.champion.routedFlows,
      challengerRouted: arms.challenger.routedFlows,
      championLabelled: r.samples_a,
      challengerLabelled: r.samples_b,
      championCorrect: arms.champion.correct,
      challengerCorrect: arms.challenger.correct,
      pValue: (r.sequential as Json).pValue,
      effect: r.effect_size,
      csLow: r.effect_ci_low,
      csHigh: r.effect_ci_high,
      srmPValue: (r.srm as Json).pValue,
      srmMismatch: false,
    });
    const early = earlyLook.history as Json[];
    expect(early.at(-1)).toMatchObject({ at: earlyLook.computedAt, pValue: (earlyLook.sequential as Json).pValue, championLabelled: earlyLook.samples_a });
    expect(Number(earlyLook.samples_a) + Number(earlyLook.samples_b)).toBe(1200);
    // the later look replaced the early point in its bucket, or added one after it
    expect(history.filter((p) => p.at === earlyLook.computedAt)).toEqual(history.length === early.length ? [] : [early.at(-1)]);

    const stopped = await call(abTest, 'POST /api/ml/ab-test/{id}/stop', `/api/ml/ab-test/${id}/stop`, { promote: true }, { id });
    expect({ status: stopped.status, body: stopped.status === 200 ? 'ok' : stopped.body }).toEqual({ status: 200, body: 'ok' });
    expect(stopped.body.experiment).toMatchObject({ state: 'stopped', outcome: 'promoted' });
    expect((await registry.resolveAlias(model, 'production'))?.version).toBe(strong.version);
    const actions = (await audit.records()).filter((a) => a.subject.startsWith(`model/${model}/`)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['experiment.create', 'model.deploy', 'experiment.stop.promoted']));
  });
});
