// The ensemble job on in-memory stores: two members trained by the real training job on one toy
// dataset and split (a GBDT and an MLP), ensembled, stored and registered last; the stored
// model.onnx answers like the stored model.json; members that do not fit are refused by name.
import { InferenceSession } from 'onnxruntime-node';
import { sha256Hex } from '../artefacts/bundle';
import { TmpDir } from '../datasets/testing/tmp-files';
import { ENSEMBLE_FAMILY } from '../families';
import { rowsToFeatureMatrix } from '../onnx/feeds';
import { buildOnnxFeeds } from '../onnx/session-feeds';
import { runTrainingJob } from '../pipeline';
import { decodeEvaluationSet } from '../pipeline/evaluation-set';
import { ingestToy, toyCsv, toyStores, type ToyStores } from '../pipeline/testing';
import type { RegisterVersionInput } from '../pipeline/types';
import { matrixToRows } from '../../test/quality/tasks';
import { ENSEMBLE_KIND, runEnsembleJob, type EnsembleMemberVersion } from './ensemble-job';
import { EnsembleMemberMismatchError } from './errors';
import type { EnsembleModelDocument } from './model-document';

describe('runEnsembleJob', () => {
  const tmp = new TmpDir();
  let stores: ToyStores;
  let registered: RegisterVersionInput[];
  const register = async (input: RegisterVersionInput): Promise<{ version: number }> => {
    stores.log.push('register');
    registered.push(input);
    return { version: registered.length };
  };
  afterAll(() => tmp.cleanup());
  beforeEach(async () => {
    stores = toyStores();
    registered = [];
    await ingestToy(stores, tmp, 'toy', toyCsv({ rows: 1500, seed: 3 }));
  });

  async function member(model: string, algorithm: 'gbdt' | 'mlp', seed = 42, dataset = 'toy'): Promise<EnsembleMemberVersion> {
    const params = algorithm === 'gbdt' ? { nRounds: 15, maxDepth: 3 } : { maxEpochs: 8 };
    const job = await runTrainingJob({ ...stores, register }, { dataset, model, algorithm, classes: 'fine', seed, params, author: 'unit-test' });
    return { model, version: job.version, algorithm, artefacts: job.artefacts, dataset: registered[registered.length - 1].dataset, classSpace: 'fine' };
  }

  it('registers the ensemble last as a candidate whose model.onnx answers like its model.json, members and weights in the summary', async () => {
    // Prepare
    const gbdt = await member('toy-gbdt', 'gbdt');
    const mlp = await member('toy-mlp', 'mlp');
    // Act
    const result = await runEnsembleJob({ ...stores, register }, { model: 'toy-ensemble', members: [gbdt, mlp], seed: 42, author: 'alice' });
    // Assess
    expect(stores.log[stores.log.length - 1]).toBe('register');
    const input = registered[registered.length - 1];
    expect(input).toMatchObject({ model: 'toy-ensemble', algorithm: 'ensemble', trainingKind: ENSEMBLE_KIND, author: 'alice', dataset: gbdt.dataset });
    expect(Object.keys(input.artefacts).sort()).toEqual(['evaluation', 'explanations', 'model', 'onnx', 'reference', 'replay', 'summary']);
    for (const ref of Object.values(input.artefacts)) expect(sha256Hex(await stores.artefactsBucket.get(ref.key))).toBe(ref.sha256);
    expect(result.members.map((m) => `${m.model}@${m.version}`)).toEqual(['toy-gbdt@1', 'toy-mlp@2']);
    expect(result.members.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 9);
    expect(result.metrics.macroF1).toBeGreaterThan(0.9);
    const summary = JSON.parse(Buffer.from(await stores.artefactsBucket.get(input.artefacts.summary.key)).toString()) as Record<string, unknown>;
    expect(summary).toMatchObject({ trainingKind: 'ensemble', method: result.method, bestMember: result.bestMember });
    expect(Object.keys(summary.thresholds as object)).toEqual(['BENIGN', 'DoS Hulk', 'PortScan']);
    // the candidate's evaluation rows are the half of the members' held-out rows the weights never saw
    const shared = await decodeEvaluationSet(await stores.artefactsBucket.get(gbdt.artefacts.evaluation!.key));
    const own = await decodeEvaluationSet(await stores.artefactsBucket.get(input.artefacts.evaluation!.key));
    expect(own.X.rows).toBe(summary.rows && (summary.rows as { evaluation: number }).evaluation);
    expect(own.X.rows).toBeLessThan(shared.X.rows);
    // one model.onnx with the stored document's answers
    const doc = JSON.parse(Buffer.from(await stores.artefactsBucket.get(input.artefacts.model.key)).toString()) as EnsembleModelDocument;
    const rows = matrixToRows(doc.schema, own.X);
    const session = await InferenceSession.create(Buffer.from(await stores.artefactsBucket.get(input.artefacts.onnx.key)));
    const onnx = (await session.run(buildOnnxFeeds(doc.schema, rows))).probabilities.data as Float32Array;
    const ts = ENSEMBLE_FAMILY.predictProba(doc, rowsToFeatureMatrix(doc.schema, rows));
    expect(Math.max(...Array.from(ts, (p, k) => Math.abs(p - onnx[k])))).toBeLessThanOrEqual(1e-5);
  });

  it('refuses members tested on other held-out rows (another seed, so another split), naming the member', async () => {
    const a = await member('toy-gbdt', 'gbdt', 42);
    const b = await member('toy-mlp', 'mlp', 7);
    const before = registered.length;
    const error = await runEnsembleJob({ ...stores, register }, { model: 'toy-ensemble', members: [a, b], seed: 42, author: 'alice' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnsembleMemberMismatchError);
    expect(error).toMatchObject({ mismatch: 'held-out-rows', member: 'toy-mlp@2', statusCode: 409 });
    expect(registered.length).toBe(before);
  });

  it('refuses a member that reads other features, naming the member and the feature', async () => {
    await ingestToy(stores, tmp, 'toy-fewer', toyCsv({ rows: 1500, seed: 3, columns: ['proto', 'rate', 'count', 'Label'] }));
    const a = await member('toy-gbdt', 'gbdt');
    const b = await member('toy-other', 'gbdt', 42, 'toy-fewer');
    await expect(runEnsembleJob({ ...stores, register }, { model: 'toy-ensemble', members: [a, b], seed: 42, author: 'alice' })).rejects.toThrow(
      /member toy-other@2 reads other features than toy-gbdt@1: it has 3 features where the first member has 4 \(missing: noise\)/,
    );
  });
});
