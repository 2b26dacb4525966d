// The input flows behind prediction ids, as far as telemetry kept them: online learning joins a
// feedback record (`<requestId>:<index>` and its true label) to the flow that was scored. Only
// sampled requests have their flows in telemetry (config.serving's sample rate), and a batch larger
// than the sample bound keeps evenly spaced flows (sampleFlows), so some ids have no input.
import type { RawRow } from '../onnx/feeds';
import type { ObjectStore } from '../ports';
import { sampleKey, type InferenceSample } from './prediction-log';

/** A served request whose inputs are wanted: its id, when it was recorded, and its batch size. */
export interface SampledRequest {
  readonly requestId: string;
  /** The request record's `createdAt` (the sample's time). */
  readonly at: string;
  /** How many flows the request scored. */
  readonly flows: number;
}

/** Flow index within the request → the flow, for the flows the sample kept. */
export type SampledFlows = ReadonlyMap<number, RawRow>;

/**
 * The flows telemetry kept for each request (absent: the request was not sampled).
 * @example const inputs = await sampledInputs(telemetry, 'general', [{ requestId, at, flows: 3 }]);
 */
export async function sampledInputs(telemetry: ObjectStore, model: string, requests: readonly SampledRequest[]): Promise<Map<string, SampledFlows>> {
  const out = new Map<string, SampledFlows>();
  for (const request of requests) {
    const key = sampleKey(model, new Date(request.at), request.requestId);
    let sample: InferenceSample;
    try {
      sample = JSON.parse(Buffer.from(await telemetry.get(key)).toString('utf8')) as InferenceSample;
    } catch {
      continue; // not sampled (or swept by retention)
    }
    if (sample.requestId !== request.requestId || !Array.isArray(sample.flows)) continue;
    out.set(request.requestId, indexSampledFlows(sample.flows, request.flows));
  }
  return out;
}

/** The original batch index of each kept flow: every flow when all were kept, else the evenly spaced ones sampleFlows chose. */
export function indexSampledFlows(kept: readonly RawRow[], batchSize: number): SampledFlows {
  const byIndex = new Map<number, RawRow>();
  if (kept.length >= batchSize) {
    kept.forEach((flow, i) => byIndex.set(i, flow));
    return byIndex;
  }
  const step = batchSize / kept.length;
  kept.forEach((flow, i) => byIndex.set(Math.floor(i * step), flow));
  return byIndex;
}
