// Feedback joined to its inputs: served requests recorded by the prediction log (telemetry samples
// and request records), feedback sent for them, harvested into the lineage's collection dataset.
import { AuditLog } from '../audit/audit-log';
import { MemoryItemTable, MemoryObjectStore } from '../datasets/testing/memory-stores';
import { findManifest } from '../datasets/synthetic/synthesize';
import type { LineageSpec } from '../registry/lineage-spec';
import type { PredictResult } from '../serving/model-server';
import { PredictionLog } from '../serving/prediction-log';
import { sampledInputs } from '../serving/sampled-inputs';
import { FEEDBACK_INPUT_GRACE_MS, harvestFeedback, unharvestedFeedback } from './feedback-samples';

const FEATURES = [
  { name: 'rate', kind: 'numeric' as const },
  { name: 'proto', kind: 'categorical' as const, vocabulary: ['tcp', 'udp'] },
];

const spec: LineageSpec = {
  model: 'general',
  dataset: { name: 'flows', versionPolicy: 'latest' },
  classSpace: 'mini-xdr',
  classes: ['Normal', 'DDoS/DoS'],
  algorithm: 'gbdt',
  params: {},
  seed: 1,
  features: FEATURES.map(({ name, kind }) => ({ name, kind })),
  collection: { dataset: 'general-collected', rowsUsed: 0 },
  revision: 1,
  updatedAt: '2026-03-01T00:00:00.000Z',
  updatedBy: 'test',
};

async function setup(maxSampleFlows = 100) {
  let now = new Date('2026-03-01T10:00:00Z');
  const clock = () => now;
  const inference = new MemoryItemTable('inference', 'pk', 'sk');
  const telemetry = new MemoryObjectStore();
  const manifests = new MemoryItemTable('datasets', 'name', 'version');
  const objects = new MemoryObjectStore();
  const auditTable = new MemoryItemTable('audit', 'stream', 'seq');
  await manifests.put({ name: 'flows', version: 1, rowCount: 10, chunks: [], sourceSha256: 'x'.repeat(64), schema: { features: FEATURES } });
  const log = new PredictionLog({ inference, telemetry, maxSampleFlows, clock });
  const audit = new AuditLog({ table: auditTable, clock });
  const deps = {
    inference,
    inputs: (model: string, predictions: Parameters<typeof sampledInputs>[2]) => sampledInputs(telemetry, model, predictions),
    flush: () => log.flush(),
    datasets: { objects, manifests },
    specOf: async (model: string) => (model === 'general' ? spec : undefined),
    audit,
    clock,
  };
  /** Serves a batch and records it as serving does; answers the prediction ids. */
  const serve = async (requestId: string, flows: Record<string, unknown>[], labels: string[]) => {
    const result: PredictResult = {
      requestId,
      model: 'general',
      modelVersion: 1,
      latencyMs: 1,
      predictions: labels.map((label, i) => ({ predictionId: `${requestId}:${i}`, label, probabilities: { [label]: 1 }, confidence: 1, alert: false })),
    };
    await log.record(result, flows as never);
    return result.predictions.map((p) => p.predictionId);
  };
  return { deps, log, manifests, auditTable, serve, advance: (ms: number) => void (now = new Date(now.getTime() + ms)) };
}

const flow = (i: number) => ({ rate: i, proto: i % 2 ? 'udp' : 'tcp', 'Source IP': `10.0.0.${i}` });

describe('harvestFeedback', () => {
  it('appends each labelled prediction with its input flow to the collection dataset, once', async () => {
    const { deps, log, manifests, serve } = await setup();
    const ids = await serve('r1', [flow(1), flow(2), flow(3)], ['Normal', 'Normal', 'Normal']);
    await log.feedback([
      { predictionId: ids[0], label: 'Normal' },
      { predictionId: ids[2], label: 'DDoS/DoS' },
    ]);
    const first = await harvestFeedback(deps, 'general');
    expect(first).toMatchObject({ harvested: 2, dataset: 'general-collected', datasetVersion: 1, skipped: {}, waiting: 0 });
    const collection = await findManifest({ manifests }, { name: 'general-collected' });
    expect(collection).toMatchObject({ rowCount: 2, rowsPerLabel: { 'DDoS/DoS': 1, Normal: 1 } });
    // claimed: a second harvest takes nothing, and nothing waits
    expect(await harvestFeedback(deps, 'general')).toMatchObject({ harvested: 0, waiting: 0 });
    expect(await unharvestedFeedback(deps.inference, 'general')).toHaveLength(0);
    expect(await harvestFeedback(deps, 'unknown')).toBeUndefined();
  });

  it('two harvests at once take each record once', async () => {
    const { deps, log, manifests, serve } = await setup();
    const ids = await serve('r1', [flow(1), flow(2), flow(3), flow(4)], ['Normal', 'Normal', 'Normal', 'Normal']);
    await log.feedback(ids.map((predictionId) => ({ predictionId, label: 'Normal' })));
    const [a, b] = await Promise.all([harvestFeedback(deps, 'general'), harvestFeedback(deps, 'general')]);
    expect((a?.harvested ?? 0) + (b?.harvested ?? 0)).toBe(4);
    expect((await findManifest({ manifests }, { name: 'general-collected' }))?.rowCount).toBe(4);
  });

  it('waits for an input telemetry did not keep, then skips it with the reason; skips labels and flows the collection cannot take', async () => {
    // a batch of 4 with a sample bound of 2 keeps flows 0 and 2
    const { deps, log, auditTable, serve, advance } = await setup(2);
    const ids = await serve('r1', [flow(1), flow(2), flow(3), flow(4)], ['Normal', 'Normal', 'Normal', 'Normal']);
    const partial = await serve('r2', [{ rate: 5 }], ['Normal']);
    await log.feedback([
      { predictionId: ids[0], label: 'Normal' },
      { predictionId: ids[1], label: 'Normal' },
      { predictionId: ids[2], label: 'Exploits' },
      { predictionId: partial[0], label: 'Normal' },
    ]);
    expect(await harvestFeedback(deps, 'general')).toMatchObject({
      harvested: 1,
      skipped: { 'label not in the taxonomy': 1, 'flow does not match the collection schema': 1 },
      waiting: 1,
    });
    advance(FEEDBACK_INPUT_GRACE_MS + 1);
    expect(await harvestFeedback(deps, 'general')).toMatchObject({ harvested: 0, skipped: { 'input not in telemetry (not sampled)': 1 }, waiting: 0 });
    const actions = [...auditTable.items.values()].map((r) => r.action).filter(Boolean); // records, not the chain's head item
    expect(actions).toEqual(['online.feedback-harvested', 'online.feedback-harvested']);
  });
});
