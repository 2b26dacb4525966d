// Typed builders for the subset of ONNX messages (onnx.proto / onnx-ml.proto, IR version 8) that
// our exporters need, encoded with the hand-written protobuf writer. Field numbers follow the
// official onnx.proto; see the FIELD tables below.
import { XdrError } from '../errors';
import { ProtoWriter } from './protobuf';

/** Thrown when a model, graph or tensor is malformed (shape/data mismatch, duplicate names). */
export class OnnxBuildError extends XdrError {
  override readonly name: string = 'OnnxBuildError';
}

/** TensorProto.DataType codes. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  DOUBLE: 11,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType codes. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

// Field numbers from onnx.proto.
const MODEL = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  domain: 4,
  modelVersion: 5,
  docString: 6,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
} as const;
const OPSET = { domain: 1, version: 2 } as const;
const STRING_ENTRY = { key: 1, value: 2 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12, valueInfo: 13 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6, domain: 7 } as const;
const ATTR = { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, strings: 9, type: 20 } as const;
const TENSOR = { dims: 1, dataType: 2, floatData: 4, int32Data: 5, stringData: 6, int64Data: 7, name: 8, rawData: 9, doubleData: 10 } as const;
const VALUE_INFO = { name: 1, type: 2, docString: 3 } as const;
const TYPE = { tensorType: 1 } as const;
const TYPE_TENSOR = { elemType: 1, shape: 2 } as const;
const SHAPE = { dim: 1 } as const;
const DIM = { dimValue: 1, dimParam: 2 } as const;

/** ONNX IR version written by default (ONNX 1.10+, "IR_VERSION_2021_7_30"). */
export const IR_VERSION = 8;
/** Default operator sets: the standard domain at opset 17 and ai.onnx.ml at opset 3. */
export const DEFAULT_OPSETS: readonly OperatorSetId[] = [
  { domain: '', version: 17 },
  { domain: 'ai.onnx.ml', version: 3 },
];

export interface OperatorSetId {
  readonly domain: string;
  readonly version: number;
}

/** A tensor constant. Exactly one data field should be set (or `rawData`, little-endian). */
export interface TensorProto {
  readonly name: string;
  readonly dataType: DataTypeCode;
  readonly dims: readonly number[];
  readonly floatData?: ArrayLike<number>;
  readonly doubleData?: ArrayLike<number>;
  readonly int32Data?: ArrayLike<number>;
  readonly int64Data?: ArrayLike<number | bigint>;
  readonly stringData?: readonly string[];
  readonly rawData?: Uint8Array;
}

export type AttributeProto =
  | { readonly name: string; readonly type: 'FLOAT'; readonly value: number }
  | { readonly name: string; readonly type: 'INT'; readonly value: number | bigint }
  | { readonly name: string; readonly type: 'STRING'; readonly value: string }
  | { readonly name: string; readonly type: 'TENSOR'; readonly value: TensorProto }
  | { readonly name: string; readonly type: 'FLOATS'; readonly value: ArrayLike<number> }
  | { readonly name: string; readonly type: 'INTS'; readonly value: ArrayLike<number | bigint> }
  | { readonly name: string; readonly type: 'STRINGS'; readonly value: readonly string[] };

export interface NodeProto {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  /** '' (default) for the standard domain, 'ai.onnx.ml' for the ML operators. */
  readonly domain?: string;
  readonly attributes?: readonly AttributeProto[];
  readonly docString?: string;
}

/** A dimension: a fixed size or a symbolic name such as "N". */
export type Dim = number | string;

export interface ValueInfoProto {
  readonly name: string;
  readonly elemType: DataTypeCode;
  readonly shape: readonly Dim[];
  readonly docString?: string;
}

export interface GraphProto {
  readonly name: string;
  readonly nodes: readonly NodeProto[];
  readonly inputs: readonly ValueInfoProto[];
  readonly outputs: readonly ValueInfoProto[];
  readonly initializers?: readonly TensorProto[];
  readonly docString?: string;
}

