// The composition root: the one place the platform's object graph is built from a configuration.
// Lambda handlers, the local platform, the CLI, the training container, benchmarks and tests ask
// it for the services they need; none of them constructs a service itself. Parts that are costly
// or need configuration only some doors have (onnxruntime for scoring, the training backend) are
// built on first use, so a function that never scores never loads the native runtime.
import { configToEnvironment, ENV_KEYS, type PlatformConfig } from '../config/config';
import { createAwsClients, type AwsClients } from '../adapters/clients';
import { EventBridgePublisher } from '../adapters/event-publisher';
import { createPlatformStores, type PlatformStores } from '../adapters/platform-stores';
import { S3ObjectStore } from '../adapters/s3-object-store';
import { describeStores, type StoreStatus } from '../adapters/store-status';
import { jobOutputReader, parseCompletionEvent } from '../adapters/training-backends';
import { AuditLog } from '../core/audit/audit-log';
import type { IngestStores } from '../core/datasets/ingest';
import type { DriftCheckResult } from '../core/drift-check';
import { ExperimentRouter, ExperimentService, ExperimentStore } from '../core/experiments';
import type { TrainingJobDeps } from '../core/pipeline';
import type { EventPublisher, ObjectStore } from '../core/ports';
import type { GateThresholds } from '../core/registry/promotion-gate';
import { ModelRegistry } from '../core/registry/model-registry';
import {
  autoRetrainEnabled,
  capacityNeed,
  CompletionHandler,
  resolveLineageTraining,
  stageEnsembleMembers,
  stageParentInput,
  RetrainLauncher,
  runScheduledCheck,
  stageDatasetInput,
  sweepJobs,
  type CompletionInput,
  type CompletionOutcome,
  type DataVolumeCheck,
  type LaunchOutcome,
  type PromotionPolicy,
  type RetrainEvent,
  type SweepOptions,
  type SweepResult,
  type TrainingBackend,
  type TrainingDefaults,
  TRAINING_CAPACITY_INSUFFICIENT,
  TrainingRefusedError,
} from '../core/retraining';
import {
  flushFunctionUsage,
  FunctionUsageRecorder,
  InsufficientCapacityError,
  mergeResourceUsage,
  resourceTelemetry,
  type CapacityVerdict,
  type ResourceTelemetry,
  type ResourceUsage,
} from '../core/resources';
import { EVENT_FUNCTIONS } from '../config/event-functions';
import { FUNCTIONS } from '../config/functions';
import { gateComparer } from '../core/pipeline/gate-comparison';
import { onlineLearningStatus, type OnlineStatus } from '../core/online/status';
import { ensembleStatus, type EnsembleStatus } from '../core/ensemble/status';
import { harvestFeedback, unharvestedFeedback, type FeedbackHarvest } from '../core/online/feedback-samples';
import { sampledInputs } from '../core/serving/sampled-inputs';
import { INFERENCE_TTL_ATTRIBUTE, ModelServer, PredictionLog, TelemetryEncoder, TelemetryRetention, type SessionFactory } from '../core/serving';
import { InProcessEventBus } from '../local/event-bus';
import { createTrainingBackend, type LocalTrainingSetup } from './training-backend';
import { logger } from './observability';
import { createFederatedService, type FederatedService } from './federated';

