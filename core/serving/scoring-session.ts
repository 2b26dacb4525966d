// The port through which the serving core runs a model: bytes in, a session that maps JSON
// flows to class probabilities. The onnxruntime-node implementation lives in onnx-session.ts.
import type { FeatureSchema } from '../data/table';
import type { RawRow } from '../onnx/feeds';

export interface ScoringSession {
  /** Row-major class probabilities, rows * K. */
  run(flows: readonly RawRow[]): Promise<Float32Array>;
  release(): Promise<void>;
}

export type SessionFactory = (modelBytes: Uint8Array, schema: FeatureSchema) => Promise<ScoringSession>;
