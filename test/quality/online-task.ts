// The prequential NSL-KDD task of online learning (issue 19), through the real pipeline and the
// real adaptation job: train on KDDTrain+ (5 categories); adapt with the first half of KDDTest+ as
// labelled samples; score the second half with the static model, the adapted one, and a full
// retrain on KDDTrain+ plus the first half. Shared by the quality test and bench/online-adaptation.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ArtefactRef } from '../../core/artefacts/bundle';
import { ingestDataset } from '../../core/datasets';
import { MemoryItemTable, MemoryObjectStore } from '../../core/datasets/testing/memory-stores';
import { evaluate } from '../../core/evaluation';
import { modelFamily, type TrainableFamilyId as FamilyId } from '../../core/families';
import { runAdaptationJob, type AdaptationJobResult, type ParentVersion } from '../../core/online';
import { alignFeatures, loadDataset, loadManifest, loadModelDocument, runTrainingJob, type RegisterVersionInput } from '../../core/pipeline';
import { datasetPath } from '../support/datasets';
import { ingestFile } from './tasks';

export interface PrequentialRun {
  readonly algorithm: FamilyId;
  readonly seed: number;
  /** Macro-F1 on the second half of KDDTest+. */
  readonly staticMacroF1: number;
  readonly adaptedMacroF1: number;
  readonly fullRetrainMacroF1: number;
  /** Wall seconds: the parent's training job, the adaptation job, the full retrain's training job. */
  readonly parentSeconds: number;
  readonly adaptationSeconds: number;
  readonly fullRetrainSeconds: number;
  /** CPU seconds (user + system, every thread of this process) of the two jobs: what other load on the machine does not change. */
  readonly adaptationCpuSeconds: number;
  readonly fullRetrainCpuSeconds: number;
  /** Each job's phases (ms), to see where an adaptation's time goes. */
  readonly adaptationTimings: Readonly<Record<string, number>>;
  readonly fullRetrainTimings: Readonly<Record<string, number>>;
  /** The learning steps alone: adaptModel, and the full retrain's trainModel. */
  readonly adaptStepSeconds: number;
  readonly fullTrainStepSeconds: number;
  /** Recall change per class on the parent's own test rows (KDDTrain+'s held-out split). */
  readonly forgetting: Readonly<Record<string, { readonly support: number; readonly change: number }>>;
  readonly adaptation: AdaptationJobResult;
  readonly secondAdaptation?: AdaptationJobResult;
}

/** `secondAdaptation` adapts the adapted version again, on the second half. */
export async function runPrequentialNslKdd(algorithm: FamilyId, seed: number, options: { secondAdaptation?: boolean } = {}): Promise<PrequentialRun> {
  const datasetsBucket = new MemoryObjectStore('datasets');
  const datasetsTable = new MemoryItemTable('datasets');
  const artefactsBucket = new MemoryObjectStore('artefacts');
  await ingestFile(datasetsBucket, datasetsTable, 'nsl-train', 'nsl_kdd/KDDTrain+.txt.gz');
  // KDDTest+'s two halves as datasets of their own (temporary files, removed below)
  const lines = readFileSync(datasetPath('nsl_kdd/KDDTest+.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const half = Math.floor(lines.length / 2);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prequential-'));
  try {
    for (const [name, part] of [
      ['nsl-test-a', lines.slice(0, half)],
      ['nsl-test-b', lines.slice(half)],
    ] as const) {
      const file = path.join(dir, `${name}.txt`);
      writeFileSync(file, `${part.join('\n')}\n`);
      await ingestDataset({ objects: datasetsBucket, manifests: datasetsTable }, { name, sourcePath: file, format: 'nsl-kdd' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const registered: (RegisterVersionInput & { version: number })[] = [];
  const deps = {
    datasetsTable,
    datasetsBucket,
    artefactsBucket,
    register: async (input: RegisterVersionInput) => {
      registered.push({ ...input, version: registered.length + 1 });
      return { version: registered.length };
    },
  };
  const request = { dataset: 'nsl-train', model: 'prequential', algorithm, classes: 'kdd-category' as const, seed, author: 'quality-test' };
  let t = performance.now();
  await runTrainingJob(deps, request);
  const parentSeconds = (performance.now() - t) / 1000;
  const parent: ParentVersion = registered[0];

  const cpuSeconds = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1e6;
  };
  t = performance.now();
  let cpu = process.cpuUsage();
  const adaptation = await runAdaptationJob(deps, { parent, sources: [{ dataset: 'nsl-test-a' }], seed, author: 'quality-test' });
  const adaptationSeconds = (performance.now() - t) / 1000;
  const adaptationCpuSeconds = cpuSeconds(cpu);

  // the full retrain: the platform's training job on KDDTrain+ plus the first half
  t = performance.now();
  cpu = process.cpuUsage();
  const full = await runTrainingJob(deps, { ...request, extraDatasets: [{ name: 'nsl-test-a', version: 1 }] });
  const fullRetrainSeconds = (performance.now() - t) / 1000;
  const fullRetrainCpuSeconds = cpuSeconds(cpu);

  // every model scored on the second half, in its own feature order and classes
  const second = (await loadDataset(await loadManifest(datasetsTable, 'nsl-test-b'), datasetsBucket, 'kdd-category')).data;
  const family = modelFamily(algorithm);
  const score = async (ref: ArtefactRef): Promise<number> => {
    const doc = await loadModelDocument(artefactsBucket, ref);
    const index = new Map(doc.classes.map((c, i) => [c, i]));
    const y = Int32Array.from(second.y, (c) => index.get(second.classes[c]) as number);
    return evaluate(y, family.predictProba(doc, alignFeatures(doc.schema, second.schema, second.X).X), doc.classes).macroF1;
  };

  let secondAdaptation: AdaptationJobResult | undefined;
  if (options.secondAdaptation) {
    const adapted: ParentVersion = registered[adaptation.version - 1];
    secondAdaptation = await runAdaptationJob(deps, { parent: adapted, sources: [{ dataset: 'nsl-test-b' }], seed, author: 'quality-test' });
  }
  return {
    algorithm,
    seed,
    staticMacroF1: await score(parent.artefacts.model),
    adaptedMacroF1: await score(adaptation.artefacts.model),
    fullRetrainMacroF1: await score(full.artefacts.model),
    parentSeconds,
    adaptationSeconds,
    fullRetrainSeconds,
    adaptationCpuSeconds,
    fullRetrainCpuSeconds,
    adaptationTimings: adaptation.summary.jobTimings as Readonly<Record<string, number>>,
    fullRetrainTimings: full.summary.jobTimings,
    adaptStepSeconds: adaptation.adaptation.millis / 1000,
    fullTrainStepSeconds: (full.summary.jobTimings.train ?? NaN) / 1000,
    forgetting: Object.fromEntries(
      Object.entries(adaptation.adaptation.forgetting.perClassRecall).map(([c, r]) => [c, { support: r.support, change: r.change }]),
    ),
    adaptation,
    ...(secondAdaptation ? { secondAdaptation } : {}),
  };
}
