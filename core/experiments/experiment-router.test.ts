import { shadowPredictionId } from './experiment-service';
import { partitionFlows } from './experiment-router';
import { assignArm } from './routing';

describe('partitionFlows', () => {
  const e = { id: 'exp-20261126T000000-000001', trafficSplit: 0.4 };

  it('routes a whole request to one arm by its request id when there is no routing key', () => {
    const flows = [{ a: 1 }, { a: 2 }, { a: 3 }];
    const parts = partitionFlows(e, flows, 'req-7');
    const arm = assignArm(e.id, 'req-7', 0.4);
    expect(parts[arm]).toEqual([0, 1, 2]);
    expect(parts[arm === 'champion' ? 'challenger' : 'champion']).toEqual([]);
  });

  it('routes each flow by its routing-key value, the same value always to the same arm', () => {
    const flows = Array.from({ length: 2000 }, (_, i) => ({ src: `10.0.${i % 50}.1` }));
    const parts = partitionFlows({ ...e, routingKey: 'src' }, flows, 'req-1');
    for (const arm of ['champion', 'challenger'] as const) {
      for (const i of parts[arm]) expect(assignArm(e.id, flows[i].src, 0.4)).toBe(arm);
    }
    expect(parts.champion.length + parts.challenger.length).toBe(2000);
  });

  it('places a flow without the routing field by its position in the request', () => {
    const parts = partitionFlows({ ...e, routingKey: 'src' }, [{ a: 1 }], 'req-9');
    expect(parts[assignArm(e.id, 'req-9#0', 0.4)]).toEqual([0]);
  });
});

describe('shadowPredictionId', () => {
  it('names the shadow prediction of the same flow', () => {
    expect(shadowPredictionId('abc-123:7')).toBe('abc-123~shadow:7');
    expect(shadowPredictionId('a:b:12')).toBe('a:b~shadow:12');
  });
});

describe('ExperimentRouter', () => {
  it('fails open to production when the running experiment cannot be looked up', async () => {
    const { ExperimentRouter } = await import('./experiment-router');
    const seen: string[] = [];
    const scored: { version?: number }[] = [];
    const router = new ExperimentRouter({
      service: {
        running: async () => {
          throw new Error('table missing');
        },
        evaluateCanary: async () => {
          throw new Error('not called');
        },
        store: undefined as never,
      },
      scorer: {
        predict: async (request) => {
          scored.push({ version: request.version });
          return { requestId: 'r', model: 'general', modelVersion: 1, predictions: [], latencyMs: 1 };
        },
      },
      recorder: { record: async () => undefined },
      onLookupError: (error) => seen.push((error as Error).message),
    });
    const result = await router.predict({ model: 'general', flows: [{ a: 1 }], requestId: 'r' });
    expect(result.experiment).toBeUndefined();
    expect(scored).toEqual([{ version: undefined }]);
    expect(seen).toEqual(['table missing']);
  });
});
