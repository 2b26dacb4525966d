// The round protocol with every party apart (participants and coordinator share only the exchange
// bucket, as separate processes would), on real CICIDS2017 rows split non-IID across three tenants:
// the protocol's model is the in-process trainer's model, the coordinator touches only federated/
// and training-output/ keys, and a participant that goes silent after the key exchange of the
// first round is dropped while the run completes with the other two.
import { takeLabels, takeRows, type LabelledData } from '../../data/table';
import { MemoryItemTable, MemoryObjectStore } from '../../datasets/testing/memory-stores';
import type { ObjectStore } from '../../ports';
import type { CompletionInput, CompletionOutcome } from '../../retraining';
import { SeededRandom } from '../../util/random';
import { describeWithData } from '../../../test/support/datasets';
import { CICIDS_FILE, loadTenantSplit, type TenantSplit } from '../testing/cicids-tenants';
import { coordinateFederatedRun } from './run';
import { FederatedRunStore, type FederatedRunRequest } from './run-store';
import { serveParticipant } from './participant';
import { decodeMessage, roundObjectKey, submissionKey, waitForObject, type RoundMessage } from './wire';

const ROWS_PER_TENANT = 1500;

function recording(store: ObjectStore, reads: string[]): ObjectStore {
  return {
    bucket: store.bucket,
    put: (k, b, o) => store.put(k, b, o),
    get: (k) => (reads.push(k), store.get(k)),
    exists: (k) => (reads.push(k), store.exists(k)),
    list: (p) => (reads.push(p), store.list(p)),
    delete: (k) => store.delete(k),
  };
}

