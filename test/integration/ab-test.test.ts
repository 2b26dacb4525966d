// A/B, shadow and canary experiments through the exported Lambda handlers (API Gateway v2 events)
// against the embedded cloud with real ONNX sessions: creation refusals (corrupt challenger, second
// running test), sticky per-flow routing within 1 pp of the split through the predict handler,
// shadow answers always from the champion with the shadow arm judged on the same labelled flows,
// and a canary that rolls itself back when the challenger's error rate breaches its bound.
import { loadConfig } from '../../config/config';
import { AuditLog } from '../../core/audit/audit-log';
import { ExperimentStore } from '../../core/experiments';
import { ModelRegistry } from '../../core/registry/model-registry';
import { registrationInput } from '../../core/registry/testing/fixtures';
import { invokeHttp, type HttpLambda } from '../../local/api-gateway-event';
import { InProcessEventBus } from '../../local/event-bus';
import { composePlatform, installProcessPlatform } from '../../platform';
import { uploadTestBundle } from '../support/model-bundles';
import { closeStores, testStores, uniqueId } from '../support/platform';

// The handlers' platform: the test run's embedded cloud, with the canary guard run on every request.
installProcessPlatform(composePlatform(loadConfig(undefined, { canaryCheckMs: 0 })));
/* eslint-disable @typescript-eslint/no-require-imports -- the handler modules load after the platform is installed */
const { handler: abTest } = require('../../functions/ab-test/handler') as { handler: HttpLambda };
const { handler: feedback } = require('../../functions/feedback/handler') as { handler: HttpLambda };
const { handler: predict } = require('../../functions/predict/handler') as { handler: HttpLambda };
/* eslint-enable @typescript-eslint/no-require-imports */

type Json = Record<string, unknown>;
interface Prediction {
  predictionId: string;
  label: string;
  arm?: string;
  modelVersion?: number;
}

async function call(
  fn: typeof abTest,
  routeKey: string,
  path: string,
  body?: unknown,
  params?: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  return invokeHttp<Json>(fn, { method: routeKey.split(' ')[0], path, routeKey, body, pathParameters: params });
}

const createTest = (body: unknown) => call(abTest, 'POST /api/ml/ab-test', '/api/ml/ab-test', body);
const getTest = (id: string) => call(abTest, 'GET /api/ml/ab-test/{id}', `/api/ml/ab-test/${id}`, undefined, { id });
const results = (id: string) => call(abTest, 'GET /api/ml/ab-test/{id}/results', `/api/ml/ab-test/${id}/results`, undefined, { id });
const stopTest = (id: string, body: unknown = {}) => call(abTest, 'POST /api/ml/ab-test/{id}/stop', `/api/ml/ab-test/${id}/stop`, body, { id });
const score = (body: unknown) => call(predict, 'POST /api/ml/predict', '/api/ml/predict', body);
const label = (items: { predictionId: string; label: string }[]) => call(feedback, 'POST /api/ml/feedback', '/api/ml/feedback', { feedback: items });

