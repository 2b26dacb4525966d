// Exports a gradient-boosted tree model document (model.json) to ONNX: raw features in, class
// probabilities out. Preprocessing (NaN -> fill, clip to [min, max]) is carried by the trees'
// missing-value branches, or runs as graph ops where a split lies outside the range; the trees
// run as one single-target ai.onnx.ml TreeEnsembleRegressor per class (BRANCH_LEQ), concatenated,
// and multi-output trees as one K-target ensemble, then + baseScore, followed by Softmax.
// Matches core/learners/gbdt/predict.ts.
import { XdrError } from '../errors';
import type { GbdtModelDocument } from '../learners/gbdt/model-document';
import { ONNX_OUTPUT_LABEL, ONNX_OUTPUT_PROBABILITIES } from './feeds';
import { declareFeatureInputs, encodeCategoricals, ML_DOMAIN, type DeclaredInputs } from './graph-inputs';
import { DEFAULT_MERGE_BUDGET_BYTES, DEFAULT_MERGE_MAX_NODES, servingTrees } from './merge-trees';
import { attrFloats, attrInt, attrInts, attrString, attrStrings, type AttributeProto, DataType, encodeModel, GraphBuilder, tensorFloat } from './onnx-model';

/** Thrown when a GBDT document cannot be exported (shape errors, wrong format). */
export class GbdtExportError extends XdrError {
  override readonly name: string = 'GbdtExportError';
}

export interface OnnxExportOptions {
  /** Written to ModelProto.producer_version. */
  readonly producerVersion?: string;
  /** Written to ModelProto.model_version. */
  readonly modelVersion?: number;
  /** Extra metadata_props entries (e.g. model id, dataset version). */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Size budget (estimated bytes) of the served trees when runs of consecutive trees are merged
   * into single trees that compute their sum (see merge-trees.ts); 0 keeps the document's trees.
   * Default 4 MiB.
   */
  readonly mergeBudgetBytes?: number;
  /** Node cap of one merged tree (halved until the budget holds). Default 4,096. */
  readonly mergeMaxNodes?: number;
}

/**
 * Builds the ONNX model of a GBDT document. Inputs/outputs as in ./feeds (numeric, categorical ->
 * probabilities, label).
 * @example
 * const bytes = exportGbdtToOnnx(doc);
 * const session = await InferenceSession.create(Buffer.from(bytes));
 */
export function exportGbdtToOnnx(doc: GbdtModelDocument, options: OnnxExportOptions = {}): Uint8Array {
  checkGbdtDocument(doc);
  const k = doc.classes.length;
  const g = new GraphBuilder('gbdt');
  const served = addGbdtProbabilities(g, declareFeatureInputs(g, doc.schema), doc, options);
  const proba = served.probabilities;
  const label = g.op('ArgMax', [proba], [attrInt('axis', 1), attrInt('keepdims', 0)]);
  g.output(proba, DataType.FLOAT, ['N', k], ONNX_OUTPUT_PROBABILITIES, `class probabilities: ${doc.classes.join(', ')}`);
  g.output(label, DataType.INT64, ['N'], ONNX_OUTPUT_LABEL, 'index of the most probable class');

  return encodeModel({
    graph: g.build(`gradient-boosted trees, ${doc.trees.length} trees served as ${served.servedTrees}, classes: ${doc.classes.join(', ')}`),
    producerName: 'mini-xdr-ml',
    producerVersion: options.producerVersion,
    modelVersion: options.modelVersion,
    metadata: {
      format: 'gbdt',
      classes: JSON.stringify(doc.classes),
      servedTrees: String(served.servedTrees),
      mergeMaxNodes: String(served.maxNodes),
      ...options.metadata,
    },
  });
}

function checkGbdtDocument(doc: GbdtModelDocument): void {
  if (doc.format !== 'gbdt') throw new GbdtExportError(`expected a gbdt document, got format "${String(doc.format)}"`);
  const nFeatures = doc.schema.features.length;
  const k = doc.classes.length;
  const { fill, min, max } = doc.preprocessing;
  if (fill.length !== nFeatures || min.length !== nFeatures || max.length !== nFeatures) {
    throw new GbdtExportError(`preprocessing arrays must have ${nFeatures} entries`);
  }
  if (doc.baseScore.length !== k) throw new GbdtExportError(`baseScore has ${doc.baseScore.length} entries for ${k} classes`);
}

/** What addGbdtProbabilities added: the float32 [N, K] probabilities and the serving plan. */
export interface GbdtGraph {
  readonly probabilities: string;
  readonly servedTrees: number;
  readonly maxNodes: number;
}

/**
 * Adds a GBDT document's graph to `g` on already declared inputs: its categorical encoding, the
 * trees (merged for serving), + baseScore and Softmax. Returns the float32 probabilities' name.
 * @example const { probabilities } = g.scoped('m0_', () => addGbdtProbabilities(g, declared, doc, {}));
 */
