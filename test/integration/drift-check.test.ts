// The drift check on the embedded cloud: a real registered version (reference profile built from
// its training rows), telemetry samples written where serving writes them, feedback records, and
// the stored reports behind GET /api/ml/drift/status.
import { AuditLog } from '../../core/audit/audit-log';
import { driftStatus, runDriftCheck } from '../../core/drift-check';
import { UnprocessableError } from '../../core/errors';
import { conformanceData } from '../../core/learners/conformance';
import { parseRetrainEvent } from '../../core/retraining';
import { buildTestJobOutput } from '../../core/retraining/testing/job-output';
import { ModelRegistry } from '../../core/registry/model-registry';
import type { RegisterVersionInput } from '../../core/registry/model-registry';
import type { FeedbackRecord } from '../../core/serving/prediction-log';
import { telemetryRowsOf, writeTelemetry, type RequestSample } from '../../core/serving/telemetry';
import { InProcessEventBus } from '../../local/event-bus';
import { closeStores, testStores, uniqueId } from '../support/platform';

describe('drift check on the embedded cloud', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));

  async function deployed() {
    const model = uniqueId('m').toLowerCase();
    const audit = new AuditLog({ table: stores.tables.audit, stream: uniqueId('audit') });
    const registry = new ModelRegistry({ table: stores.tables.registry, audit, events: new InProcessEventBus() });
    const output = buildTestJobOutput(model);
    for (const [key, body] of output.files) if (key.startsWith('models/')) await stores.buckets.artefacts.put(key, body);
    const v = await registry.registerVersion(output.registration as unknown as RegisterVersionInput);
    await registry.deploy(model, v.version, { actor: 'test', thresholds: { minMacroF1: 0.5, maxRecallDrop: 0.05 } });
    return { model, registry, version: v.version, output };
  }

  /** Writes `batches` telemetry samples of 50 flows from the conformance generator (optionally shifted). */
  async function logTraffic(model: string, version: number, from: Date, batches: number, seed: number, shift = 0) {
    const d = conformanceData(seed, batches * 50);
    for (let b = 0; b < batches; b++) {
      const flows = [];
      const labels = [];
      for (let i = b * 50; i < (b + 1) * 50; i++) {
        flows.push({ a: d.X.data[i * 3] + shift, b: d.X.data[i * 3 + 1] + shift, noise: Number.isNaN(d.X.data[i * 3 + 2]) ? null : d.X.data[i * 3 + 2] });
        labels.push(shift ? 'z' : d.classes[d.y[i]]);
      }
      const at = new Date(from.getTime() + b * 60_000);
      const sample: RequestSample = { model, version, at: at.toISOString(), requestId: `r${seed}-${b}`, flows, labels };
      await writeTelemetry(stores.buckets.telemetry, telemetryRowsOf(sample));
    }
  }

  it('finds no drift in same-distribution traffic, then drift (and a valid DriftDetected) in shifted traffic', async () => {
    const { model, registry, version } = await deployed();
    const deps = { telemetry: stores.buckets.telemetry, artefacts: stores.buckets.artefacts, registry, reports: stores.tables.drift, feedback: async () => [] };
    await logTraffic(model, version, new Date('2026-03-01T09:05:00Z'), 6, 99);

    const calm = await runDriftCheck(deps, { model, since: '2026-03-01T09:00:00Z', now: new Date('2026-03-01T10:00:00Z') });

    expect(calm.report).toMatchObject({ verdict: 'no-drift', rows: 300, samples: 6, datasetDrift: false, predictionDrift: false });
    expect(calm.events).toEqual([]);
    expect(calm.report.data?.features.map((f) => f.name)).toEqual(['a', 'b', 'noise']);

    // The next hour's traffic comes from a shifted distribution; the window starts where the last ended.
    await logTraffic(model, version, new Date('2026-03-01T10:10:00Z'), 4, 5, 4);
    const shifted = await runDriftCheck(deps, { model, now: new Date('2026-03-01T11:00:00Z') });

    expect(shifted.report).toMatchObject({ verdict: 'drift', rows: 200, windowStart: '2026-03-01T10:00:00.000Z', datasetDrift: true, predictionDrift: true });
    expect(shifted.report.driftShare).toBeGreaterThanOrEqual(2 / 3);
    expect(shifted.report.data?.features.filter((f) => f.drifted).map((f) => f.name)).toEqual(['a', 'b']);
    expect(shifted.events.map((e) => e.detailType)).toEqual(['DriftDetected']);
    const trigger = parseRetrainEvent(shifted.events[0].detail, 'DriftDetected');
    expect(trigger).toMatchObject({ type: 'DriftDetected', model, windowEnd: '2026-03-01T11:00:00.000Z' });

    const status = await driftStatus(stores.tables.drift, model);
    expect(status.latest?.reportId).toBe(shifted.report.reportId);
    expect(status.history.map((h) => h.verdict)).toEqual(['drift', 'no-drift']);
    // each feature's statistic and flag over the checks, oldest first, equal to each stored report's
    expect(status.features.checkedAt).toEqual([calm.report.checkedAt, shifted.report.checkedAt]);
    expect(status.features.series.map((f) => f.name)).toEqual(['a', 'b', 'noise']);
    for (const f of status.features.series) {
      const [c, s] = [calm, shifted].map((r) => r.report.data!.features.find((x) => x.name === f.name)!);
      expect(f.scores).toEqual([c.score, s.score]);
      expect(f.drifted).toEqual([c.drifted, s.drifted]);
      expect(f.psi).toEqual([c.psi, s.psi]);
    }
    expect(status.features.series.map((f) => f.driftedChecks)).toEqual([1, 1, 0]);
    // an insufficient-data check leaves a gap in every series rather than dropping the check
    const quiet = await runDriftCheck(deps, { model, now: new Date('2026-03-01T12:00:00Z') });
    expect(quiet.report.verdict).toBe('insufficient-data');
    const after = await driftStatus(stores.tables.drift, model, 2);
    expect(after.features.checkedAt).toEqual([shifted.report.checkedAt, quiet.report.checkedAt]);
    expect(after.features.series.find((f) => f.name === 'a')).toMatchObject({ drifted: [true, null], scores: [expect.any(Number), null], driftedChecks: 1 });
  });

  it('raises PerformanceDegraded when the window feedback shows the model failing', async () => {
    const { model, registry, version } = await deployed();
    const feedback: FeedbackRecord[] = [];
    const at = (m: number) => new Date(Date.parse('2026-03-01T08:00:00Z') + m * 30_000).toISOString();
    for (let i = 0; i < 200; i++) feedback.push({ model, version, predictionId: `p${i}:0`, predicted: 'x', actual: 'x', correct: i % 20 !== 0, at: at(i) });
    for (let i = 200; i < 300; i++) feedback.push({ model, version, predictionId: `p${i}:0`, predicted: 'x', actual: 'y', correct: i % 3 === 0, at: at(i) });
    const deps = {
      telemetry: stores.buckets.telemetry,
      artefacts: stores.buckets.artefacts,
      registry,
      reports: stores.tables.drift,
      feedback: async () => feedback,
    };

    const result = await runDriftCheck(deps, { model, since: at(199), now: new Date('2026-03-01T11:00:00Z') });

    expect(result.report.verdict).toBe('insufficient-data'); // no telemetry in the window
    expect(result.report.performance).toMatchObject({ feedbackTotal: 300, windowFeedback: 100, degraded: true, accuracyBelowThreshold: true });
    expect(result.report.performance.onlineAccuracy).toBeCloseTo(33 / 100, 10); // i = 201, 204 … 297;
    expect(result.report.performance.detectors.ddm.fired).toBe(true);
    expect(result.events.map((e) => e.detailType)).toEqual(['PerformanceDegraded']);
    expect(parseRetrainEvent(result.events[0].detail, 'PerformanceDegraded')).toMatchObject({ model, onlineAccuracy: 0.33 });
  });

  it('refuses a reference profile whose bytes no longer match the registry', async () => {
    const { model, registry } = await deployed();
    const v = await registry.getVersion(model, 1);
    await stores.buckets.artefacts.put(v.artefacts.reference.key, '{"features":[]}');
    const deps = { telemetry: stores.buckets.telemetry, artefacts: stores.buckets.artefacts, registry, reports: stores.tables.drift, feedback: async () => [] };

    await expect(runDriftCheck(deps, { model, now: new Date() })).rejects.toThrow(UnprocessableError);
  });
});