/** The retraining machinery of a platform: one launcher, one completion handler, one drift check. */
export interface Retraining {
  readonly backend: TrainingBackend;
  readonly launcher: RetrainLauncher;
  readonly completion: CompletionHandler;
  readonly policy: PromotionPolicy;
  /** Applies a completion event of any backend (SageMaker, Batch, local); `ignored` for a non-final state. */
  complete(event: { readonly source?: unknown; readonly 'detail-type'?: unknown }): Promise<CompletionOutcome | { readonly outcome: 'ignored' }>;
  /** One drift check of a model, and its data-volume check; publishes what they raise. */
  checkDrift(model: string, options?: { readonly since?: string; readonly now?: Date }): Promise<{ result: DriftCheckResult; volume: DataVolumeCheck }>;
  /** The maintenance sweep of unfinished jobs: lost ones failed (lock freed), finished ones completed. */
  sweep(options?: SweepOptions): Promise<SweepResult>;
  /** Every lineage with a production alias: what the drift checks, schedules and alarms watch. */
  watchedModels(): Promise<string[]>;
  /**
   * Joins a lineage's new feedback to the flows telemetry kept and appends them to its collection
   * dataset (each record at most once); undefined for an unknown lineage. Runs before every drift
   * check and before an adaptation resolves its samples.
   */
  harvestFeedback(model: string): Promise<FeedbackHarvest | undefined>;
  /**
   * One firing of the adaptation schedule: an AdaptationRequested for every deployed lineage the
   * schedule covers (spec.online.scheduled, default yes), needing its sample threshold
   * (spec.online.minSamples, else config thresholds.dataVolumeThreshold). The same firing twice is one job per lineage.
   */
  scheduledAdaptation(scheduledAt: string): Promise<{ readonly model: string; readonly outcome: LaunchOutcome }[]>;
  /** A lineage's online-learning status (samples waiting, last adaptations); undefined for an unknown lineage. */
  onlineStatus(model: string, limit?: number): Promise<OnlineStatus | undefined>;
  /** A lineage's last ensemble jobs (members, weights, figures, best member) and requests; undefined for a model with no version. */
  ensembleStatus(model: string, limit?: number): Promise<EnsembleStatus | undefined>;
  /**
   * The capacity check before automation: whether the backend can run the next job of `model` (or
   * of every watched lineage). Throws InsufficientCapacityError naming the first that would not fit,
   * after publishing TrainingCapacityInsufficient (the alert); answers the verdicts otherwise.
   */
  assertCapacity(model?: string): Promise<{ readonly model: string; readonly verdict: CapacityVerdict }[]>;
}

export interface PlatformOptions {
  /** Where events go. Default: EventBridge on AWS (or an EventBridge endpoint); an in-process bus on the embedded cloud. */
  readonly events?: EventPublisher;
  /** SDK clients to share (default: created from the configuration). */
  readonly clients?: AwsClients;
  /** The audit stream (tests keep theirs apart). @default the platform stream */
  readonly auditStream?: string;
  /** What a retrain trains when its trigger does not say (default: config.training.defaults, dataset 'cicids2017'). */
  readonly trainingDefaults?: TrainingDefaults | ((model: string) => TrainingDefaults);
  /** The local backend's job directories and how its completions come back (config.training.backend 'local'). */
  readonly localTraining?: LocalTrainingSetup;
  /**
   * Keep telemetry within config.serving's bounds in-process (the embedded cloud has no lifecycle
   * rules and no TTL): the local platform sets it; on AWS the bucket's lifecycle rule and the
   * table's TTL do it. Failures of a background sweep are reported here.
   */
  readonly telemetryRetention?: { readonly onError: (error: unknown) => void };
  /**
   * A long-running server (the local platform): telemetry rows wait in a buffer up to
   * config.serving.telemetryFlushMs (default 1000 ms) and are written as one Parquet object, instead
   * of before each response (Lambda). close() flushes them. Background flush failures go to onError.
   */
  readonly bufferTelemetry?: { readonly onError: (error: unknown) => void };
  /** Applied to every AWS SDK client the platform creates (Lambda: the tracer's capture). */
  readonly instrument?: ClientInstrument;
  /**
   * Record each function invocation's duration and memory in this process and flush the bounded
   * aggregates to the jobs table (core/resources/function-usage.ts): the local platform sets it. On
   * AWS, Lambda's own metrics and the handlers' EMF metrics (Latency, MemoryUsed) hold these figures.
   */
  readonly functionUsage?: boolean;
}

/** Function usage of this process: record per invocation, flush the aggregates. */
export interface FunctionUsage {
  readonly recorder: FunctionUsageRecorder;
  /** Merges what was recorded into the stored items (one per function per day). */
  flush(): Promise<void>;
}

