// Graph fragments shared by the exporters: the raw-feature inputs (`numeric`, `categorical`) and
// the ai.onnx.ml LabelEncoder that turns each categorical column's strings into vocabulary codes.
import type { FeatureSchema } from '../data/table';
import { featureLayout, MISSING_CATEGORY, ONNX_INPUT_CATEGORICAL, ONNX_INPUT_NUMERIC, type FeatureLayout } from './feeds';
import { attrFloat, attrFloats, attrInt, attrInts, attrStrings, DataType, GraphBuilder, tensorInt64 } from './onnx-model';

export const ML_DOMAIN = 'ai.onnx.ml';

/** The declared inputs of a graph and the per-categorical-column code tensors. */
export interface FeatureInputs {
  readonly layout: FeatureLayout;
  /** name of the float32 [N, n_numeric] input */
  readonly numeric: string;
  /** one [N, 1] code tensor per categorical feature, in schema order */
  readonly codes: readonly string[];
}

/** The declared raw-feature inputs of a graph, before any encoding. */
export interface DeclaredInputs {
  readonly layout: FeatureLayout;
  /** name of the float32 [N, n_numeric] input */
  readonly numeric: string;
  /** name of the string [N, n_categorical] input; undefined when the schema has no categorical feature */
  readonly categorical?: string;
}

/**
 * Declares the `numeric` (and, when needed, `categorical`) inputs of a schema, once per graph.
 * @example const declared = declareFeatureInputs(g, doc.schema);
 */
export function declareFeatureInputs(g: GraphBuilder, schema: FeatureSchema): DeclaredInputs {
  const layout = featureLayout(schema);
  const numeric = g.input(ONNX_INPUT_NUMERIC, DataType.FLOAT, ['N', layout.numeric.length], 'numeric features in schema order');
  const categorical =
    layout.categorical.length > 0
      ? g.input(ONNX_INPUT_CATEGORICAL, DataType.STRING, ['N', layout.categorical.length], 'categorical features (raw strings) in schema order')
      : undefined;
  return { layout, numeric, categorical };
}

/**
 * Declares the `numeric` (and, when needed, `categorical`) inputs and encodes every categorical
 * column with a LabelEncoder (see encodeCategoricals).
 */
export function addFeatureInputs(
  g: GraphBuilder,
  schema: FeatureSchema,
  codeType: 'float' | 'int64',
  /** Per schema feature, null or the value each vocabulary code maps to (a GBDT's `categoryRank`); default: the code. */
  codeValues?: readonly (readonly number[] | null)[],
): FeatureInputs {
  return encodeCategoricals(g, schema, declareFeatureInputs(g, schema), codeType, codeValues);
}

/**
 * Encodes every categorical column of declared inputs with a LabelEncoder: vocabulary value -> its
 * index (or `codeValues[j][index]`), unseen -> -1.
 * - codeType 'float': float32 codes; the missing marker "" -> NaN (unless "" is in the vocabulary);
 * - codeType 'int64': int64 codes; missing -> -1 like an unseen value.
 */
export function encodeCategoricals(
  g: GraphBuilder,
  schema: FeatureSchema,
  declared: DeclaredInputs,
  codeType: 'float' | 'int64',
  codeValues?: readonly (readonly number[] | null)[],
): FeatureInputs {
  const { layout, numeric, categorical } = declared;
  const codes: string[] = [];
  if (categorical !== undefined) {
    layout.categorical.forEach((j, k) => {
      const spec = schema.features[j];
      if (spec.kind !== 'categorical') return;
      const column = g.op('Gather', [categorical, g.constant(tensorInt64(`col_${k}`, [1], [k]))], [attrInt('axis', 1)]);
      const keys = [...spec.vocabulary];
      const ranked = codeValues?.[j] ?? null;
      const values = keys.map((_, c) => (ranked ? ranked[c] : c));
      if (codeType === 'float') {
        if (!keys.includes(MISSING_CATEGORY)) {
          keys.push(MISSING_CATEGORY);
          values.push(NaN);
        }
        codes.push(
          g.op('LabelEncoder', [column], [attrStrings('keys_strings', keys), attrFloats('values_floats', values), attrFloat('default_float', -1)], {
            domain: ML_DOMAIN,
          }),
        );
      } else {
        codes.push(
          g.op('LabelEncoder', [column], [attrStrings('keys_strings', keys), attrInts('values_int64s', values), attrInt('default_int64', -1)], {
            domain: ML_DOMAIN,
          }),
        );
      }
    });
  }
  return { layout, numeric, codes };
}