describeWithData('the federated round protocol (parties apart, real CICIDS2017 tenants)', [CICIDS_FILE], () => {
  let split: TenantSplit;
  let tenants: Record<string, LabelledData>;
  beforeAll(async () => {
    split = await loadTenantSplit();
    const rng = new SeededRandom(3);
    tenants = Object.fromEntries(
      Object.entries(split.tenants).map(([t, d]) => {
        const rows = Array.from(rng.shuffle(Int32Array.from({ length: d.y.length }, (_, i) => i)).subarray(0, ROWS_PER_TENANT));
        return [t, { schema: split.data.schema, classes: split.data.classes, X: takeRows(d.X, rows), y: takeLabels(d.y, rows) }];
      }),
    );
  }, 120_000);

  async function start(request: FederatedRunRequest, runId: string) {
    const exchange = new MemoryObjectStore('artefacts');
    const store = new FederatedRunStore(new MemoryItemTable('federated', 'pk', 'sk'));
    await store.create({
      runId,
      jobId: `train-${runId}`,
      request,
      state: 'queued',
      createdAt: new Date().toISOString(),
      participants: [...request.tenants],
      dropouts: [],
      roundsCompleted: 0,
      epsilonSpent: null,
    });
    const events: { type: string; detail: Record<string, unknown> }[] = [];
    const completions: CompletionInput[] = [];
    const reads: string[] = [];
    const deps = {
      store,
      artefacts: recording(exchange, reads),
      events: { publish: async (type: string, detail: Record<string, unknown>) => void events.push({ type, detail }) },
      complete: async (c: CompletionInput) => {
        completions.push(c);
        return { outcome: 'awaiting-approval', job: { jobId: c.jobId }, version: { version: 1 } } as unknown as CompletionOutcome;
      },
      stepTimeoutMs: 4000,
      pollMs: 5,
    };
    return { exchange, store, events, completions, reads, deps };
  }

  it('runs three rounds with every tenant, registers the model from training-output/, and the coordinator reads no tenant key', async () => {
    // Prepare
    const request: FederatedRunRequest = { model: 'fed', dataset: 'flows', tenants: Object.keys(tenants), algorithm: 'gbdt', rounds: 3, seed: 42 };
    const { exchange, store, events, completions, reads, deps } = await start(request, 'run-a');
    // Act
    const served = Object.keys(tenants).map((t) => serveParticipant(tenants[t], { runId: 'run-a', tenant: t, exchange, seed: 42, pollMs: 5 }));
    const { run } = await coordinateFederatedRun(deps, 'run-a');
    const results = await Promise.all(served);
    // Assess
    expect(run.state).toBe('completed');
    expect(run.roundsCompleted).toBe(3);
    expect(results.every((r) => r.finished)).toBe(true);
    const rounds = await store.rounds('run-a');
    expect(rounds.map((r) => [r.round, r.state, r.participants.length, r.dropouts.length])).toEqual([0, 1, 2].map((r) => [r, 'closed', 3, 0]));
    expect(events.filter((e) => e.type === 'FederatedRoundOpened')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'FederatedRoundClosed')).toHaveLength(3);
    expect(events.some((e) => e.type === 'FederatedUpdateSubmitted')).toBe(true);
    // the completion handler gets the output location; the registration names a federated candidate
    expect(completions).toEqual([{ jobId: 'train-run-a', state: 'Completed', outputLocation: 's3://artefacts/training-output/train-run-a/' }]);
    const registration = decodeMessage<{ trainingKind: string; metrics: { macroF1: number; rows: number }; artefacts: { model: { key: string } } }>(
      await exchange.get('training-output/train-run-a/registration.json'),
    );
    expect(registration.trainingKind).toBe('federated');
    expect(registration.metrics.rows).toBeGreaterThan(0.25 * 3 * ROWS_PER_TENANT);
    expect(registration.metrics.macroF1).toBeGreaterThan(0.3);
    // one tree per class present and round
    const doc = decodeMessage<{ trees: unknown[] }>(await exchange.get(`training-output/train-run-a/${registration.artefacts.model.key}`));
    expect(doc.trees.length).toBe(3 * split.data.classes.filter((c) => Object.values(tenants).some((d) => d.y.some((y) => d.classes[y] === c))).length);
    // the coordinator read only round objects, submissions and its own output
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((k) => !k.startsWith('federated/') && !k.startsWith('training-output/'))).toEqual([]);
    expect(reads.filter((k) => k.includes('tenants/'))).toEqual([]);
  }, 300_000);

  it('drops a participant that goes silent after the first round’s key exchange and completes with the other two', async () => {
    const names = Object.keys(tenants);
    const request: FederatedRunRequest = { model: 'fed', dataset: 'flows', tenants: names, algorithm: 'gbdt', rounds: 2, seed: 42, minParticipants: 2 };
    const { exchange, store, deps } = await start(request, 'run-b');
    const [quitter, ...stayers] = names;
    // the quitter answers honestly until its first masked histogram of round 0 is due, then stops
    const real = new MemoryObjectStore('artefacts');
    const quitting = (async () => {
      const relay = serveParticipant(tenants[quitter], { runId: 'run-b', tenant: quitter, exchange: real, seed: 42, pollMs: 5, idleTimeoutMs: 2000 }).catch(
        () => undefined,
      );
      let seenRound = false;
      for (let seq = 0; ; seq++) {
        const body = await waitForObject(exchange, roundObjectKey('run-b', quitter, seq), Date.now() + 20_000, 5);
        if (!body) break;
        const message = decodeMessage<RoundMessage>(body);
        if (message.method === 'beginRound') seenRound = true;
        if (seenRound && message.method === 'sa.mask') break; // gone after sharing its keys
        await real.put(roundObjectKey('run-b', quitter, seq), body);
        const answer = await waitForObject(real, submissionKey('run-b', quitter, seq), Date.now() + 20_000, 5);
        if (!answer) break;
        await exchange.put(submissionKey('run-b', quitter, seq), answer);
      }
      await relay;
    })();
    const served = stayers.map((t) => serveParticipant(tenants[t], { runId: 'run-b', tenant: t, exchange, seed: 42, pollMs: 5 }));
    const { run } = await coordinateFederatedRun(deps, 'run-b');
    await Promise.all([...served, quitting]);
    expect(run.state).toBe('completed');
    expect(run.dropouts.map((d) => [d.tenant, d.step])).toEqual([[quitter, 'sa.mask']]);
    expect(run.participants).toEqual(stayers);
    const rounds = await store.rounds('run-b');
    expect(rounds[0].dropouts).toEqual([quitter]);
    expect(rounds[1].participants).toEqual([...stayers].sort());
  }, 300_000);
});
