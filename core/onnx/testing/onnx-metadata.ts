// Reads an ONNX model's metadata_props (ModelProto field 14) from its protobuf bytes, for tests
// that check what the exporter recorded without loading onnxruntime.

/**
 * The metadata_props entries of a serialised ModelProto.
 * @example readOnnxMetadata(readFileSync('model.onnx')).servedTrees // '24'
 */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields(bytes, 0, bytes.length)) {
    if (field.number !== 14 || field.body === null) continue;
    let key = '';
    let value = '';
    for (const entry of fields(bytes, field.body[0], field.body[1])) {
      if (entry.body === null) continue;
      const text = Buffer.from(bytes.subarray(entry.body[0], entry.body[1])).toString('utf8');
      if (entry.number === 1) key = text;
      else if (entry.number === 2) value = text;
    }
    out[key] = value;
  }
  return out;
}

interface Field {
  readonly number: number;
  /** [start, end) of a length-delimited field's bytes; null for other wire types. */
  readonly body: readonly [number, number] | null;
}

function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let at = start;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= end) throw new Error('truncated protobuf varint');
      const b = bytes[at++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
  };
  while (at < end) {
    const tag = varint();
    const wire = tag % 8;
    const number = Math.floor(tag / 8);
    if (wire === 0) {
      varint();
      yield { number, body: null };
    } else if (wire === 2) {
      const length = varint();
      yield { number, body: [at, at + length] };
      at += length;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      yield { number, body: null };
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}
