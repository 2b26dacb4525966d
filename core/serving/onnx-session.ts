// ScoringSession over onnxruntime-node: one InferenceSession per model version.
import { InferenceSession } from 'onnxruntime-node';
import type { FeatureSchema } from '../data/table';
import { ONNX_OUTPUT_PROBABILITIES, type RawRow } from '../onnx/feeds';
import { buildOnnxFeeds } from '../onnx/session-feeds';
import type { ScoringSession, SessionFactory } from './scoring-session';

/** Creates onnxruntime-node sessions (CPU, sequential execution: Lambda gives few vCPUs). */
export const createOnnxSession: SessionFactory = async (modelBytes: Uint8Array, schema: FeatureSchema): Promise<ScoringSession> => {
  const session = await InferenceSession.create(Buffer.from(modelBytes), { executionMode: 'sequential', graphOptimizationLevel: 'all' });
  return {
    async run(flows: readonly RawRow[]): Promise<Float32Array> {
      const out = await session.run(buildOnnxFeeds(schema, flows));
      return out[ONNX_OUTPUT_PROBABILITIES].data as Float32Array;
    },
    release: () => session.release(),
  };
};
