// A small hand-written protobuf wire-format encoder (proto2/proto3 compatible): varints,
// length-delimited fields, fixed32/fixed64 and packed repeated scalars. Enough to write ONNX
// models without a protobuf dependency. Encoding only; no decoder.

import { XdrError } from '../errors';
/** Thrown when a value cannot be encoded (out-of-range integer, bad field number). */
export class ProtobufEncodeError extends XdrError {
  override readonly name: string = 'ProtobufEncodeError';
}

/** Protobuf wire types. */
export const WireType = {
  VARINT: 0,
  FIXED64: 1,
  LENGTH_DELIMITED: 2,
  FIXED32: 5,
} as const;

const textEncoder = new TextEncoder();

/**
 * Appends protobuf fields to a growable byte buffer. Methods return `this` for chaining.
 * @example
 * const bytes = new ProtoWriter().int64(1, 8).string(2, 'mini-xdr-ml').finish();
 */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;
  private readonly scratch = new DataView(new ArrayBuffer(8));

  /** Number of bytes written so far. */
  get length(): number {
    return this.len;
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Writes a raw unsigned varint (no tag). Accepts a safe integer >= 0 or a bigint (two's complement for negatives). */
  rawVarint(value: number | bigint): this {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new ProtobufEncodeError(`varint value ${value} is not a safe integer`);
      if (value < 0) return this.rawVarint(BigInt(value));
      let v = value;
      this.ensure(10);
      while (v >= 0x80) {
        this.buf[this.len++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.buf[this.len++] = v;
      return this;
    }
    // bigint: negative values are encoded as 64-bit two's complement (10 bytes), as protobuf int64 does.
    let v = BigInt.asUintN(64, value);
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
    return this;
  }

  /** Writes a field tag (field number + wire type). */
  tag(field: number, wireType: number): this {
    if (!Number.isInteger(field) || field < 1 || field > 536870911) throw new ProtobufEncodeError(`invalid field number ${field}`);
    return this.rawVarint(field * 8 + wireType);
  }

  /** Raw bytes with no tag or length prefix. */
  rawBytes(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  /** int32 / int64 / uint64 / enum / bool field as a varint (negative numbers take 10 bytes). */
  int64(field: number, value: number | bigint): this {
    return this.tag(field, WireType.VARINT).rawVarint(value);
  }

  /** Boolean field. */
  bool(field: number, value: boolean): this {
    return this.tag(field, WireType.VARINT).rawVarint(value ? 1 : 0);
  }

  /** 32-bit float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, WireType.FIXED32);
    this.scratch.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.byte(this.scratch.getUint8(i));
    return this;
  }

  /** 64-bit double field (fixed64, little-endian). */
  double(field: number, value: number): this {
    this.tag(field, WireType.FIXED64);
    this.scratch.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.byte(this.scratch.getUint8(i));
    return this;
  }

  /** fixed32 (unsigned) field. */
  fixed32(field: number, value: number): this {
    this.tag(field, WireType.FIXED32);
    this.scratch.setUint32(0, value >>> 0, true);
    for (let i = 0; i < 4; i++) this.byte(this.scratch.getUint8(i));
    return this;
  }

  /** fixed64 (unsigned) field. */
  fixed64(field: number, value: bigint): this {
    this.tag(field, WireType.FIXED64);
    this.scratch.setBigUint64(0, BigInt.asUintN(64, value), true);
    for (let i = 0; i < 8; i++) this.byte(this.scratch.getUint8(i));
    return this;
  }

  /** Length-delimited bytes field. */
  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, WireType.LENGTH_DELIMITED).rawVarint(value.length).rawBytes(value);
  }

  /** UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** Embedded message field: `build` writes the sub-message's fields into a fresh writer. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const sub = new ProtoWriter();
    build(sub);
    return this.bytes(field, sub.written());
  }

  /** Packed repeated float (fixed32) field; writes nothing for an empty list. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, data);
  }

  /** Packed repeated double (fixed64) field; writes nothing for an empty list. */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const data = new Uint8Array(values.length * 8);
    const view = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
    return this.bytes(field, data);
  }

  /** Packed repeated varint (int32/int64/enum) field; writes nothing for an empty list. */
  packedVarints(field: number, values: ArrayLike<number | bigint>): this {
    if (values.length === 0) return this;
    const sub = new ProtoWriter();
    for (let i = 0; i < values.length; i++) sub.rawVarint(values[i]);
    return this.bytes(field, sub.written());
  }

  /** The bytes written so far, without a copy (valid until this writer writes again). */
  private written(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** The encoded bytes (a copy trimmed to length). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