export interface ModelProto {
  readonly graph: GraphProto;
  readonly irVersion?: number;
  readonly opsetImports?: readonly OperatorSetId[];
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly domain?: string;
  readonly modelVersion?: number;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

// ---- attribute helpers ----

/** @example attrFloat('alpha', 0.5) */
export const attrFloat = (name: string, value: number): AttributeProto => ({ name, type: 'FLOAT', value });
/** @example attrInt('axis', 1) */
export const attrInt = (name: string, value: number | bigint): AttributeProto => ({ name, type: 'INT', value });
/** @example attrString('post_transform', 'NONE') */
export const attrString = (name: string, value: string): AttributeProto => ({ name, type: 'STRING', value });
/** @example attrTensor('value', tensorFloat('c', [1], [2])) */
export const attrTensor = (name: string, value: TensorProto): AttributeProto => ({ name, type: 'TENSOR', value });
/** @example attrFloats('base_values', [0, 0]) */
export const attrFloats = (name: string, value: ArrayLike<number>): AttributeProto => ({ name, type: 'FLOATS', value });
/** @example attrInts('nodes_treeids', [0, 0, 0]) */
export const attrInts = (name: string, value: ArrayLike<number | bigint>): AttributeProto => ({ name, type: 'INTS', value });
/** @example attrStrings('keys_strings', ['tcp', 'udp']) */
export const attrStrings = (name: string, value: readonly string[]): AttributeProto => ({ name, type: 'STRINGS', value });

// ---- tensor helpers ----

function checkCount(name: string, dims: readonly number[], count: number): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== count) throw new OnnxBuildError(`tensor ${name}: dims [${dims.join(', ')}] need ${expected} values, got ${count}`);
}

/** float32 tensor (float_data). @example tensorFloat('w', [2, 2], [1, 0, 0, 1]) */
export function tensorFloat(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  checkCount(name, dims, values.length);
  return { name, dataType: DataType.FLOAT, dims, floatData: values };
}

/** float64 tensor (double_data). @example tensorDouble('mean', [3], [0.1, 2, 3]) */
export function tensorDouble(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  checkCount(name, dims, values.length);
  return { name, dataType: DataType.DOUBLE, dims, doubleData: values };
}

/** int64 tensor (int64_data). @example tensorInt64('idx', [1], [3]) */
export function tensorInt64(name: string, dims: readonly number[], values: ArrayLike<number | bigint>): TensorProto {
  checkCount(name, dims, values.length);
  return { name, dataType: DataType.INT64, dims, int64Data: values };
}

/** string tensor (string_data, UTF-8). @example tensorString('names', [2], ['a', 'b']) */
export function tensorString(name: string, dims: readonly number[], values: readonly string[]): TensorProto {
  checkCount(name, dims, values.length);
  return { name, dataType: DataType.STRING, dims, stringData: values };
}

/** Tensor from little-endian raw bytes (raw_data). @example tensorRaw('w', DataType.FLOAT, [2], new Uint8Array(new Float32Array([1, 2]).buffer)) */
export function tensorRaw(name: string, dataType: DataTypeCode, dims: readonly number[], rawData: Uint8Array): TensorProto {
  return { name, dataType, dims, rawData };
}

/** Value info for a tensor graph input/output. @example tensorValueInfo('numeric', DataType.FLOAT, ['N', 38]) */
export function tensorValueInfo(name: string, elemType: DataTypeCode, shape: readonly Dim[], docString?: string): ValueInfoProto {
  return { name, elemType, shape, docString };
}

// ---- encoders ----

const textEncoder = new TextEncoder();

function writeTensor(w: ProtoWriter, t: TensorProto): void {
  w.packedVarints(TENSOR.dims, t.dims);
  w.int64(TENSOR.dataType, t.dataType);
  if (t.name) w.string(TENSOR.name, t.name);
  if (t.rawData) w.bytes(TENSOR.rawData, t.rawData);
  if (t.floatData) w.packedFloats(TENSOR.floatData, t.floatData);
  if (t.doubleData) w.packedDoubles(TENSOR.doubleData, t.doubleData);
  if (t.int32Data) w.packedVarints(TENSOR.int32Data, t.int32Data);
  if (t.int64Data) w.packedVarints(TENSOR.int64Data, t.int64Data);
  if (t.stringData) for (const s of t.stringData) w.bytes(TENSOR.stringData, textEncoder.encode(s));
}