export function addGbdtProbabilities(
  g: GraphBuilder,
  declared: DeclaredInputs,
  doc: GbdtModelDocument,
  options: Pick<OnnxExportOptions, 'mergeBudgetBytes' | 'mergeMaxNodes'> = {},
): GbdtGraph {
  checkGbdtDocument(doc);
  const nFeatures = doc.schema.features.length;
  const k = doc.classes.length;
  const { fill, min, max } = doc.preprocessing;
  const inputs = encodeCategoricals(g, doc.schema, declared, 'float', doc.preprocessing.categoryRank);
  // Internal column order: numeric features, then categorical ones. order[internal] = schema index.
  const order = [...inputs.layout.numeric, ...inputs.layout.categorical];
  const internalOf = new Int32Array(nFeatures);
  order.forEach((schemaIndex, internal) => (internalOf[schemaIndex] = internal));

  const raw = inputs.codes.length > 0 ? g.op('Concat', [inputs.numeric, ...inputs.codes], [attrInt('axis', 1)]) : inputs.numeric;
  // Preprocessing in the graph only where the trees could tell: when every split of a feature
  // lies in [min, max) (float32), clipping never changes a branch, and a missing value's branch
  // is the one its fill value takes (nodes_missing_value_tracks_true). Trained models always
  // qualify (thresholds are bin edges below the top one); others get NaN fill and clipping ops.
  const missingGoesLeft = treesIgnoreClipping(doc) ? (f: number, threshold: number): boolean => fillValue(doc, f) <= Math.fround(threshold) : null;
  let clipped = raw;
  if (!missingGoesLeft) {
    const fillT = g.constant(
      tensorFloat(
        'fill',
        [nFeatures],
        order.map((j) => fill[j]),
      ),
    );
    const minT = g.constant(
      tensorFloat(
        'min',
        [nFeatures],
        order.map((j) => min[j]),
      ),
    );
    const maxT = g.constant(
      tensorFloat(
        'max',
        [nFeatures],
        order.map((j) => max[j]),
      ),
    );
    const filled = g.op('Where', [g.op('IsNaN', [raw]), fillT, raw]);
    clipped = g.op('Min', [g.op('Max', [filled, minT]), maxT]);
  }

  // baseScore is added explicitly: onnxruntime drops base_values of a target no tree writes to.
  // One single-target ensemble per class, concatenated: onnxruntime's single-target path is the
  // faster one (it keeps one score per row, where K targets keep a K-vector per row and add a
  // leaf's K values one by one); cicids2017, 10 classes, one thread: 41.7k → 60.9k rows/s.
  // Multi-output trees (one tree per round, K values per leaf) form one K-target ensemble added
  // to the per-class ones; a model has one kind or, continued from the other kind, both.
  doc.trees.forEach((tree, t) => {
    if (tree.values !== undefined) {
      if (tree.classIndex !== -1) throw new GbdtExportError(`tree ${t} has per-class values but classIndex ${tree.classIndex} (must be -1)`);
      if (tree.values.length !== tree.left.length * k)
        throw new GbdtExportError(`tree ${t} has ${tree.values.length} values for ${tree.left.length} nodes and ${k} classes`);
    } else if (!(Number.isInteger(tree.classIndex) && tree.classIndex >= 0 && tree.classIndex < k))
      throw new GbdtExportError(`tree ${t} has classIndex ${tree.classIndex} of ${k} classes`);
  });
  // onnxruntime pays per tree walked: serve runs of trees merged into fewer, exact ones
  const served = servingTrees(doc, {
    budgetBytes: options.mergeBudgetBytes ?? DEFAULT_MERGE_BUDGET_BYTES,
    maxNodes: options.mergeMaxNodes ?? DEFAULT_MERGE_MAX_NODES,
  });
  const multiTrees = served.trees.filter((t) => t.values !== undefined);
  const hasClassTrees = multiTrees.length < served.trees.length;
  const parts: string[] = [];
  if (hasClassTrees || multiTrees.length === 0) {
    const classScores = doc.classes.map((_, c) => {
      const trees = served.trees.filter((t) => t.classIndex === c).map((t) => ({ ...t, classIndex: 0 }));
      return g.op('TreeEnsembleRegressor', [clipped], treeAttributes(trees, 1, internalOf, missingGoesLeft), { domain: ML_DOMAIN });
    });
    parts.push(k === 1 ? classScores[0] : g.op('Concat', classScores, [attrInt('axis', 1)]));
  }
  if (multiTrees.length > 0)
    parts.push(g.op('TreeEnsembleRegressor', [clipped], treeAttributes(multiTrees, k, internalOf, missingGoesLeft), { domain: ML_DOMAIN }));
  const treeScores = parts.length === 1 ? parts[0] : g.op('Add', parts);
  const scores = g.op('Add', [treeScores, g.constant(tensorFloat('base_score', [k], doc.baseScore))]);
  return { probabilities: g.op('Softmax', [scores], [attrInt('axis', 1)]), servedTrees: served.trees.length, maxNodes: served.maxNodes };
}

