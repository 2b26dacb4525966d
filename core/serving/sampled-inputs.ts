// The input flows behind prediction ids, as far as telemetry kept them: online learning joins a
// feedback record (`<requestId>:<index>` and its true label) to the flow that was scored. Only
// sampled requests have their flows in telemetry (config.serving's sample rate), and a batch larger
// than the sample bound keeps evenly spaced flows, so some ids have no input.
import type { RawRow } from '../onnx/feeds';
import type { ObjectStore } from '../ports';
import { telemetryFlows } from './telemetry';

/** A prediction whose input is wanted: its id and when its request was recorded (the request record's `createdAt`). */
export interface SampledPrediction {
  readonly predictionId: string;
  readonly at: string;
}

/** How far around the requests' record times the telemetry objects are read (the sample's time is the record's). */
const WINDOW_SLACK_MS = 60_000;

/**
 * The flows telemetry kept for the given predictions, by prediction id (absent: not sampled).
 * @example const inputs = await sampledInputs(telemetry, 'general', [{ predictionId: 'r1:0', at }]);
 */
export async function sampledInputs(telemetry: ObjectStore, model: string, predictions: readonly SampledPrediction[]): Promise<Map<string, RawRow>> {
  const out = new Map<string, RawRow>();
  if (predictions.length === 0) return out;
  const times = predictions.map((p) => Date.parse(p.at));
  const found = await telemetryFlows(telemetry, {
    model,
    predictionIds: predictions.map((p) => p.predictionId),
    from: new Date(Math.min(...times) - WINDOW_SLACK_MS),
    to: new Date(Math.max(...times) + WINDOW_SLACK_MS),
  });
  for (const [id, f] of found) out.set(id, f.flow);
  return out;
}