function writeAttribute(w: ProtoWriter, a: AttributeProto): void {
  w.string(ATTR.name, a.name);
  switch (a.type) {
    case 'FLOAT':
      w.int64(ATTR.type, AttributeType.FLOAT).float(ATTR.f, a.value);
      break;
    case 'INT':
      w.int64(ATTR.type, AttributeType.INT).int64(ATTR.i, a.value);
      break;
    case 'STRING':
      w.int64(ATTR.type, AttributeType.STRING).string(ATTR.s, a.value);
      break;
    case 'TENSOR':
      w.int64(ATTR.type, AttributeType.TENSOR).message(ATTR.t, (sub) => writeTensor(sub, a.value));
      break;
    case 'FLOATS':
      w.int64(ATTR.type, AttributeType.FLOATS).packedFloats(ATTR.floats, a.value);
      break;
    case 'INTS':
      w.int64(ATTR.type, AttributeType.INTS).packedVarints(ATTR.ints, a.value);
      break;
    case 'STRINGS':
      {
        // a tree ensemble repeats a few strings (node modes) once per node: encode each once
        w.int64(ATTR.type, AttributeType.STRINGS);
        const encoded = new Map<string, Uint8Array>();
        for (const s of a.value) {
          let bytes = encoded.get(s);
          if (!bytes) encoded.set(s, (bytes = textEncoder.encode(s)));
          w.bytes(ATTR.strings, bytes);
        }
      }
      break;
  }
}

function writeNode(w: ProtoWriter, n: NodeProto): void {
  for (const i of n.inputs) w.string(NODE.input, i);
  for (const o of n.outputs) w.string(NODE.output, o);
  if (n.name) w.string(NODE.name, n.name);
  w.string(NODE.opType, n.opType);
  for (const a of n.attributes ?? []) w.message(NODE.attribute, (sub) => writeAttribute(sub, a));
  if (n.docString) w.string(NODE.docString, n.docString);
  if (n.domain) w.string(NODE.domain, n.domain);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoProto): void {
  w.string(VALUE_INFO.name, v.name);
  w.message(VALUE_INFO.type, (type) =>
    type.message(TYPE.tensorType, (tt) => {
      tt.int64(TYPE_TENSOR.elemType, v.elemType);
      tt.message(TYPE_TENSOR.shape, (shape) => {
        for (const d of v.shape) {
          shape.message(SHAPE.dim, (dim) => {
            if (typeof d === 'number') dim.int64(DIM.dimValue, d);
            else dim.string(DIM.dimParam, d);
          });
        }
      });
    }),
  );
  if (v.docString) w.string(VALUE_INFO.docString, v.docString);
}

function writeGraph(w: ProtoWriter, g: GraphProto): void {
  for (const n of g.nodes) w.message(GRAPH.node, (sub) => writeNode(sub, n));
  w.string(GRAPH.name, g.name);
  for (const t of g.initializers ?? []) w.message(GRAPH.initializer, (sub) => writeTensor(sub, t));
  if (g.docString) w.string(GRAPH.docString, g.docString);
  for (const v of g.inputs) w.message(GRAPH.input, (sub) => writeValueInfo(sub, v));
  for (const v of g.outputs) w.message(GRAPH.output, (sub) => writeValueInfo(sub, v));
}

/**
 * Serialises a model to ONNX protobuf bytes (loadable by onnxruntime).
 * @example
 * const bytes = encodeModel({ graph, producerName: 'mini-xdr-ml' });
 * const session = await InferenceSession.create(Buffer.from(bytes));
 */
