// Test fixtures for the registry: registration inputs with plausible metrics and artefact refs
// (these refs point at nothing), and a gate comparer that reads the registered per-class recalls
// as the two versions' scores on the same rows — for tests of the registry's mechanics; the real
// comparison (core/pipeline/gate-comparison.ts) is tested with real bundles.
import { BUNDLE_FILES, artefactKey, sha256Hex, type BundleRefs, type BundleRole } from '../../artefacts/bundle';
import type { GateComparer, RegisterVersionInput } from '../model-registry';
import type { RowScores } from '../promotion-gate';

export const CLASSES = ['Normal', 'DDoS/DoS', 'Brute Force'] as const;

/** Artefact refs for a model, distinct per `seed`. */
export function fakeBundle(model: string, seed: string): BundleRefs {
  const refs = {} as Record<BundleRole, { key: string; sha256: string; bytes: number }>;
  for (const role of Object.keys(BUNDLE_FILES) as BundleRole[]) {
    const sha256 = sha256Hex(`${model}/${seed}/${role}`);
    refs[role] = { key: artefactKey(model, role, sha256), sha256, bytes: 1024 };
  }
  return refs;
}

/** A registration input with the given macro-F1 and per-class recalls (default all 0.95). */
export function registrationInput(
  model: string,
  options: {
    macroF1?: number;
    recall?: Partial<Record<(typeof CLASSES)[number], number>>;
    datasetVersion?: number;
    parentVersion?: number;
    seed?: string;
  } = {},
): RegisterVersionInput {
  const perClass = Object.fromEntries(
    CLASSES.map((label) => {
      const recall = options.recall?.[label] ?? 0.95;
      return [label, { precision: 0.95, recall, f1: (2 * 0.95 * recall) / (0.95 + recall), support: 200 }];
    }),
  );
  return {
    model,
    algorithm: 'gbdt',
    artefacts: fakeBundle(model, options.seed ?? `${options.macroF1 ?? 0.9}-${JSON.stringify(options.recall ?? {})}`),
    dataset: { name: 'synthetic', version: options.datasetVersion ?? 1, sha256: sha256Hex(`dataset-${options.datasetVersion ?? 1}`) },
    metrics: { macroF1: options.macroF1 ?? 0.9, accuracy: 0.93, weightedF1: 0.92, perClass, rocAucMacro: Number.NaN },
    classes: [...CLASSES],
    hyperparameters: { rounds: 100, learningRate: 0.1, maxDepth: 6 },
    parentVersion: options.parentVersion,
    author: 'trainer',
    trainingJobId: `job-${model}`,
    classSpace: 'taxonomy',
    features: FEATURES.map((f) => ({ ...f })),
    seed: 42,
    requestedParams: {},
  };
}

/** The fixture versions' features. */
export const FEATURES = [
  { name: 'Flow Duration', kind: 'numeric' as const },
  { name: 'Protocol', kind: 'categorical' as const },
];

function scoresOf(metrics: Readonly<Record<string, unknown>>): RowScores {
  const perClass = (metrics.perClass ?? {}) as Record<string, { recall: number; support: number }>;
  return {
    macroF1: typeof metrics.macroF1 === 'number' ? metrics.macroF1 : 0,
    perClass: Object.fromEntries(Object.entries(perClass).map(([label, c]) => [label, { recall: c.recall, support: c.support }])),
  };
}

/** A GateComparer that reads each version's registered per-class recall as its score on the same 600 rows. */
export const fixtureComparer: GateComparer = async (candidate, current) => ({
  comparison: { rows: 600, rowsDescription: 'the fixture rows', candidate: scoresOf(candidate.metrics), current: scoresOf(current.metrics) },
});
