// The experiments service and router over the handler platform, built once per process: shared by
// the ab-test control plane and the predict function (which routes traffic through experiments).
import { ExperimentRouter, ExperimentService, ExperimentStore } from '../../core/experiments';
import type { HandlerPlatform } from '../shared/platform';
import { logger } from '../shared/observability';

let service: ExperimentService | undefined;
let router: ExperimentRouter | undefined;

/** Milliseconds from an environment variable, or the default. */
function envMs(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!(Number.isInteger(v) && v >= 0)) throw new Error(`Invalid configuration: ${key} must be a non-negative integer of milliseconds (got '${raw}')`);
  return v;
}

/** The experiments control plane over the platform's stores (the model server loads challengers). */
export function experimentService(deps: HandlerPlatform): ExperimentService {
  service ??= new ExperimentService({
    store: new ExperimentStore(deps.stores.tables.experiments),
    registry: deps.registry,
    loader: { load: (model, version) => deps.modelServer.load(model, version) },
    predictionLog: deps.predictionLog,
    audit: deps.audit,
    thresholds: { minMacroF1: deps.config.thresholds.minMacroF1, maxRecallDrop: deps.config.thresholds.maxRecallDrop },
  });
  return service;
}

/**
 * The inference router. XDR_ML_EXPERIMENT_CACHE_MS (default 5000) is how long a model's running
 * experiment is cached; XDR_ML_CANARY_CHECK_MS (default 10000, read per request) the least time between canary guard runs.
 */
export function experimentRouter(deps: HandlerPlatform, env: NodeJS.ProcessEnv = process.env): ExperimentRouter {
  router ??= new ExperimentRouter({
    service: experimentService(deps),
    scorer: deps.modelServer,
    recorder: deps.predictionLog,
    cacheTtlMs: envMs(env, 'XDR_ML_EXPERIMENT_CACHE_MS', 5000),
    canaryCheckIntervalMs: () => envMs(env, 'XDR_ML_CANARY_CHECK_MS', 10_000),
    onShadowError: (error, e) => logger.warn('shadow scoring failed', { experimentId: e.id, error: error as Error }),
    onLookupError: (error, model) => logger.error('experiment lookup failed; serving production', { model, error: error as Error }),
  });
  return router;
}