export function encodeModel(model: ModelProto): Uint8Array {
  const w = new ProtoWriter();
  w.int64(MODEL.irVersion, model.irVersion ?? IR_VERSION);
  if (model.producerName) w.string(MODEL.producerName, model.producerName);
  if (model.producerVersion) w.string(MODEL.producerVersion, model.producerVersion);
  if (model.domain) w.string(MODEL.domain, model.domain);
  if (model.modelVersion !== undefined) w.int64(MODEL.modelVersion, model.modelVersion);
  if (model.docString) w.string(MODEL.docString, model.docString);
  w.message(MODEL.graph, (sub) => writeGraph(sub, model.graph));
  for (const op of model.opsetImports ?? DEFAULT_OPSETS) {
    w.message(MODEL.opsetImport, (sub) => {
      sub.string(OPSET.domain, op.domain);
      sub.int64(OPSET.version, op.version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(MODEL.metadataProps, (sub) => sub.string(STRING_ENTRY.key, key).string(STRING_ENTRY.value, value));
  }
  return w.finish();
}

/**
 * Incremental graph construction: adds nodes with generated output names and registers
 * constants as initializers, checking that names are unique.
 * @example
 * const g = new GraphBuilder('demo');
 * const y = g.op('Relu', [g.input('x', DataType.FLOAT, ['N', 2])]);
 * g.output(y, DataType.FLOAT, ['N', 2], 'y');
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;
  private prefix = '';

  constructor(private readonly name: string) {}

  /**
   * Builds part of the graph with every generated name (values, constants, nodes) prefixed, so the
   * graphs of several models can live in one (an ensemble's members). Returns what `build` returns.
   * @example const p = g.scoped('m0_', () => addMemberGraph(g, inputs));
   */
  scoped<T>(prefix: string, build: () => T): T {
    const outer = this.prefix;
    this.prefix = outer + prefix;
    try {
      return build();
    } finally {
      this.prefix = outer;
    }
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new OnnxBuildError(`duplicate value name "${name}" in graph ${this.name}`);
    this.names.add(name);
    return name;
  }

  /** A fresh, unused value name with the given prefix. */
  fresh(prefix: string): string {
    let name = `${this.prefix}${prefix}_${this.counter++}`;
    while (this.names.has(name)) name = `${this.prefix}${prefix}_${this.counter++}`;
    return name;
  }

  /** Declares a graph input; returns its name. */
  input(name: string, elemType: DataTypeCode, shape: readonly Dim[], docString?: string): string {
    this.inputs.push(tensorValueInfo(this.claim(name), elemType, shape, docString));
    return name;
  }

  /** Adds a constant (initializer); the tensor's name is replaced by a fresh one with its prefix. Returns the name. */
  constant(tensor: TensorProto): string {
    const name = this.claim(this.fresh(tensor.name || 'const'));
    this.initializers.push({ ...tensor, name });
    return name;
  }

  /**
   * Adds a node; returns its output names (fresh names unless given in `outputs`).
   * Use `op` for the common single-output case.
   */
  node(
    opType: string,
    inputs: readonly string[],
    options: { attributes?: readonly AttributeProto[]; domain?: string; outputs?: readonly string[]; nOutputs?: number } = {},
  ): string[] {
    const outputs = options.outputs
      ? options.outputs.map((o) => this.claim(o))
      : Array.from({ length: options.nOutputs ?? 1 }, () => this.claim(this.fresh(opType.toLowerCase())));
    this.nodes.push({ opType, inputs, outputs, name: this.fresh(`node_${opType}`), domain: options.domain, attributes: options.attributes });
    return outputs;
  }

  /** Adds a single-output node; returns the output name. */
  op(opType: string, inputs: readonly string[], attributes: readonly AttributeProto[] = [], options: { domain?: string; output?: string } = {}): string {
    return this.node(opType, inputs, { attributes, domain: options.domain, outputs: options.output ? [options.output] : undefined })[0];
  }

  /** Declares a graph output. If `as` differs from `value`, an Identity node renames it. */
  output(value: string, elemType: DataTypeCode, shape: readonly Dim[], as: string = value, docString?: string): void {
    const name = as === value ? value : this.op('Identity', [value], [], { output: as });
    this.outputs.push(tensorValueInfo(name, elemType, shape, docString));
  }

  /** The finished graph. */
  build(docString?: string): GraphProto {
    return { name: this.name, nodes: [...this.nodes], inputs: [...this.inputs], outputs: [...this.outputs], initializers: [...this.initializers], docString };
  }
}
