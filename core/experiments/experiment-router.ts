// Experiment routing on the inference path. When a model has a running experiment (looked up
// through its pointer and cached for a few seconds, like aliases), each unit of traffic is assigned
// an arm with assignArm(experimentId, key, split):
//   - routingKey set: the unit is the FLOW and the key is the flow's value of that field (sticky: a
//     source IP always meets the same version); flows of one request may go to different arms;
//   - otherwise the unit is the REQUEST and the key its request id.
// 'ab' / 'canary' answer each flow with its arm's version; 'shadow' answers every flow with the
// champion and also scores a trafficSplit share of the requests (chosen by request id) with the
// challenger, recorded
// under `<requestId>~shadow` with arm 'shadow-challenger' (its feedback is joined by the experiment
// service, see experiment-service.ts). Each recorded batch carries its arm and experiment id.
// A challenger that fails at serving time never answers: its flows are re-scored by the champion
// (arm 'fallback', excluded from the experiment's arms) and the response carries a warning.
import type { RawRow } from '../onnx/feeds';
import type { FlowPrediction, PredictResult } from '../serving/model-server';
import { tenantAlias } from '../names';
import type { PredictionContext } from '../serving/prediction-log';
import type { Experiment } from './experiment-store';
import { SHADOW_CHALLENGER_ARM, SHADOW_SUFFIX, type ExperimentService } from './experiment-service';
import { assignArm, type Arm } from './routing';

/** The scoring call the router needs (ModelServer.predict). */
export interface Scorer {
  predict(request: {
    model: string;
    version?: number;
    flows: readonly unknown[];
    explain?: boolean;
    topFeatures?: number;
    passthrough?: readonly string[];
    requestId?: string;
    alias?: string;
  }): Promise<PredictResult>;
  /** Whether an alias serves a version now (a tenant's variant); absent: tenant aliases are never served. */
  serves?(model: string, alias: string): Promise<boolean>;
}

/** The recording call the router needs (PredictionLog.record). */
export interface PredictionRecorder {
  record(result: PredictResult, flows: readonly RawRow[], context?: PredictionContext): Promise<void>;
}

export interface RoutedRequest {
  readonly model: string;
  /** An explicit version bypasses any experiment. */
  readonly version?: number;
  readonly flows: readonly RawRow[];
  readonly explain?: boolean;
  readonly topFeatures?: number;
  /** The server's id of the request (unique: prediction ids are `<requestId>:<index>`). */
  readonly requestId: string;
  /** The caller's correlation id, stored beside the predictions (it may repeat across requests). */
  readonly correlationId?: string;
  /** The caller's tenant: its variant (alias `tenant-<t>`) answers when one is deployed, the global model otherwise. */
  readonly tenant?: string;
}

export interface RoutedPrediction extends FlowPrediction {
  /** Arm that answered, when an experiment routed the flow. */
  readonly arm?: Arm | 'fallback';
  /** Version that scored the flow (set when an experiment routed it). */
  readonly modelVersion?: number;
}

export interface RoutedResult {
  readonly requestId: string;
  readonly model: string;
  /** Version that answered most flows (the champion in shadow mode). */
  readonly modelVersion: number;
  readonly predictions: readonly RoutedPrediction[];
  readonly experiment?: { readonly id: string; readonly mode: Experiment['mode'] };
  readonly warning?: string;
  /** The alias that answered (`production`, or a tenant's `tenant-<t>`); absent when a version was named. */
  readonly alias?: string;
}

export interface ExperimentRouterOptions {
  readonly service: Pick<ExperimentService, 'running' | 'evaluateCanary' | 'store'>;
  readonly scorer: Scorer;
  readonly recorder: PredictionRecorder;
  /** How long a model's running experiment (or its absence) is trusted. @default 5000 */
  readonly cacheTtlMs?: number;
  /** Least time between two canary guard runs per experiment in this instance (or a getter read per request). @default 10000 */
  readonly canaryCheckIntervalMs?: number | (() => number);
  /** Told about a shadow scoring failure (the response is unaffected). */
  readonly onShadowError?: (error: unknown, experiment: Experiment) => void;
  /**
   * Told when the running experiment cannot be looked up. Inference fails open: the request is
   * served by production as if no experiment ran (and the lookup is retried after the cache TTL).
   */
  readonly onLookupError?: (error: unknown, model: string) => void;
  readonly clock?: () => number;
}