/** Wraps an SDK client (e.g. Powertools Tracer's captureAWSv3Client) and answers it. */
export type ClientInstrument = <C>(client: C) => C;

/** The platform's services, built once. */
export interface Platform {
  readonly config: PlatformConfig;
  readonly stores: PlatformStores;
  readonly events: EventPublisher;
  readonly audit: AuditLog;
  readonly registry: ModelRegistry;
  readonly predictionLog: PredictionLog;
  /** Function usage recording (when PlatformOptions.functionUsage asked for it). */
  readonly functionUsage?: FunctionUsage;
  /** Resource usage over a window by job, model and function (GET /api/ml/telemetry, `xdr-ml telemetry`). */
  resourceTelemetry(query: { readonly from: Date; readonly to: Date; readonly model?: string }): Promise<ResourceTelemetry>;
  /** The local telemetry sweeper (when PlatformOptions.telemetryRetention asked for it). */
  readonly telemetryRetention?: TelemetryRetention;
  /** The dataset stores (Parquet chunks and manifests) as ingest and the collector use them. */
  readonly datasets: IngestStores;
  /** The promotion gate's thresholds. */
  readonly gate: GateThresholds;
  /** Scores flows with onnxruntime-node (loaded on first use). */
  readonly modelServer: ModelServer;
  readonly experiments: ExperimentService;
  /** Routes predict traffic through running experiments. */
  readonly experimentRouter: ExperimentRouter;
  readonly retraining: Retraining;
  /** Federated runs across tenants: start, coordinate, status (platform/federated.ts). */
  readonly federated: FederatedService;
  /** The ObjectStore of any bucket by name (the platform's own are in `stores.buckets`). */
  objectStore(bucket: string): ObjectStore;
  /** What runTrainingJob needs: the stores, the registry as the last step, the ONNX settings, the code version. */
  trainingJobDeps(options?: { readonly mirrorDir?: string }): TrainingJobDeps;
  /** Each table's status and item count, whether each bucket exists. */
  describeStores(): Promise<StoreStatus>;
  /**
   * The maintenance pass (local start-up, a schedule on AWS): the job sweep, then the registry's
   * audit reconciliation (records a crash lost are appended, marked recovered).
   */
  maintain(options?: SweepOptions): Promise<{ readonly jobs: SweepResult; readonly auditRecovered: readonly string[] }>;
  /** Stores what serving still buffers (request records, counters, telemetry): a clean shutdown awaits it before close(). */
  flush(): Promise<void>;
  /** A long-running server starts its telemetry encoding worker now, not in its first burst of traffic. */
  warmUp(): void;
  /** Releases the SDK clients. */
  close(): void;
}

/** The EventPublisher a configuration implies: EventBridge on AWS (or its endpoint override), an in-process bus on the embedded cloud. */
export function defaultEventPublisher(config: PlatformConfig, instrument?: ClientInstrument): EventPublisher {
  if (config.endpoints.eventBridge || !config.endpoints.dynamodb) return EventBridgePublisher.fromConfig(config, instrument);
  return new InProcessEventBus();
}

/**
 * The functions' figures on AWS: their EMF metrics read back from CloudWatch
 * (adapters/cloudwatch-function-usage.ts; its client loaded on first use).
 */
function cloudWatchSummaries(config: PlatformConfig, instrument: ClientInstrument = (c) => c) {
  let read: ReturnType<typeof import('../adapters/cloudwatch-function-usage').cloudWatchUsageReader> | undefined;
  return (functions: readonly string[], from: Date, to: Date) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    read ??= (require('../adapters/cloudwatch-function-usage') as typeof import('../adapters/cloudwatch-function-usage')).cloudWatchUsageReader(
      config,
      instrument,
    );
    return read(functions, from, to);
  };
}

/** Crash tests (config.faultPoint): the process kills itself at the named point, as `kill -9` would. */
export function faultHook(config: PlatformConfig): ((point: string) => void) | undefined {
  const target = config.faultPoint;
  if (!target) return undefined;
  return (point) => {
    if (point === target) process.kill(process.pid, 'SIGKILL');
  };
}

