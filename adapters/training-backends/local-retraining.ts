// The retraining machinery wired for the local platform (`npm start`): the same rules as the CDK
// training stack (infra/events-catalogue.ts) on the in-process bus, the local training backend,
// the completion handler, and timers for the hourly drift check (+ data-volume check) and — when
// auto-retrain is on — the retraining schedule. Everything runs the same core calls as the Lambdas.
import path from 'node:path';
import type { PlatformConfig } from '../../config/config';
import type { AuditLog } from '../../core/audit/audit-log';
import type { DriftCheckResult } from '../../core/drift-check';
import type { EventPublisher } from '../../core/ports';
import type { ModelRegistry } from '../../core/registry/model-registry';
import {
  CompletionHandler,
  autoRetrainEnabled,
  parseRetrainEvent,
  parseSchedule,
  runOnSchedule,
  resetDataVolumeAfter,
  RetrainLauncher,
  runScheduledCheck,
  stageDatasetInput,
  type LaunchOutcome,
  type PromotionPolicy,
  type TrainingDefaults,
} from '../../core/retraining';
import type { PredictionLog } from '../../core/serving/prediction-log';
import { EVENT_RULES } from '../../infra/events-catalogue';
import type { PlatformStores } from '../platform-stores';
import { jobOutputReader } from './job-output';
import { LocalTrainingBackend } from './local-backend';

/** The part of the in-process bus this needs (local/event-bus.ts InProcessEventBus satisfies it). */
export interface SubscribableBus extends EventPublisher {
  subscribe(detailType: string, handler: (event: { readonly detailType: string; readonly detail: Record<string, unknown>; readonly time: string }) => void | Promise<void>): () => void;
}

export interface LocalRetrainingOptions {
  readonly config: PlatformConfig;
  readonly stores: PlatformStores;
  readonly registry: ModelRegistry;
  readonly audit: AuditLog;
  readonly bus: SubscribableBus;
  readonly predictionLog: PredictionLog;
  /** XDR_ML_HOME: job directories go to `<home>/training-jobs/`. */
  readonly home: string;
  readonly training: TrainingDefaults;
  /** @default 'auto-promote' locally */
  readonly policy?: PromotionPolicy;
  /** @default 6 hours */
  readonly cooldownMs?: number;
  /** Online accuracy threshold of the drift check. @default 0.8 */
  readonly accuracyThreshold?: number;
  /** Reset the collected-since-last-training counter after each successful training. @default true */
  readonly resetDataVolumeCounter?: boolean;
  readonly log?: (line: string) => void;
}

export interface LocalRetraining {
  readonly launcher: RetrainLauncher;
  readonly completion: CompletionHandler;
  readonly backend: LocalTrainingBackend;
  /** POST /api/ml/retrain: a ManualRetrain through the launcher (same path as the bus rule). */
  retrain(request: { model: string; requestId: string; actor: string; reason?: string; dataset?: string; force?: boolean }): Promise<LaunchOutcome>;
  /** One drift check (and data-volume check) now; publishes its events on the bus. */
  checkNow(model?: string): Promise<DriftCheckResult>;
  /** Starts the hourly drift check and (when auto-retrain is on) the retraining schedule. */
  startSchedules(): void;
  /** Unsubscribes the rules and stops the timers. */
  stop(): void;
}

/**
 * Wires retraining on the local platform.
 * @example
 * const retraining = createLocalRetraining({ config, stores, registry, audit, bus, predictionLog, home: xdrHome,
 *   training: { dataset: 'nsl-kdd-train', algorithm: 'gbdt', classes: 'taxonomy', seed: 42 } });
 * retraining.startSchedules();
 */
export function createLocalRetraining(o: LocalRetrainingOptions): LocalRetraining {
  const log = o.log ?? (() => undefined);
  const { stores } = o;
  const completion = new CompletionHandler({
    jobs: stores.tables.jobs,
    registry: o.registry,
    artefacts: stores.buckets.artefacts,
    audit: o.audit,
    events: o.bus,
    readOutput: jobOutputReader(() => stores.buckets.artefacts),
    thresholds: { minMacroF1: o.config.thresholds.minMacroF1, maxRecallDrop: o.config.thresholds.maxRecallDrop },
    policy: o.policy ?? 'auto-promote',
    // When the job consumed the collected samples, restart the DataVolumeReached count.
    ...(o.resetDataVolumeCounter === false ? {} : { afterTraining: resetDataVolumeAfter(stores.tables.datasets) }),
  });
  const backend = new LocalTrainingBackend({
    home: path.resolve(o.home),
    datasets: stores.buckets.datasets,
    onCompletion: async (c) => {
      const out = await completion.handle(c);
      log(`training job ${c.jobId}: ${out.outcome}`);
    },
    log: (jobId, line) => log(`[${jobId}] ${line}`),
  });
  const launcher = new RetrainLauncher({
    jobs: stores.tables.jobs,
    backend,
    resolveDataset: (name, version) => stageDatasetInput(stores.tables.datasets, stores.buckets.datasets, name, version),
    productionVersion: async (model) => (await o.registry.resolveAlias(model, 'production'))?.version,
    audit: o.audit,
    events: o.bus,
    config: {
      training: o.training,
      ...(o.cooldownMs !== undefined ? { cooldownMs: o.cooldownMs } : {}),
      scheduleEnabled: (model) => autoRetrainEnabled(stores.tables.jobs, o.config.autoRetrain.enabled, model),
    },
  });

  const unsubscribe = EVENT_RULES.flatMap((rule) =>
    rule.detailTypes.map((detailType) =>
      o.bus.subscribe(detailType, async (event) => {
        const outcome = await launcher.handle(parseRetrainEvent(event.detail, event.detailType));
        log(`${event.detailType} for ${String(event.detail.model)}: ${outcome.outcome}`);
      }),
    ),
  );
  const timers: NodeJS.Timeout[] = [];

  const checkNow = async (model = o.config.defaultModel): Promise<DriftCheckResult> => {
    const { result } = await runScheduledCheck(
      {
        telemetry: stores.buckets.telemetry,
        artefacts: stores.buckets.artefacts,
        registry: o.registry,
        reports: stores.tables.drift,
        feedback: () => o.predictionLog.feedbackFor(model),
        events: o.bus,
        datasets: stores.tables.datasets,
      },
      {
        model,
        now: new Date(),
        shareThreshold: o.config.thresholds.driftShareThreshold,
        dataVolumeThreshold: o.config.thresholds.dataVolumeThreshold,
        accuracyThreshold: o.accuracyThreshold,
      },
    );
    return result;
  };

  return {
    launcher,
    completion,
    backend,
    retrain: (r) => launcher.handle({ type: 'ManualRetrain', ...r }),
    checkNow,
    startSchedules() {
      const guard = (what: string, fn: () => Promise<unknown>) => () => void fn().catch((error: unknown) => log(`${what} failed: ${(error as Error).message}`));
      timers.push(setInterval(guard('drift check', () => checkNow()), 3600_000).unref());
      if (!o.config.autoRetrain.enabled) return;
      // the same schedule EventBridge runs when deployed: a rate every interval, a cron at each match
      const fire = guard('scheduled retrain', () => launcher.handle({ type: 'ScheduledRetrain', model: o.config.defaultModel, scheduledAt: new Date().toISOString() }));
      unsubscribe.push(runOnSchedule(parseSchedule(o.config.autoRetrain.schedule), fire));
    },
    stop() {
      unsubscribe.forEach((u) => u());
      timers.forEach((t) => clearInterval(t));
    },
  };
}