/**
 * Splits flow indices into arms.
 * @example partitionFlows(e, flows, 'req-1') // { champion: [0, 2], challenger: [1] }
 */
export function partitionFlows(e: Pick<Experiment, 'id' | 'routingKey' | 'trafficSplit'>, flows: readonly RawRow[], requestId: string): Record<Arm, number[]> {
  const out: Record<Arm, number[]> = { champion: [], challenger: [] };
  if (!e.routingKey) {
    const arm = assignArm(e.id, requestId, e.trafficSplit);
    out[arm] = flows.map((_, i) => i);
    return out;
  }
  for (let i = 0; i < flows.length; i++) {
    const value = flows[i][e.routingKey];
    // A flow without the routing field falls back to its position in this request.
    const key = value === undefined || value === null ? `${requestId}#${i}` : String(value);
    out[assignArm(e.id, key, e.trafficSplit)].push(i);
  }
  return out;
}

/**
 * Routes predict requests through a model's running experiment.
 *
 * @example
 * const router = new ExperimentRouter({ service: experiments, scorer: modelServer, recorder: predictionLog });
 * const result = await router.predict({ model: 'general', flows, requestId: randomUUID(), correlationId });
 */
export class ExperimentRouter {
  private readonly cache = new Map<string, { experiment: Experiment | undefined; at: number }>();
  private readonly lastCanaryCheck = new Map<string, number>();
  private readonly cacheTtlMs: number;
  private readonly canaryCheckIntervalMs: () => number;
  private readonly clock: () => number;

  constructor(private readonly options: ExperimentRouterOptions) {
    this.cacheTtlMs = options.cacheTtlMs ?? 5000;
    const interval = options.canaryCheckIntervalMs ?? 10_000;
    this.canaryCheckIntervalMs = typeof interval === 'function' ? interval : () => interval;
    this.clock = options.clock ?? Date.now;
  }

  /** The model's running experiment, from the cache when fresh. */
  async experimentFor(model: string): Promise<Experiment | undefined> {
    const cached = this.cache.get(model);
    if (cached && this.clock() - cached.at < this.cacheTtlMs) return cached.experiment;
    let experiment: Experiment | undefined;
    try {
      experiment = await this.options.service.running(model);
    } catch (error) {
      this.options.onLookupError?.(error, model);
    }
    this.cache.set(model, { experiment, at: this.clock() });
    return experiment;
  }

  /** Forgets cached experiments. */
  invalidate(): void {
    this.cache.clear();
  }

  /** Scores a request, routed through the model's running experiment when there is one; records every scored batch. */
  async predict(request: RoutedRequest): Promise<RoutedResult> {
    // a tenant with a deployed variant is served by it, outside production's experiments (they test production's traffic)
    const variant = request.tenant !== undefined && request.version === undefined ? tenantAlias(request.tenant) : undefined;
    const alias = variant !== undefined && (await this.options.scorer.serves?.(request.model, variant)) ? variant : undefined;
    const experiment = request.version === undefined && alias === undefined ? await this.experimentFor(request.model) : undefined;
    if (!experiment) {
      const { tenant: _tenant, ...scored } = request;
      const result = await this.options.scorer.predict({ ...scored, ...(alias ? { alias } : {}) });
      await this.options.recorder.record(result, request.flows, { correlationId: request.correlationId });
      return {
        requestId: result.requestId,
        model: result.model,
        modelVersion: result.modelVersion,
        predictions: result.predictions,
        warning: result.warning,
        ...(result.alias ? { alias: result.alias } : {}),
      };
    }
    const routed = experiment.mode === 'shadow' ? await this.shadow(experiment, request) : await this.split(experiment, request);
    if (experiment.mode === 'canary') await this.maybeCheckCanary(experiment);
    return routed;
  }

  private score(e: Experiment, request: RoutedRequest, version: number, flows: readonly RawRow[], requestId: string): Promise<PredictResult> {
    return this.options.scorer.predict({
      model: request.model,
      version,
      flows,
      explain: request.explain,
      topFeatures: request.topFeatures,
      passthrough: e.routingKey ? [e.routingKey] : undefined,
      requestId,
    });
  }

