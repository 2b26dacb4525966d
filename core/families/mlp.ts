// The multi-layer perceptron family (the learner for online and federated use).
import { MlpLearner, predictProbaFromMlpDocument, type MlpModelDocument } from '../learners/mlp';
import type { Learner } from '../learners/learner';
import { addMlpProbabilities, exportMlpToOnnx } from '../onnx/export-mlp';
import { noExplanations } from './explanations';
import type { ModelFamily } from './model-family';

const asMlp = (document: unknown): MlpModelDocument => document as MlpModelDocument;

export const MLP_FAMILY: ModelFamily = {
  id: 'mlp',
  description: 'multi-layer perceptron (standardised inputs, one-hot categoricals, softmax output)',
  threaded: false,
  trainable: true,
  // `hiddenLayers` may be given as "64,32" (a CLI flag, a SageMaker hyperparameter)
  create(seed, params): Learner {
    const { hiddenLayers, ...rest } = params;
    const layers =
      typeof hiddenLayers === 'string' ? hiddenLayers.split(',').map((s) => Number(s.trim())) : typeof hiddenLayers === 'number' ? [hiddenLayers] : undefined;
    return new MlpLearner({ ...rest, ...(layers ? { hiddenLayers: layers } : {}), seed });
  },
  load: (document) => MlpLearner.fromJSON(document),
  presets: (_classCount, requested) => ({ ...requested }),
  // epochs count from 1, and an epoch already covers all rows
  refit: (best) => ({ maxEpochs: Math.max(1, best) }),
  // adaptation: at most 10 epochs from the trained weights, early-stopped on the new samples' held-out slice (docs/online-learning.md)
  adaptation: () => ({ maxEpochs: 10 }),
  predictProba: (document, X) => predictProbaFromMlpDocument(asMlp(document), X),
  exportOnnx: (document) => exportMlpToOnnx(asMlp(document)),
  onnxGraph: (g, inputs, document) => ({ name: addMlpProbabilities(g, inputs, asMlp(document)), type: 'double' }),
  explanations: (document) =>
    noExplanations(
      document.classes,
      document.schema.features.map((f) => f.name),
      'MLP models have no TreeSHAP attributions',
    ),
  describe(document) {
    const d = asMlp(document);
    return { layers: d.layers.length, classes: d.classes.length, features: d.schema.features.length };
  },
};