describe('A/B tests through the handlers', () => {
  const stores = testStores();
  const audit = new AuditLog({ table: stores.tables.audit });
  const registry = new ModelRegistry({ table: stores.tables.registry, audit, events: new InProcessEventBus() });
  const thresholds = { minMacroF1: 0.5, maxRecallDrop: 0.05 };
  afterAll(() => closeStores(stores));

  /** A model with v1 (production), v2 (a different healthy model) and v3 (corrupt: wrong onnx sha256). */
  async function lineage(prefix: string): Promise<string> {
    const model = uniqueId(prefix);
    const a = await uploadTestBundle(stores.buckets.artefacts, model, { rounds: 20, seed: 7 });
    const b = await uploadTestBundle(stores.buckets.artefacts, model, { rounds: 5, seed: 11 });
    const register = (refs: typeof a.refs, seed: string) =>
      registry.registerVersion({
        ...registrationInput(model, { seed }),
        artefacts: refs,
        classes: a.classes,
        metrics: { macroF1: 0.9, perClass: Object.fromEntries(a.classes.map((c) => [c, { precision: 0.9, recall: 0.9, f1: 0.9, support: 200 }])) },
      });
    await register(a.refs, 'a');
    await register(b.refs, 'b');
    await register({ ...a.refs, onnx: { ...a.refs.onnx, sha256: 'f'.repeat(64) } }, 'corrupt');
    await registry.deploy(model, 1, { actor: 'test', thresholds });
    return model;
  }

  const flow = (i: number) => ({ a: (i % 7) - 3, b: ((i * 13) % 11) - 5, noise: (i % 5) / 5 });
  /** A flow carrying its source IP (the routing key, passed through, not a feature). */
  const routed = (i: number) => ({ ...flow(i), src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });

  it('refuses a challenger that fails to load and a second running test on the same model', async () => {
    const model = await lineage('abt-refuse');
    const corrupt = await createTest({ model, challengerVersion: 3, trafficSplit: 0.5 });
    expect(corrupt.status).toBe(422);
    expect(corrupt.body.message).toMatch(/challenger .*v3\) failed to load, so no traffic is routed to it/);
    expect((await audit.records()).some((r) => r.action === 'experiment.create.refused' && r.subject === `model/${model}/version/3`)).toBe(true);

    const first = await createTest({ model, challengerVersion: 2, trafficSplit: 0.5, reason: 'try v2' });
    expect(first.status).toBe(201);
    expect(first.body.experiment).toMatchObject({ model, championVersion: 1, challengerVersion: 2, mode: 'ab', state: 'running', trafficSplit: 0.5 });
    const second = await createTest({ model, challengerVersion: 2, championVersion: 1, trafficSplit: 0.2 });
    expect(second.status).toBe(409);
    expect(second.body.message).toContain(`already has a running experiment (${String(first.body.id)}`);
    expect((await registry.resolveAlias(model, 'challenger'))?.version).toBe(2);

    const bad = await createTest({ model, challengerVersion: 2, trafficSplit: 1.5, mode: 'ab' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.details)).toContain('body.trafficSplit');

    const listed = await call(abTest, 'GET /api/ml/ab-test', '/api/ml/ab-test');
    expect((listed.body.experiments as Json[]).some((e) => e.id === first.body.id)).toBe(true);
    // Stopping frees the model for a new test.
    expect((await stopTest(String(first.body.id), { reason: 'done' })).body.experiment).toMatchObject({ state: 'stopped', outcome: 'kept-champion' });
    expect((await stopTest(String(first.body.id))).status).toBe(409);
    // the challenger alias goes with the test: nothing routes to v2 by that name any more
    expect(await registry.resolveAlias(model, 'challenger')).toBeUndefined();
    expect((await createTest({ model, challengerVersion: 2, trafficSplit: 0.2 })).status).toBe(201);
  });

  it('routes flows by their source IP within 1 pp of the split, sticky across requests', async () => {
    const model = await lineage('abt-route');
    const created = await createTest({ model, challengerVersion: 2, trafficSplit: 0.3, routingKey: 'src', minSamples: 50 });
    const id = String(created.body.id);
    const armOf = new Map<string, string>();
    const requests = 40;
    for (let r = 0; r < requests; r++) {
      const flows = Array.from({ length: 1000 }, (_, k) => routed(r * 1000 + k));
      const res = await score({ model, flows });
      expect(res.status).toBe(200);
      expect(res.body.experiment).toEqual({ id, mode: 'ab' });
      (res.body.predictions as Prediction[]).forEach((p, k) => {
        expect(p.modelVersion).toBe(p.arm === 'challenger' ? 2 : 1);
        armOf.set(flows[k].src, p.arm!);
      });
    }
    const total = requests * 1000;
    const challenger = [...armOf.values()].filter((a) => a === 'challenger').length;
    const share = challenger / total;
    process.stdout.write(`routing through the predict handler: ${total} source IPs, challenger share ${share.toFixed(4)} (target 0.3)\n`);
    expect(Math.abs(share - 0.3)).toBeLessThan(0.01);

    // The same IPs again, shuffled into other requests: every one meets the same arm.
    for (let r = 0; r < 5; r++) {
      const flows = Array.from({ length: 1000 }, (_, k) => routed(((k * 7919 + r * 104_729) % total) | 0));
      const res = await score({ model, flows });
      (res.body.predictions as Prediction[]).forEach((p, k) => expect(p.arm).toBe(armOf.get(flows[k].src)));
    }
    const r = await results(id);
    expect(r.status).toBe(200);
    const srm = r.body.srm as Json;
    expect(srm).toMatchObject({ applicable: true, expectedSplit: 0.3, mismatch: false });
    expect((srm.observedChampion as number) + (srm.observedChallenger as number)).toBe(total + 5000);
  });

  it('answers from the champion in shadow mode and judges the challenger on the same labelled flows', async () => {
    const model = await lineage('abt-shadow');
    const id = String((await createTest({ model, challengerVersion: 2, trafficSplit: 1, mode: 'shadow', minSamples: 10 })).body.id);
    const labelled: { predictionId: string; label: string }[] = [];
    for (let r = 0; r < 5; r++) {
      const flows = Array.from({ length: 40 }, (_, k) => flow(r * 40 + k));
      const res = await score({ model, flows });
      const direct = await score({ model, version: 1, flows });
      expect(res.body.modelVersion).toBe(1);
      const predictions = res.body.predictions as Prediction[];
      expect(predictions.every((p) => p.arm === 'champion' && p.modelVersion === 1)).toBe(true);
      expect(predictions.map((p) => p.label)).toEqual((direct.body.predictions as Prediction[]).map((p) => p.label));
      // Ground truth: the true class of the synthetic problem is not known here; label each flow with
      // v1's answer on even flows and another class on odd ones, so the champion is 50 % right.
      predictions.forEach((p, k) => labelled.push({ predictionId: p.predictionId, label: k % 2 === 0 ? p.label : p.label === 'x' ? 'y' : 'x' }));
    }
    expect((await label(labelled)).body.accepted).toBe(200);
    const r = await results(id);
    const arms = r.body.arms as Record<string, Json>;
    expect(arms.champion).toMatchObject({ version: 1, labelled: 200, correct: 100 });
    expect(arms.challenger).toMatchObject({ version: 2, labelled: 200 });
    expect((r.body.srm as Json).applicable).toBe(false);
    // The mirrored labels are joined once: a second look gives the same counts.
    expect(((await results(id)).body.arms as Record<string, Json>).challenger.labelled).toBe(200);
  });

  it('rolls a canary back by itself when the challenger error rate breaches its bound', async () => {
    const model = await lineage('abt-canary');
    const created = await createTest({
      model,
      challengerVersion: 2,
      mode: 'canary',
      canary: { steps: [0.5, 1], maxErrorRate: 0.2, maxLatencyMs: 60_000, stepAfterSamples: 30 },
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect(created.body.experiment).toMatchObject({ mode: 'canary', trafficSplit: 0.5, canary: { stepIndex: 0 } });
    const wrong: { predictionId: string; label: string }[] = [];
    for (let r = 0; wrong.length < 40 && r < 200; r++) {
      const res = await score({ model, flows: [flow(r)] });
      for (const p of res.body.predictions as Prediction[]) {
        // Feedback says the challenger is always wrong and the champion always right.
        if (p.arm === 'challenger') wrong.push({ predictionId: p.predictionId, label: p.label === 'x' ? 'z' : 'x' });
      }
    }
    expect(wrong.length).toBe(40);
    expect((await label(wrong)).body.accepted).toBe(40);
    const after = await score({ model, flows: [flow(1)] }); // the guard runs on the inference path
    expect(after.status).toBe(200);
    const e = (await getTest(id)).body;
    expect(e).toMatchObject({ state: 'rolled-back', trafficSplit: 0, outcome: 'rolled-back', stoppedBy: 'canary-guard' });
    expect(String((e.rollback as Json).reason)).toMatch(/error rate 100\.0% > 20\.0%/);
    const records = await audit.records();
    expect(records.some((a) => a.action === 'experiment.rolled-back' && a.subject === `model/${model}/experiment/${id}`)).toBe(true);
    // From now on production answers alone, and the model is free for a new test.
    const next = await score({ model, flows: [flow(2), flow(3)] });
    expect(next.body.experiment).toBeUndefined();
    expect(next.body.modelVersion).toBe(1);
    expect(await registry.resolveAlias(model, 'challenger')).toBeUndefined();
    expect((await createTest({ model, challengerVersion: 2, trafficSplit: 0.1 })).status).toBe(201);
  });

  it('steps a healthy canary up after enough labelled samples', async () => {
    const model = await lineage('abt-step');
    const id = String(
      (
        await createTest({
          model,
          challengerVersion: 2,
          mode: 'canary',
          canary: { steps: [0.5, 1], maxErrorRate: 0.5, maxLatencyMs: 60_000, stepAfterSamples: 20 },
        })
      ).body.id,
    );
    const right: { predictionId: string; label: string }[] = [];
    for (let r = 0; right.length < 20 && r < 200; r++) {
      const res = await score({ model, flows: [flow(r)] });
      for (const p of res.body.predictions as Prediction[]) if (p.arm === 'challenger') right.push({ predictionId: p.predictionId, label: p.label });
    }
    await label(right);
    await score({ model, flows: [flow(1)] });
    expect((await getTest(id)).body).toMatchObject({ state: 'running', trafficSplit: 1, canary: { stepIndex: 1, stepStartedSamples: 20 } });
    // the guard's runs recorded the results history without anyone asking for results: its last
    // point counts the 20 labelled challenger predictions (the guard's run before the step)
    const history = await new ExperimentStore(stores.tables.experiments).history(id);
    expect(history.length).toBeGreaterThanOrEqual(1); // one per 10-minute bucket
    expect(history.at(-1)).toMatchObject({ challengerLabelled: 20, challengerCorrect: 20, trafficSplit: 0.5 });
  });
});
