// Exports an ensemble as one ONNX graph: the members' graphs side by side on the shared raw-feature
// inputs (every generated name prefixed `m<i>_`), each member's probabilities cast to float64 and
// scaled by its weight, summed, cast to float32. Raw features in, probabilities and label out, like
// every exported model (./feeds). The members' graphs come from their families (passed in).
import { XdrError } from '../errors';
import type { FeatureSchema } from '../data/table';
import type { OnnxExportOptions } from './export-gbdt';
import { ONNX_OUTPUT_LABEL, ONNX_OUTPUT_PROBABILITIES } from './feeds';
import { declareFeatureInputs, type DeclaredInputs } from './graph-inputs';
import { attrInt, DataType, encodeModel, GraphBuilder, tensorDouble } from './onnx-model';

/** Thrown when an ensemble cannot be exported. */
export class EnsembleExportError extends XdrError {
  override readonly name: string = 'EnsembleExportError';
}

/** A member's probabilities in the shared graph: the value's name and its element type. */
export interface MemberProbabilities {
  readonly name: string;
  readonly type: 'float' | 'double';
}

/** One member to export: its weight, what it is (for the graph's doc string) and how its graph is added. */
export interface EnsembleExportMember {
  readonly weight: number;
  readonly label: string;
  readonly addGraph: (g: GraphBuilder, inputs: DeclaredInputs) => MemberProbabilities;
}

/**
 * Builds the ONNX model of a weighted ensemble.
 * @example
 * const bytes = exportEnsembleToOnnx(schema, classes, [{ weight: 0.6, label: 'ids@1', addGraph: (g, i) => ... }]);
 */
export function exportEnsembleToOnnx(
  schema: FeatureSchema,
  classes: readonly string[],
  members: readonly EnsembleExportMember[],
  options: Pick<OnnxExportOptions, 'producerVersion' | 'modelVersion' | 'metadata'> = {},
): Uint8Array {
  if (members.length === 0) throw new EnsembleExportError('an ensemble needs at least one member to export');
  const k = classes.length;
  const g = new GraphBuilder('ensemble');
  const inputs = declareFeatureInputs(g, schema);
  const weighted = members.map((m, i) => {
    if (!(m.weight > 0)) throw new EnsembleExportError(`member ${m.label} has weight ${m.weight}`);
    return g.scoped(`m${i}_`, () => {
      const p = m.addGraph(g, inputs);
      const p64 = p.type === 'double' ? p.name : g.op('Cast', [p.name], [attrInt('to', DataType.DOUBLE)]);
      return g.op('Mul', [p64, g.constant(tensorDouble('weight', [1], [m.weight]))]);
    });
  });
  const proba64 = weighted.length === 1 ? weighted[0] : g.op('Sum', weighted);
  const proba = g.op('Cast', [proba64], [attrInt('to', DataType.FLOAT)]);
  const label = g.op('ArgMax', [proba64], [attrInt('axis', 1), attrInt('keepdims', 0)]);
  g.output(proba, DataType.FLOAT, ['N', k], ONNX_OUTPUT_PROBABILITIES, `class probabilities: ${classes.join(', ')}`);
  g.output(label, DataType.INT64, ['N'], ONNX_OUTPUT_LABEL, 'index of the most probable class');
  return encodeModel({
    graph: g.build(`weighted ensemble of ${members.map((m) => `${m.label} × ${m.weight.toFixed(4)}`).join(', ')}; classes: ${classes.join(', ')}`),
    producerName: 'mini-xdr-ml',
    producerVersion: options.producerVersion,
    modelVersion: options.modelVersion,
    metadata: {
      format: 'ensemble',
      classes: JSON.stringify(classes),
      members: JSON.stringify(members.map((m) => ({ member: m.label, weight: m.weight }))),
      ...options.metadata,
    },
  });
}
