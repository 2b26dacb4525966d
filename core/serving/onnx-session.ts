// ScoringSession over onnxruntime-node: one InferenceSession per model version.
import { InferenceSession } from 'onnxruntime-node';
import type { FeatureSchema } from '../data/table';
import { ONNX_OUTPUT_PROBABILITIES, type RawRow } from '../onnx/feeds';
import { buildOnnxFeeds } from '../onnx/session-feeds';
import type { ScoringSession, SessionFactory } from './scoring-session';

/**
 * CPU session options (sequential: Lambda gives few vCPUs). Thread counts, the memory arena and
 * lower optimisation levels were measured on the cold path (bench/predict.ts) and changed
 * session creation by less than the run-to-run noise, so the defaults stay.
 */
export const COLD_SESSION_OPTIONS: InferenceSession.SessionOptions = { executionMode: 'sequential', graphOptimizationLevel: 'all' };

/** Creates onnxruntime-node sessions from the verified bytes (no copy). */
export const createOnnxSession: SessionFactory = async (modelBytes: Uint8Array, schema: FeatureSchema): Promise<ScoringSession> => {
  const session = await InferenceSession.create(modelBytes, COLD_SESSION_OPTIONS);
  return {
    async run(flows: readonly RawRow[]): Promise<Float32Array> {
      const out = await session.run(buildOnnxFeeds(schema, flows));
      return out[ONNX_OUTPUT_PROBABILITIES].data as Float32Array;
    },
    release: () => session.release(),
  };
};