/** How long the local server buffers telemetry rows by default (config.serving.telemetryFlushMs). */
const LOCAL_TELEMETRY_FLUSH_MS = 1000;

/** A lazily built, memoised value. */
function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

/**
 * Builds the platform for a configuration.
 *
 * @example
 * const platform = composePlatform(loadConfig());
 * await platform.registry.deploy('general', 3, { actor: 'alice', thresholds: platform.gate });
 */
export function composePlatform(config: PlatformConfig, options: PlatformOptions = {}): Platform {
  const clients = options.clients ?? createAwsClients(config, options.instrument);
  const stores = createPlatformStores(config, clients);
  const events = options.events ?? defaultEventPublisher(config, options.instrument);
  const audit = new AuditLog({ table: stores.tables.audit, ...(options.auditStream ? { stream: options.auditStream } : {}) });
  const fault = faultHook(config);
  const registry = new ModelRegistry({
    table: stores.tables.registry,
    audit,
    events,
    compare: gateComparer(stores.buckets.artefacts),
    ...(fault ? { fault } : {}),
  });
  const telemetryRetention = options.telemetryRetention
    ? new TelemetryRetention({
        telemetry: new S3ObjectStore(clients.s3, config.buckets.telemetry),
        inference: stores.tables.inference,
        ttlAttribute: INFERENCE_TTL_ATTRIBUTE,
        maxBytes: config.serving.telemetryMaxBytes,
        retentionMs: config.serving.telemetryRetentionDays * 86_400_000,
        onError: options.telemetryRetention.onError,
      })
    : undefined;
  // a server buffers thousands of samples an object: encode them off the thread that answers requests
  const telemetryEncoder = options.bufferTelemetry ? new TelemetryEncoder() : undefined;
  const predictionLog = new PredictionLog({
    inference: stores.tables.inference,
    telemetry: stores.buckets.telemetry,
    sampleRate: config.serving.sampleRate,
    maxSampleFlows: config.serving.telemetryMaxFlows,
    retentionDays: config.serving.inferenceRetentionDays,
    telemetryFlushMs: options.bufferTelemetry ? (config.serving.telemetryFlushMs ?? LOCAL_TELEMETRY_FLUSH_MS) : (config.serving.telemetryFlushMs ?? 0),
    ...(options.bufferTelemetry ? { onTelemetryError: options.bufferTelemetry.onError } : {}),
    ...(telemetryEncoder ? { telemetryEncoder } : {}),
    ...(telemetryRetention ? { onSample: (bytes: number) => telemetryRetention.noteWritten(bytes) } : {}),
  });
  const gate: GateThresholds = { minMacroF1: config.thresholds.minMacroF1, maxRecallDrop: config.thresholds.maxRecallDrop };
  const objectStore = (bucket: string): ObjectStore => {
    const own = Object.values(stores.buckets).find((b) => b.bucket === bucket);
    return own ?? new S3ObjectStore(clients.s3, bucket);
  };

  const modelServer = lazy(() => {
    // onnxruntime-node (a native binary) is loaded only by processes that score
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createOnnxSession } = require('../core/serving/onnx-session') as { createOnnxSession: SessionFactory };
    return new ModelServer({ registry, artefacts: stores.buckets.artefacts, sessions: createOnnxSession });
  });
  const experiments = lazy(
    () =>
      new ExperimentService({
        store: new ExperimentStore(stores.tables.experiments),
        registry,
        loader: { load: (model, version) => modelServer().load(model, version) },
        predictionLog,
        audit,
        thresholds: gate,
        history: { intervalMs: config.serving.experimentHistoryMs },
      }),
  );
  const experimentRouter = lazy(
    () =>
      new ExperimentRouter({
        service: experiments(),
        scorer: modelServer(),
        recorder: predictionLog,
        cacheTtlMs: config.serving.experimentCacheMs,
        canaryCheckIntervalMs: config.serving.canaryCheckMs,
      }),
  );

  const policy = config.training.promotionPolicy;
  const specOf = (model: string) => registry.getSpec(model);
  const completion = lazy(
    () =>
      new CompletionHandler({
        jobs: stores.tables.jobs,
        registry,
        artefacts: stores.buckets.artefacts,
        audit,
        events,
        readOutput: jobOutputReader(objectStore),
        thresholds: gate,
        policy,
        ...(fault ? { fault } : {}),
      }),
  );
  // Built on first use: a cloud backend needs settings (image, role, queue) only the launcher has.
  const backend = lazy(() => {
    const deliver = (c: CompletionInput) =>
      completion()
        .handle(c)
        .then(() => undefined);
    return createTrainingBackend(config, stores, options.localTraining ?? { deliver }, options.instrument);
  });
  const production = async (model: string) => {
    const alias = await registry.resolveAlias(model, 'production');
    if (!alias) return undefined;
    const v = await registry.getVersion(model, alias.version);
    return { version: v.version, adaptable: Boolean(v.artefacts.replay && v.artefacts.evaluation), dataset: v.dataset.name };
  };
  const harvest = (model: string) =>
    harvestFeedback(
      {
        inference: stores.tables.inference,
        inputs: (m, predictions) => sampledInputs(stores.buckets.telemetry, m, predictions),
        flush: () => predictionLog.flush(),
        datasets: { objects: stores.buckets.datasets, manifests: stores.tables.datasets },
        specOf,
        audit,
      },
      model,
    );
  const resolve = async (model: string, event: RetrainEvent) => {
    // an adaptation on the collected samples takes the feedback that arrived since the last check too
    if ((event.type === 'AdaptationRequested' && !event.dataset) || event.type === 'DataVolumeReached') await harvest(model);
    return resolveLineageTraining(
      {
        specOf,
        manifests: stores.tables.datasets,
        production,
        dataVolumeAction: config.thresholds.dataVolumeAction,
        versionsOf: (m) => registry.listVersions(m).catch(() => []),
      },
      model,
      event,
    );
  };
  // a cloud job's figures its completion event lacks (SageMaker's billable seconds) from the job's
  // description; a backend that cannot say (no settings here, a failed call) leaves them out, never
  // guessed, and never holds up the registration
  const withBackendUsage = async (input: CompletionInput): Promise<CompletionInput> => {
    if (config.training.backend === 'local' || input.resources?.billableSeconds !== undefined) return input;
    let described: ResourceUsage | undefined;
    try {
      const b = backend();
      described = b.usage ? await b.usage({ jobId: input.jobId }) : undefined;
    } catch (error) {
      logger.warn('the training backend does not describe the finished job: its billable seconds are left out', {
        backend: config.training.backend,
        jobId: input.jobId,
        error: (error as Error).message,
      });
    }
    const resources = mergeResourceUsage(input.resources, described);
    return resources ? { ...input, resources } : input;
  };
  const launcher = lazy(
    () =>
      new RetrainLauncher({
        jobs: stores.tables.jobs,
        backend: backend(),
        resolveDataset: (name, version) => stageDatasetInput(stores.tables.datasets, stores.buckets.datasets, name, version),
        productionVersion: async (model) => (await registry.resolveAlias(model, 'production'))?.version,
        stageParent: async (model, version, options) =>
          stageParentInput({ artefacts: stores.buckets.artefacts, datasets: stores.buckets.datasets }, await registry.getVersion(model, version), options),
        stageMembers: async (jobId, members) =>
          stageEnsembleMembers(
            { artefacts: stores.buckets.artefacts, datasets: stores.buckets.datasets },
            jobId,
            await Promise.all(members.map((m) => registry.getVersion(m.model, m.version))),
          ),
        audit,
        events,
        ...(fault ? { fault } : {}),
        capacityNeed: (model, training) => capacityNeed({ jobs: stores.tables.jobs, manifests: stores.tables.datasets }, model, training),
        config: {
          cooldownMs: config.training.cooldownHours * 3600_000,
          // what to train: the lineage's spec, the same way everywhere (tests may fix it instead)
          ...(options.trainingDefaults ? { training: options.trainingDefaults } : { resolve }),
          scheduleEnabled: (model) => autoRetrainEnabled(stores.tables.jobs, config.autoRetrain.enabled, model),
        },
      }),
  );
  const retraining: Retraining = {
    get backend() {
      return backend();
    },
    get launcher() {
      return launcher();
    },
    get completion() {
      return completion();
    },
    policy,
    async complete(event) {
      const input = parseCompletionEvent(event, { artefactsBucket: config.buckets.artefacts });
      return input ? completion().handle(await withBackendUsage(input)) : { outcome: 'ignored' as const };
    },
    harvestFeedback: harvest,
    checkDrift: async (model, o = {}) => {
      // feedback joined to its inputs first, so the data-volume check counts it; the harvest also
      // writes the samples this process still buffers, so the check sees every request answered before it
      await harvest(model);
      await predictionLog.telemetry.flush();
      return runScheduledCheck(
        {
          telemetry: stores.buckets.telemetry,
          artefacts: stores.buckets.artefacts,
          registry,
          reports: stores.tables.drift,
          feedback: () => predictionLog.feedbackFor(model),
          events,
          datasets: stores.tables.datasets,
          specOf,
        },
        {
          model,
          now: o.now ?? new Date(),
          ...(o.since ? { since: o.since } : {}),
          shareThreshold: config.thresholds.driftShareThreshold,
          dataVolumeThreshold: config.thresholds.dataVolumeThreshold,
          accuracyThreshold: config.thresholds.accuracyThreshold,
          recallFloor: config.thresholds.recallFloor,
        },
      );
    },
    sweep: (o = {}) => sweepJobs({ jobs: stores.tables.jobs, backend: backend(), completion: completion() }, o),
    async watchedModels() {
      const models = await registry.listModels();
      return models.filter((m) => m.aliases.production !== undefined).map((m) => m.model);
    },
    async scheduledAdaptation(scheduledAt) {
      const outcomes: { model: string; outcome: LaunchOutcome }[] = [];
      for (const model of await retraining.watchedModels()) {
        const spec = await specOf(model);
        if (!spec || spec.online?.scheduled === false) continue;
        const outcome = await launcher().handle({
          type: 'AdaptationRequested',
          model,
          requestId: `scheduled-adaptation-${scheduledAt}`,
          actor: 'schedule:adaptation',
          reason: `scheduled adaptation (${config.online.adaptSchedule ?? 'on demand'})`,
          minSamples: spec.online?.minSamples ?? config.thresholds.dataVolumeThreshold,
        });
        outcomes.push({ model, outcome });
      }
      return outcomes;
    },
    onlineStatus: (model, limit) =>
      onlineLearningStatus(
        {
          jobs: stores.tables.jobs,
          manifests: stores.tables.datasets,
          specOf,
          production: async (m) => {
            const alias = await registry.resolveAlias(m, 'production');
            return alias ? registry.getVersion(m, alias.version) : undefined;
          },
          version: (m, v) => registry.getVersion(m, v),
          feedbackWaiting: async (m) => (await unharvestedFeedback(stores.tables.inference, m)).length,
        },
        model,
        limit,
      ),
    ensembleStatus: (model, limit) =>
      ensembleStatus(
        {
          jobs: stores.tables.jobs,
          versions: (m) => registry.listVersions(m).catch(() => []),
          production: async (m) => (await registry.resolveAlias(m, 'production'))?.version,
        },
        model,
        limit,
      ),
    async assertCapacity(model) {
      const models = model ? [model] : await retraining.watchedModels();
      const verdicts: { model: string; verdict: CapacityVerdict }[] = [];
      for (const m of models) {
        let verdict: CapacityVerdict | undefined;
        try {
          verdict = await launcher().checkCapacity(m);
        } catch (error) {
          if (error instanceof TrainingRefusedError) continue; // a lineage the schedule would refuse anyway: nothing to size
          throw error;
        }
        if (!verdict) continue;
        if (!verdict.fits) {
          const reason = `auto-retrain refused for ${m}: the ${backend().name} backend cannot run its job: ${verdict.reason}`;
          await events
            .publish(TRAINING_CAPACITY_INSUFFICIENT, { model: m, trigger: 'auto-retrain-switch', backend: backend().name, reason, need: verdict.need })
            .catch(() => undefined);
          throw new InsufficientCapacityError(reason, verdict);
        }
        verdicts.push({ model: m, verdict });
      }
      return verdicts;
    },
  };

  const federated = lazy(() =>
    createFederatedService({
      config,
      stores,
      events,
      // participant jobs are not training jobs: their exits complete nothing (the coordinator registers the run)
      participantBackend: lazy(() =>
        createTrainingBackend(
          config,
          stores,
          {
            deliver: async () => undefined,
            // a participant talks to the exchange bucket itself: the same configuration and store endpoints as this process
            environment: {
              ...configToEnvironment(config),
              ...(config.endpoints.s3 ? { [ENV_KEYS.s3Endpoint]: config.endpoints.s3 } : {}),
              ...(config.endpoints.dynamodb ? { [ENV_KEYS.dynamodbEndpoint]: config.endpoints.dynamodb } : {}),
            },
            ...(options.localTraining?.home ? { home: options.localTraining.home } : {}),
            ...(options.localTraining?.log ? { log: options.localTraining.log } : {}),
          },
          options.instrument,
        ),
      ),
      complete: (c) => completion().handle(c),
    }),
  );

  const functionUsage: FunctionUsage | undefined = options.functionUsage
    ? (() => {
        const recorder = new FunctionUsageRecorder();
        let flushing: Promise<void> = Promise.resolve();
        return {
          recorder,
          flush() {
            // one flush at a time: a drain merged by two writers at once would only retry
            flushing = flushing.then(() => (recorder.size ? flushFunctionUsage(stores.tables.jobs, recorder.drain()) : undefined));
            return flushing;
          },
        };
      })()
    : undefined;

  return {
    config,
    stores,
    events,
    audit,
    registry,
    predictionLog,
    ...(functionUsage ? { functionUsage } : {}),
    async resourceTelemetry(query) {
      await functionUsage?.flush();
      return resourceTelemetry(
        {
          jobs: stores.tables.jobs,
          models: async () => (await registry.listModels()).map((m) => m.model),
          functions: [...FUNCTIONS.map((f) => f.id), ...Object.values(EVENT_FUNCTIONS).map((f) => f.id)],
          // on AWS nothing records usage items: the functions' EMF metrics are read back from CloudWatch
          ...(!functionUsage && !config.endpoints.dynamodb ? { functionSummaries: cloudWatchSummaries(config, options.instrument) } : {}),
        },
        query,
      );
    },
    ...(telemetryRetention ? { telemetryRetention } : {}),
    datasets: { objects: stores.buckets.datasets, manifests: stores.tables.datasets },
    gate,
    get modelServer() {
      return modelServer();
    },
    get experiments() {
      return experiments();
    },
    get experimentRouter() {
      return experimentRouter();
    },
    retraining,
    get federated() {
      return federated();
    },
    objectStore,
    trainingJobDeps: (o = {}) => ({
      datasetsTable: stores.tables.datasets,
      datasetsBucket: stores.buckets.datasets,
      artefactsBucket: stores.buckets.artefacts,
      register: (input) => registry.registerVersion(input),
      onnx: config.onnx,
      codeVersion: config.codeVersion,
      ...(o.mirrorDir ? { mirrorDir: o.mirrorDir } : {}),
    }),
    describeStores: () => describeStores(config, clients),
    async maintain(o = {}) {
      const jobs = await retraining.sweep(o);
      return { jobs, auditRecovered: await registry.reconcileAudit() };
    },
    flush: () => predictionLog.flush(),
    warmUp: () => telemetryEncoder?.warmUp(),
    close() {
      void telemetryEncoder?.close();
      if (events instanceof EventBridgePublisher && !options.events) events.destroy();
      clients.dynamodb.destroy();
      clients.s3.destroy();
    },
  };
}