/** A feature's missing value as the trees see it: fill, clipped to the range, rounded to float32. */
function fillValue(doc: GbdtModelDocument, f: number): number {
  const { fill, min, max } = doc.preprocessing;
  return Math.fround(Math.min(Math.max(fill[f], min[f]), max[f]));
}

/**
 * Whether clipping to [min, max] never changes a branch: every threshold t of feature f has
 * fround(min[f]) <= t < fround(max[f]). Then a value below min goes left like min does, and one
 * above max goes right like max does (float32 rounding is monotonic).
 */
function treesIgnoreClipping(doc: GbdtModelDocument): boolean {
  const lo = doc.preprocessing.min.map((v) => Math.fround(v));
  const hi = doc.preprocessing.max.map((v) => Math.fround(v));
  return doc.trees.every((tree) =>
    tree.left.every((l, i) => {
      if (l === -1) return true;
      const f = tree.feature[i];
      const t = Math.fround(tree.threshold[i]);
      return t >= lo[f] && t < hi[f];
    }),
  );
}

function treeAttributes(
  docTrees: GbdtModelDocument['trees'],
  nTargets: number,
  internalOf: Int32Array,
  /** Set when the graph leaves NaN to the trees: whether a missing value of feature f goes left at threshold t. */
  missingGoesLeft: ((f: number, threshold: number) => boolean) | null,
): AttributeProto[] {
  const trees = docTrees.length > 0 ? docTrees : [{ classIndex: 0, feature: [0], threshold: [0], left: [-1], right: [-1], value: [0], cover: [0] }];
  // typed arrays sized up front: a merged ensemble has 10^5 nodes and more
  let nodes = 0;
  let targets = 0;
  for (const tree of trees) {
    nodes += tree.left.length;
    for (const l of tree.left) if (l === -1) targets += tree.values ? nTargets : 1;
  }
  const missingLeft = new Int32Array(nodes);
  const treeIds = new Int32Array(nodes);
  const nodeIds = new Int32Array(nodes);
  const featureIds = new Int32Array(nodes);
  const values = new Float32Array(nodes);
  const modes: string[] = new Array<string>(nodes);
  const trueIds = new Int32Array(nodes);
  const falseIds = new Int32Array(nodes);
  const targetTree = new Int32Array(targets);
  const targetNode = new Int32Array(targets);
  const targetId = new Int32Array(targets);
  const targetWeight = new Float32Array(targets);
  let at = 0;
  let target = 0;
  trees.forEach((tree, t) => {
    const n = tree.left.length;
    if (n === 0 || tree.right.length !== n || tree.feature.length !== n || tree.threshold.length !== n || tree.value.length !== n) {
      throw new GbdtExportError(`tree ${t} has inconsistent array lengths`);
    }
    const leafValues = tree.values;
    for (let i = 0; i < n; i++, at++) {
      treeIds[at] = t;
      nodeIds[at] = i;
      if (tree.left[i] === -1) {
        modes[at] = 'LEAF';
        if (leafValues) {
          for (let c = 0; c < nTargets; c++, target++) {
            targetTree[target] = t;
            targetNode[target] = i;
            targetId[target] = c;
            targetWeight[target] = leafValues[i * nTargets + c];
          }
        } else {
          targetTree[target] = t;
          targetNode[target] = i;
          targetId[target] = tree.classIndex;
          targetWeight[target++] = tree.value[i];
        }
      } else {
        const f = tree.feature[i];
        if (!(f >= 0 && f < internalOf.length)) throw new GbdtExportError(`tree ${t} node ${i} splits on feature ${f}`);
        if (!(tree.left[i] > i && tree.left[i] < n && tree.right[i] > i && tree.right[i] < n)) {
          throw new GbdtExportError(`tree ${t} node ${i} has invalid children ${tree.left[i]}, ${tree.right[i]}`);
        }
        featureIds[at] = internalOf[f];
        values[at] = tree.threshold[i];
        missingLeft[at] = missingGoesLeft?.(f, tree.threshold[i]) ? 1 : 0;
        modes[at] = 'BRANCH_LEQ';
        trueIds[at] = tree.left[i];
        falseIds[at] = tree.right[i];
      }
    }
  });
  return [
    attrInt('n_targets', nTargets),
    attrString('aggregate_function', 'SUM'),
    attrString('post_transform', 'NONE'),
    attrInts('nodes_treeids', treeIds),
    attrInts('nodes_nodeids', nodeIds),
    attrInts('nodes_featureids', featureIds),
    attrFloats('nodes_values', values),
    attrStrings('nodes_modes', modes),
    attrInts('nodes_truenodeids', trueIds),
    attrInts('nodes_falsenodeids', falseIds),
    ...(missingGoesLeft ? [attrInts('nodes_missing_value_tracks_true', missingLeft)] : []),
    attrInts('target_treeids', targetTree),
    attrInts('target_nodeids', targetNode),
    attrInts('target_ids', targetId),
    attrFloats('target_weights', targetWeight),
  ];
}