  private async split(e: Experiment, request: RoutedRequest): Promise<RoutedResult> {
    const parts = partitionFlows(e, request.flows, request.requestId);
    const arms = (['champion', 'challenger'] as const).filter((arm) => parts[arm].length > 0);
    const single = arms.length === 1;
    const predictions = new Array<RoutedPrediction>(request.flows.length);
    let warning: string | undefined;
    const step = e.canary?.stepIndex ?? 0;
    await Promise.all(
      arms.map(async (arm) => {
        const indices = parts[arm];
        const flows = single ? request.flows : indices.map((i) => request.flows[i]);
        const requestId = single ? request.requestId : `${request.requestId}.${arm}`;
        const version = arm === 'champion' ? e.championVersion : e.challengerVersion;
        let result: PredictResult;
        let recordedArm: Arm | 'fallback' = arm;
        try {
          result = await this.score(e, request, version, flows, requestId);
        } catch (error) {
          if (arm === 'champion' || isInputError(error)) throw error;
          // Never answer from an unhealthy challenger: the champion answers these flows.
          warning = `challenger v${e.challengerVersion} failed (${(error as Error).message}); the champion answered its flows`;
          result = await this.score(e, request, e.championVersion, flows, requestId);
          recordedArm = 'fallback';
        }
        await Promise.all([
          this.options.recorder.record(result, flows, { arm: recordedArm, experimentId: e.id, correlationId: request.correlationId }),
          recordedArm === 'fallback' ? Promise.resolve() : this.options.service.store.countRouted(e.id, step, arm, flows.length, result.latencyMs),
        ]);
        indices.forEach((i, j) => (predictions[i] = { ...result.predictions[j], arm: recordedArm, modelVersion: result.modelVersion }));
      }),
    );
    const championShare = parts.champion.length >= parts.challenger.length;
    return {
      requestId: request.requestId,
      model: request.model,
      modelVersion: championShare ? e.championVersion : e.challengerVersion,
      predictions,
      experiment: { id: e.id, mode: e.mode },
      ...(warning ? { warning } : {}),
    };
  }

  private async shadow(e: Experiment, request: RoutedRequest): Promise<RoutedResult> {
    // Shadowing is decided per request (the caller always sees the champion, so stickiness does
    // not matter); a shadowed request is scored whole, so shadow index i is champion index i.
    const shadowed = assignArm(e.id, request.requestId, e.trafficSplit) === 'challenger';
    const [champion] = await Promise.all([
      this.score(e, request, e.championVersion, request.flows, request.requestId),
      shadowed ? this.shadowScore(e, request) : Promise.resolve(),
    ]);
    await Promise.all([
      this.options.recorder.record(champion, request.flows, { arm: 'champion', experimentId: e.id, correlationId: request.correlationId }),
      this.options.service.store.countRouted(e.id, 0, 'champion', request.flows.length, champion.latencyMs),
    ]);
    return {
      requestId: champion.requestId,
      model: champion.model,
      modelVersion: champion.modelVersion,
      predictions: champion.predictions.map((p) => ({ ...p, arm: 'champion' as const, modelVersion: champion.modelVersion })),
      experiment: { id: e.id, mode: e.mode },
    };
  }

  /** Scores the request with the challenger and records it under `<requestId>~shadow`; failures never reach the caller. */
  private async shadowScore(e: Experiment, request: RoutedRequest): Promise<void> {
    try {
      const result = await this.score(e, { ...request, explain: false }, e.challengerVersion, request.flows, `${request.requestId}${SHADOW_SUFFIX}`);
      await Promise.all([
        this.options.recorder.record(result, request.flows, { arm: SHADOW_CHALLENGER_ARM, experimentId: e.id, correlationId: request.correlationId }),
        this.options.service.store.countRouted(e.id, 0, 'challenger', request.flows.length, result.latencyMs),
      ]);
    } catch (error) {
      this.options.onShadowError?.(error, e);
    }
  }

  private async maybeCheckCanary(e: Experiment): Promise<void> {
    const last = this.lastCanaryCheck.get(e.id) ?? -Infinity;
    if (this.clock() - last < this.canaryCheckIntervalMs()) return;
    this.lastCanaryCheck.set(e.id, this.clock());
    const now = await this.options.service.evaluateCanary(e.id);
    if (now.revision !== e.revision) this.cache.set(e.model, { experiment: now.state === 'running' ? now : undefined, at: this.clock() });
  }
}

function isInputError(error: unknown): boolean {
  return error instanceof Error && (error as { statusCode?: number }).statusCode === 400;
}
