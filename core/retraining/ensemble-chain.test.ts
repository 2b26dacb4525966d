// Ensemble chaining by lineage policy: which candidates raise EnsembleRequested, over which members,
// and that an ensemble's candidate never does (no loop).
import { ensembleChainSettings, specPatchSchema } from '../registry/lineage-spec';
import type { ModelVersion } from '../registry/model-registry';
import { chainDecision, ENSEMBLE_CHAIN_ACTOR, registeredMembers } from './ensemble-chain';
import { parseRetrainEvent } from './events';
import type { TrainingJobRecord } from './job-records';

const version = (v: number, extra: Partial<ModelVersion> = {}): ModelVersion =>
  ({ model: 'ids', version: v, algorithm: 'gbdt', hyperparameters: {}, classes: ['a', 'b'], createdAt: '2026-12-03T00:00:00Z', ...extra }) as ModelVersion;
const job = (extra: Partial<TrainingJobRecord> = {}): TrainingJobRecord =>
  ({
    jobId: 'job-7',
    model: 'ids',
    trigger: 'ManualRetrain',
    reason: 'r',
    idempotencyKey: 'k',
    state: 'Completed',
    createdAt: '',
    backend: 'local',
    ...extra,
  }) as TrainingJobRecord;
const training = { dataset: 'd', algorithm: 'gbdt', classes: 'fine' as const, seed: 1, params: {} };

describe('ensemble chaining by lineage policy', () => {
  it('a retrain candidate with chainEnsemble after retrain raises one request over production and the candidate', () => {
    const d = chainDecision({ job: job(), candidate: version(5), production: version(4), settings: { after: ['retrain'], method: 'weights' } });
    expect(d).toEqual({
      chained: true,
      request: {
        model: 'ids',
        requestId: 'chain-job-7',
        actor: ENSEMBLE_CHAIN_ACTOR,
        reason: 'lineage policy chainEnsemble after retrain: retrain candidate v5 with production v4',
        members: [
          { model: 'ids', version: 4 },
          { model: 'ids', version: 5 },
        ],
        method: 'weights',
      },
    });
    // the request is a valid EnsembleRequested as the launcher parses it
    if (d?.chained) expect(parseRetrainEvent(d.request, 'EnsembleRequested')).toMatchObject({ type: 'EnsembleRequested', requestId: 'chain-job-7' });
  });

  it('an adaptation chains only when the policy names adaptations; an ensemble candidate never chains', () => {
    const adaptation = job({ trigger: 'AdaptationRequested', training: { ...training, adaptation: { parentVersion: 4, fromRow: 0, toRow: 10 } } });
    expect(chainDecision({ job: adaptation, candidate: version(5), production: version(4), settings: { after: ['retrain'] } })).toBeUndefined();
    expect(chainDecision({ job: adaptation, candidate: version(5), production: version(4), settings: { after: ['adaptation'] } })).toMatchObject({
      chained: true,
    });
    const ensemble = job({ trigger: 'EnsembleRequested', training: { ...training, algorithm: 'ensemble', ensemble: { members: [], method: 'auto' } } });
    const both = { after: ['retrain', 'adaptation'] as ('retrain' | 'adaptation')[] };
    expect(chainDecision({ job: ensemble, candidate: version(6, { algorithm: 'ensemble' }), production: version(4), settings: both })).toBeUndefined();
    expect(chainDecision({ job: job(), candidate: version(5), production: version(4) })).toBeUndefined();
  });

  it("around a production ensemble it takes the ensemble's registered members (not its extra members) and the candidate", () => {
    const production = version(6, { algorithm: 'ensemble', hyperparameters: { members: 'ids@4:0.600000,ids@5:0.300000,extra-mlp@0:0.100000' } });
    expect(registeredMembers(production)).toEqual([
      { model: 'ids', version: 4 },
      { model: 'ids', version: 5 },
    ]);
    const d = chainDecision({ job: job(), candidate: version(7), production, settings: { after: ['retrain'] } });
    expect(d).toMatchObject({ chained: true, request: { members: [{ version: 4 }, { version: 5 }, { version: 7 }], method: 'auto' } });
    if (d?.chained) expect(d.request.reason).toMatch(/production v6 \(an ensemble of ids@4, ids@5\)/);
  });

  it('says why nothing chains without production', () => {
    expect(chainDecision({ job: job(), candidate: version(1), settings: { after: ['retrain'] } })).toEqual({
      chained: false,
      reason: 'no production version to combine ids@1 with',
    });
  });

  it('the setting is validated where a spec patch is: unknown sources, repeats and extra keys are refused by name', () => {
    expect(specPatchSchema.safeParse({ chainEnsemble: { after: ['retrain'], extraMembers: 1 } }).success).toBe(true);
    expect(specPatchSchema.safeParse({ chainEnsemble: null }).success).toBe(true);
    const bad = (value: unknown) => {
      const r = ensembleChainSettings.safeParse(value);
      return r.success ? 'accepted' : r.error.issues.map((i) => i.path.join('.')).join(',');
    };
    expect(bad({ after: ['federated'] })).toBe('after.0');
    expect(bad({ after: [] })).toBe('after');
    expect(bad({ after: ['retrain', 'retrain'] })).toBe('after');
    expect(bad({ after: ['retrain'], method: 'vote' })).toBe('method');
    expect(bad({ after: ['retrain'], extraMembers: 4 })).toBe('extraMembers');
    expect(bad({ after: ['retrain'], every: 2 })).toBe('');
  });
});
