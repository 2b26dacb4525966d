// The drift-check Lambda handler against the embedded cloud: one scheduled invocation stores a
// report, publishes DriftDetected on the bus and prints the EMF metric line the alarms read.
import { AuditLog } from '../../core/audit/audit-log';
import { conformanceData } from '../../core/learners/conformance';
import { ModelRegistry, type RegisterVersionInput } from '../../core/registry/model-registry';
import { buildTestJobOutput } from '../../core/retraining/testing/job-output';
import { telemetryRowsOf, writeTelemetry, type RequestSample } from '../../core/serving/telemetry';
import { InProcessEventBus } from '../../local/event-bus';
import { closeStores, testConfig, testStores, uniqueId } from '../../test/support/platform';
import { composePlatform, installProcessPlatform } from '../../platform';
import { lambdaContext } from '../../local/api-gateway-event';

// the lineage metrics are the subject here (test/global-setup.ts turns Powertools metrics off elsewhere)
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

describe('drift-check handler', () => {
  const stores = testStores();
  const bus = new InProcessEventBus();
  installProcessPlatform(composePlatform(testConfig(), { events: bus }));
  afterAll(() => {
    installProcessPlatform(undefined);
    closeStores(stores);
  });

  it('checks the last hour of traffic, publishes DriftDetected and emits the drift metrics', async () => {
    const model = uniqueId('m').toLowerCase();
    const registry = new ModelRegistry({
      table: stores.tables.registry,
      audit: new AuditLog({ table: stores.tables.audit, stream: uniqueId('a') }),
      events: bus,
    });
    const output = buildTestJobOutput(model);
    for (const [key, body] of output.files) if (key.startsWith('models/')) await stores.buckets.artefacts.put(key, body);
    const v = await registry.registerVersion(output.registration as unknown as RegisterVersionInput);
    await registry.deploy(model, v.version, { actor: 'test', thresholds: { minMacroF1: 0.5, maxRecallDrop: 0.05 } });
    const d = conformanceData(4, 200);
    const flows = Array.from({ length: 200 }, (_, i) => ({ a: d.X.data[i * 3] + 5, b: d.X.data[i * 3 + 1] - 5, noise: 0 }));
    const at = new Date(Date.now() - 10 * 60_000);
    const sample: RequestSample = { model, version: v.version, at: at.toISOString(), requestId: 'r1', flows, labels: flows.map(() => 'x') };
    await writeTelemetry(stores.buckets.telemetry, telemetryRowsOf(sample));
    const lines: string[] = [];
    // Powertools Metrics writes its EMF lines to stdout
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(
      (chunk: string | Uint8Array) => (
        lines.push(
          ...String(chunk)
            .split('\n')
            .filter((l) => l.startsWith('{')),
        ),
        true
      ),
    );
    try {
      const { handler } = await import('./handler');
      const out = await handler({ model }, lambdaContext('drift-check', { timeoutSeconds: 60, memoryMb: 1024 }));
      await bus.drain();

      expect(out).toMatchObject({ verdict: 'drift', events: ['DriftDetected'] });
      expect(bus.published.filter((e) => e.detailType === 'DriftDetected' && e.detail.model === model)).toHaveLength(1);
      const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.Model === model);
      // per model, and across models (the alarms watch the latter); Powertools adds the service dimension to both
      expect(emf).toMatchObject({
        Model: model,
        DriftShare: 1,
        service: 'mini-xdr-ml',
        _aws: { CloudWatchMetrics: [{ Namespace: 'MiniXdrMl', Dimensions: [['service', 'Model'], ['service']] }] },
      });
    } finally {
      spy.mockRestore();
    }
  });
});
