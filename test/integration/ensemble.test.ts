// An ensemble on the embedded cloud (dynalite + s3rver), through the platform's own services: two
// members trained by the training job on one dataset and split (a GBDT in production and an MLP),
// the ensemble job registers a candidate in the GBDT's lineage, the promotion gate deploys it, and
// the model server answers from the ensemble's one model.onnx — with explanations from its tree member.
import { ingestDataset } from '../../core/datasets';
import { TmpDir } from '../../core/datasets/testing/tmp-files';
import { runEnsembleJob, type EnsembleMemberVersion } from '../../core/ensemble/ensemble-job';
import type { EnsembleModelDocument } from '../../core/ensemble';
import { ENSEMBLE_FAMILY } from '../../core/families';
import { rowsToFeatureMatrix } from '../../core/onnx/feeds';
import { runTrainingJob } from '../../core/pipeline';
import { toyCsv } from '../../core/pipeline/testing';
import { InProcessEventBus } from '../../local/event-bus';
import { composePlatform, type Platform } from '../../platform/compose';
import { testConfig, uniqueId } from '../support/platform';

describe('an ensemble version on the embedded cloud', () => {
  const tmp = new TmpDir();
  let platform: Platform;
  beforeAll(() => {
    platform = composePlatform(testConfig(), { events: new InProcessEventBus(), auditStream: uniqueId('audit') });
  });
  afterAll(() => {
    platform.close();
    tmp.cleanup();
  });

  it('optimises, registers a candidate, deploys it through the gate and serves predictions from the ensemble', async () => {
    // Prepare: a dataset, a GBDT lineage in production and an MLP lineage trained on the same split
    const dataset = uniqueId('ens-data');
    const model = uniqueId('ens');
    const mlpModel = `${model}-mlp`;
    await ingestDataset(platform.datasets, {
      name: dataset,
      sourcePath: tmp.write('toy.csv', toyCsv({ rows: 1500, seed: 3 })),
      format: 'csv',
      labelColumn: 'Label',
      categorical: ['proto'],
    });
    const deps = platform.trainingJobDeps();
    const train = (name: string, algorithm: 'gbdt' | 'mlp', params: Record<string, number>) =>
      runTrainingJob(deps, { dataset, model: name, algorithm, classes: 'fine', seed: 42, params, author: 'alice' });
    const gbdt = await train(model, 'gbdt', { nRounds: 15, maxDepth: 3 });
    const mlp = await train(mlpModel, 'mlp', { maxEpochs: 8 });
    await platform.registry.deploy(model, gbdt.version, { actor: 'alice', thresholds: platform.gate });
    const member = async (name: string, version: number): Promise<EnsembleMemberVersion> => platform.registry.getVersion(name, version);

    // Act: the ensemble job, then a deploy through the gate
    const result = await runEnsembleJob(deps, {
      model,
      members: [await member(model, gbdt.version), await member(mlpModel, mlp.version)],
      seed: 42,
      author: 'alice',
    });
    const candidate = await platform.registry.getVersion(model, result.version);
    const deployed = await platform.registry.deploy(model, result.version, { actor: 'alice', thresholds: platform.gate });

    // Assess: the registered candidate, and predictions served from its model.onnx
    expect(candidate).toMatchObject({ algorithm: 'ensemble', trainingKind: 'ensemble', version: 2 });
    expect(deployed.gate.passed).toBe(true);
    expect(await platform.registry.resolveAlias(model, 'production')).toMatchObject({ version: result.version });
    const flows = [
      { proto: 'udp', rate: 12.5, count: 3, noise: 0.5 },
      { proto: 'tcp', rate: 80, count: 7, noise: 0.1 },
      { proto: 'icmp', rate: 5, count: 1, noise: 0.9 },
    ];
    const served = await platform.modelServer.predict({ model, flows, explain: true, topFeatures: 2 });
    expect(served.modelVersion).toBe(result.version);
    const doc = JSON.parse(Buffer.from(await platform.stores.buckets.artefacts.get(candidate.artefacts.model.key)).toString()) as EnsembleModelDocument;
    const expected = ENSEMBLE_FAMILY.predictProba(doc, rowsToFeatureMatrix(doc.schema, flows));
    served.predictions.forEach((p, i) => {
      doc.classes.forEach((c, k) => expect(Math.abs(p.probabilities[c] - expected[i * doc.classes.length + k])).toBeLessThanOrEqual(1e-5));
      expect(p.explanation?.topFeatures).toHaveLength(2);
    });
    expect(served.predictions.map((p) => p.label)).toEqual(['PortScan', 'DoS Hulk', 'BENIGN']);
  }, 120_000);

  it("trains extra members on the lineage's dataset and split when asked: one registered version plus the other family and a loss-guided GBDT", async () => {
    // Prepare: a lineage with one GBDT version only
    const dataset = uniqueId('ens-extra-data');
    const model = uniqueId('ens-extra');
    await ingestDataset(platform.datasets, {
      name: dataset,
      sourcePath: tmp.write('toy-extra.csv', toyCsv({ rows: 1200, seed: 4 })),
      format: 'csv',
      labelColumn: 'Label',
      categorical: ['proto'],
    });
    const deps = platform.trainingJobDeps();
    const gbdt = await runTrainingJob(deps, {
      dataset,
      model,
      algorithm: 'gbdt',
      classes: 'fine',
      seed: 9,
      params: { nRounds: 15, maxDepth: 3 },
      author: 'alice',
    });
    const v1 = await platform.registry.getVersion(model, gbdt.version);

    // Act: an ensemble of v1 and two extra members
    const result = await runEnsembleJob(deps, { model, members: [v1], extraMembers: 2, seed: 42, author: 'alice' });

    // Assess: three members weighed on v1's held-out rows, the extras inside the one model.json and model.onnx
    expect(result.members.map((m) => `${m.model}@${m.version}`)).toEqual([`${model}@1`, 'extra-mlp@0', 'extra-gbdt-lossguide@0']);
    expect(result.members.reduce((a, m) => a + m.weight, 0)).toBeCloseTo(1, 9);
    expect(result.summary.extraMembers).toEqual([
      expect.objectContaining({ member: 'extra-mlp@0', algorithm: 'mlp' }),
      expect.objectContaining({ member: 'extra-gbdt-lossguide@0', algorithm: 'gbdt', balancing: 'sqrt' }),
    ]);
    const candidate = await platform.registry.getVersion(model, result.version);
    const doc = JSON.parse(Buffer.from(await platform.stores.buckets.artefacts.get(candidate.artefacts.model.key)).toString()) as EnsembleModelDocument;
    const kept = result.members.filter((m) => m.weight > 0).map((m) => `${m.model}@${m.version}`);
    expect(doc.members.map((m) => `${m.model}@${m.version}`)).toEqual(kept);
    await platform.registry.deploy(model, result.version, {
      actor: 'alice',
      thresholds: platform.gate,
      force: true,
      reason: 'serve the ensemble with its extra members',
    });
    const flows = [
      { proto: 'udp', rate: 12.5, count: 3, noise: 0.5 },
      { proto: 'tcp', rate: 80, count: 7, noise: 0.1 },
    ];
    const served = await platform.modelServer.predict({ model, flows });
    const expected = ENSEMBLE_FAMILY.predictProba(doc, rowsToFeatureMatrix(doc.schema, flows));
    served.predictions.forEach((p, i) =>
      doc.classes.forEach((c, k) => expect(Math.abs(p.probabilities[c] - expected[i * doc.classes.length + k])).toBeLessThanOrEqual(1e-5)),
    );
    // a member whose record says another split seed: the extra members' held-out rows are not its
    const otherSplit = runEnsembleJob(deps, { model, members: [{ ...v1, seed: 10 }], extraMembers: 1, seed: 42, author: 'alice' });
    await expect(otherSplit).rejects.toMatchObject({ name: 'EnsembleMemberMismatchError', mismatch: 'held-out-rows', member: 'extra-mlp@0' });
  }, 180_000);
});
