// The gradient-boosted trees family. Presets: why each value, with the measurements, is in
// docs/presets.md; each line here keeps its one-line reason.
import { exportGbdtToOnnx } from '../onnx/export-gbdt';
import { GbdtLearner, predictProbaFromDocument, shapValues, type GbdtModelDocument } from '../learners/gbdt';
import type { LearnerParams } from '../training';
import { treeExplanations } from './explanations';
import type { ModelFamily } from './model-family';

/** From this many classes the pipeline's GBDT grows multi-output trees (unless the request sets `multiOutput`). */
export const MULTI_OUTPUT_MIN_CLASSES = 8;

/**
 * Regularised trees (lambda 10, minChildWeight 10), few rounds at a high learning rate, and a split
 * penalty that keeps served trees shallow (docs/presets.md).
 */
export const GBDT_PRESETS = {
  /** Fewer than 8 classes: one depth-4 tree per class per round (depth 8 overfits NSL-KDD). */
  gbdtPerClass: { maxDepth: 4, lambda: 10, minChildWeight: 10, learningRate: 0.25, nRounds: 40, splitPenalty: 0.004 },
  /** 8 classes or more: one depth-6 tree per round, splits searched on a 3-dimensional gradient sketch. */
  gbdtMultiOutput: { multiOutput: true, sketchDims: 3, maxDepth: 6, lambda: 10, minChildWeight: 10, learningRate: 0.3, nRounds: 100, splitPenalty: 0.003 },
} as const satisfies Record<string, LearnerParams>;

const asGbdt = (document: unknown): GbdtModelDocument => document as GbdtModelDocument;

export const GBDT_FAMILY: ModelFamily = {
  id: 'gbdt',
  description: 'gradient-boosted decision trees (histogram splits, per-class or multi-output trees)',
  threaded: true,
  create: (seed, params) => new GbdtLearner({ ...params, seed }),
  presets(classCount, requested) {
    const multi = typeof requested.multiOutput === 'boolean' ? requested.multiOutput : classCount >= MULTI_OUTPUT_MIN_CLASSES;
    return { ...(multi ? GBDT_PRESETS.gbdtMultiOutput : GBDT_PRESETS.gbdtPerClass), ...requested };
  },
  // rounds grow with the data (rounds × refit rows / fitted rows), a common rule for boosting refits
  refit: (best, rows) => ({ nRounds: Math.max(1, Math.round(((best + 1) * rows.refit) / rows.fitted)), earlyStoppingRounds: 0 }),
  // a mining round adds up to a quarter of the kept model's rounds on the re-weighted rows
  continuation: (best) => ({ nRounds: Math.max(1, Math.ceil((best + 1) / 4)) }),
  // adaptation: at most 40 rounds at half the trained learning rate, early-stopped on the new samples' held-out slice (docs/online-learning.md)
  adaptation: (trained) => ({
    nRounds: 40,
    learningRate: (typeof trained.learningRate === 'number' ? trained.learningRate : 0.3) / 2,
    earlyStoppingRounds: 10,
  }),
  predictProba: (document, X) => predictProbaFromDocument(asGbdt(document), X),
  exportOnnx: (document, settings) => exportGbdtToOnnx(asGbdt(document), { ...settings }),
  explanations: (document, heldOut, options) => treeExplanations(asGbdt(document), heldOut, options),
  attributions: (document, X) => shapValues(asGbdt(document), X),
  describe(document) {
    const d = asGbdt(document);
    return { trees: d.trees.length, classes: d.classes.length, features: d.schema.features.length };
  },
};
