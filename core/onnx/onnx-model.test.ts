import { InferenceSession, Tensor } from 'onnxruntime-node';
import {
  attrFloat,
  attrFloats,
  attrInt,
  attrString,
  attrStrings,
  attrTensor,
  DataType,
  encodeModel,
  GraphBuilder,
  OnnxBuildError,
  tensorFloat,
  tensorInt64,
  tensorRaw,
  tensorString,
} from './onnx-model';
import { ProtobufEncodeError, ProtoWriter } from './protobuf';

describe('ProtoWriter', () => {
  it('encodes varints, negative int64, fixed and packed fields as the protobuf spec examples', () => {
    // Prepare / Act
    const bytes = new ProtoWriter().int64(1, 150).int64(2, -1).float(3, 1).string(4, 'hi').packedVarints(5, [3, 270]).finish();
    // Assess: 150 -> 08 96 01 (spec example); -1 -> ten bytes; 1.0f little-endian; "hi"; packed [3, 270] -> 03 8E 02
    expect(Array.from(bytes)).toEqual([
      0x08, 0x96, 0x01, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x1d, 0x00, 0x00, 0x80, 0x3f, 0x22, 0x02, 0x68, 0x69, 0x2a, 0x03,
      0x03, 0x8e, 0x02,
    ]);
  });

  it('encodes large varints and doubles and grows its buffer', () => {
    const w = new ProtoWriter();
    w.int64(1, 2 ** 40).double(2, -2.5);
    for (let i = 0; i < 1000; i++) w.int64(3, i);
    const bytes = w.finish();
    expect(Array.from(bytes.subarray(0, 7))).toEqual([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    expect(bytes[7]).toBe(0x11);
    expect(new DataView(bytes.buffer, 8, 8).getFloat64(0, true)).toBe(-2.5);
    expect(bytes.length).toBeGreaterThan(2000);
  });

  it('rejects unsafe integers and invalid field numbers', () => {
    expect(() => new ProtoWriter().int64(1, 2 ** 60)).toThrow(ProtobufEncodeError);
    expect(() => new ProtoWriter().int64(0, 1)).toThrow(ProtobufEncodeError);
  });
});

describe('encodeModel', () => {
  it('produces a model onnxruntime loads and runs, using every attribute and tensor kind', async () => {
    // Prepare
    const g = new GraphBuilder('smoke');
    const x = g.input('x', DataType.FLOAT, ['N', 2]);
    const s = g.input('s', DataType.STRING, ['N', 1]);
    const w = g.constant(tensorRaw('w', DataType.FLOAT, [2, 2], new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer)));
    const b = g.constant(tensorFloat('b', [2], [0.5, -0.5]));
    const y = g.op('Add', [g.op('MatMul', [x, w]), b]);
    const code = g.op('LabelEncoder', [s], [attrStrings('keys_strings', ['tcp', 'udp']), attrFloats('values_floats', [1, 2]), attrFloat('default_float', -1)], {
      domain: 'ai.onnx.ml',
    });
    const names = g.op('Constant', [], [attrTensor('value', tensorString('names', [2], ['tcp', 'ü-dp']))]);
    const renamed = g.op(
      'LabelEncoder',
      [s],
      [attrStrings('keys_strings', ['tcp']), attrStrings('values_strings', ['TCP']), attrString('default_string', 'other')],
      { domain: 'ai.onnx.ml' },
    );
    const col = g.op('Gather', [x, g.constant(tensorInt64('idx', [1], [1]))], [attrInt('axis', 1)]);
    const lbl = g.op('ArgMax', [y], [attrInt('axis', 1), attrInt('keepdims', 0)]);
    g.output(y, DataType.FLOAT, ['N', 2], 'y');
    g.output(code, DataType.FLOAT, ['N', 1], 'code');
    g.output(names, DataType.STRING, [2], 'names');
    g.output(renamed, DataType.STRING, ['N', 1], 'renamed');
    g.output(col, DataType.FLOAT, ['N', 1], 'col');
    g.output(lbl, DataType.INT64, ['N'], 'label');
    const bytes = encodeModel({ graph: g.build('smoke test'), producerName: 'mini-xdr-ml', metadata: { purpose: 'test' } });

    // Act
    const session = await InferenceSession.create(Buffer.from(bytes));
    const out = await session.run({
      x: new Tensor('float32', new Float32Array([1, 1, 2, -1]), [2, 2]),
      s: new Tensor('string', ['tcp', 'icmp'], [2, 1]),
    });

    // Assess
    expect(session.inputNames).toEqual(['x', 's']);
    expect(Array.from(out.y.data as Float32Array)).toEqual([4.5, 5.5, -0.5, -0.5]);
    expect(Array.from(out.code.data as Float32Array)).toEqual([1, -1]);
    expect(out.names.data).toEqual(['tcp', 'ü-dp']);
    expect(out.renamed.data).toEqual(['TCP', 'other']);
    expect(Array.from(out.col.data as Float32Array)).toEqual([1, -1]);
    expect(Array.from(out.label.data as BigInt64Array)).toEqual([1n, 0n]);
  });

  it('rejects tensors whose data does not match their dims and duplicate value names', () => {
    expect(() => tensorFloat('w', [2, 2], [1, 2, 3])).toThrow(OnnxBuildError);
    const g = new GraphBuilder('dup');
    g.input('x', DataType.FLOAT, ['N', 1]);
    expect(() => g.input('x', DataType.FLOAT, ['N', 1])).toThrow(OnnxBuildError);
  });
});
