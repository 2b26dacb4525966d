// The federated service of the platform: accepts a run (validated, recorded as a job and a run,
// FederatedRunStarted published), coordinates it (participant jobs started on the training backend,
// each with its own tenant's dataset staged — the launcher's work, never the coordinator's — then
// the coordinator, which holds no dataset store at all) and answers the status of runs and rounds.
import { randomUUID } from 'node:crypto';
import type { PlatformConfig } from '../config/config';
import type { PlatformStores } from '../adapters/platform-stores';
import { ConflictError, InvalidInputError, UnknownResourceError } from '../core/errors';
import { FEDERATED_RUN_STARTED } from '../core/federated/events';
import { participantJobId } from '../core/federated/keys';
import { coordinateFederatedRun, type FederatedRunResult } from '../core/federated/protocol/run';
import { FederatedRunStore, type FederatedRound, type FederatedRun, type FederatedRunRequest } from '../core/federated/protocol/run-store';
import { ModelName, TenantId, tenantDatasetName } from '../core/names';
import { loadManifest } from '../core/pipeline';
import type { EventPublisher } from '../core/ports';
import { HYPERPARAMETER_KEYS as K, TRAINING_JOB_PREFIX, type CompletionInput, type TrainingBackend } from '../core/retraining/backend';
import type { CompletionOutcome } from '../core/retraining/completion';
import { stageDatasetInput } from '../core/retraining/dataset-input';
import { getJob, putJob } from '../core/retraining/job-records';

/** A run with its rounds, as GET /api/federated/status shows it. */
export type FederatedRunStatus = FederatedRun & { readonly rounds: readonly FederatedRound[] };

export interface FederatedService {
  /**
   * Validates and records a run; answers its ids at once (the coordinator runs on FederatedRunStarted).
   * @throws InvalidInputError (400) for fewer than two tenants, a repeated tenant, DP asked of the GBDT
   * @throws UnknownResourceError (404) naming a tenant that has no such dataset
   * @throws ConflictError (409) when a federated run of the lineage is still going
   */
  start(request: FederatedRunRequest, actor: string): Promise<{ readonly runId: string; readonly jobId: string }>;
  /** Starts the participants and coordinates the run to its registered candidate. */
  coordinate(runId: string): Promise<FederatedRunResult>;
  /** The newest runs with their rounds; one run when `runId` is given. */
  status(options?: { readonly runId?: string; readonly limit?: number }): Promise<{ readonly runs: readonly FederatedRunStatus[] }>;
}

export interface FederatedServiceDeps {
  readonly config: PlatformConfig;
  readonly stores: PlatformStores;
  readonly events: EventPublisher;
  /** The backend participant jobs run on (their completions are not training completions). */
  readonly participantBackend: () => TrainingBackend;
  readonly complete: (completion: CompletionInput) => Promise<CompletionOutcome>;
  /** Deadline of one protocol step (tests shorten it). */
  readonly stepTimeoutMs?: number;
}

/** A refused run request, naming the field at fault (as the API's schema refusals do). */
function refused(field: string, message: string): InvalidInputError {
  return new InvalidInputError(message, { details: [{ field, message }] });
}

export function createFederatedService(deps: FederatedServiceDeps): FederatedService {
  const store = new FederatedRunStore(deps.stores.tables.federated);
  const manifests = deps.stores.tables.datasets;
  return {
    async start(request, actor) {
      if (!ModelName.safeParse(request.model).success) throw refused('model', `model "${request.model}" is not a valid model name`);
      if (request.tenants.length < 2) throw refused('tenants', `a federated run needs at least two tenants, got ${request.tenants.length}`);
      const repeated = request.tenants.filter((t, i) => request.tenants.indexOf(t) !== i);
      if (repeated.length) throw refused('tenants', `tenant ${repeated[0]} is listed twice`);
      for (const t of request.tenants) if (!TenantId.safeParse(t).success) throw refused('tenants', `"${t}" is not a valid tenant id`);
      if (request.dp && request.algorithm === 'gbdt')
        throw refused('dp', 'differential privacy is offered for algorithm "mlp"; the federated GBDT is lossless (exact histogram sums, no noise)');
      if (request.minParticipants !== undefined && (request.minParticipants < 2 || request.minParticipants > request.tenants.length))
        throw refused('minParticipants', `minParticipants must be between 2 and the ${request.tenants.length} tenants, got ${request.minParticipants}`);
      for (const t of request.tenants) {
        try {
          await loadManifest(manifests, tenantDatasetName(t, request.dataset));
        } catch (error) {
          if (error instanceof UnknownResourceError)
            throw new UnknownResourceError(`tenant ${t} has no dataset "${request.dataset}" (ingest it with --tenant ${t})`, {
              details: { tenant: t, dataset: request.dataset },
            });
          throw error;
        }
      }
      const going = (await store.list(50)).find((r) => r.request.model === request.model && (r.state === 'queued' || r.state === 'running'));
      if (going) throw new ConflictError(`federated run ${going.runId} of ${request.model} is ${going.state}; wait for it (GET /api/federated/status)`);
      const createdAt = new Date().toISOString();
      const runId = `fed-${createdAt.replace(/[-:.]/g, '').replace('T', '-').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
      const jobId = `${TRAINING_JOB_PREFIX}${runId}`;
      await putJob(deps.stores.tables.jobs, {
        jobId,
        model: request.model,
        trigger: 'ManualRetrain',
        reason: `federated run ${runId} across ${request.tenants.join(', ')}`,
        idempotencyKey: runId,
        state: 'InProgress',
        createdAt,
        startedAt: createdAt,
        backend: `federated:${deps.participantBackend().name}`,
        actor,
      });
      await store.create({
        runId,
        jobId,
        request: { ...request, author: request.author ?? actor },
        state: 'queued',
        createdAt,
        participants: [...request.tenants],
        dropouts: [],
        roundsCompleted: 0,
        epsilonSpent: null,
      });
      await deps.events.publish(FEDERATED_RUN_STARTED, { runId, jobId, model: request.model, tenants: request.tenants, algorithm: request.algorithm });
      return { runId, jobId };
    },

    async coordinate(runId) {
      const run = await store.get(runId);
      if (!run) throw new UnknownResourceError(`no federated run ${runId}`);
      if (run.state !== 'queued') throw new ConflictError(`federated run ${runId} is already ${run.state}`);
      const { request } = run;
      const backend = deps.participantBackend();
      // the participants: one job per tenant, its own dataset staged by the backend (the participant role on AWS)
      for (const tenant of request.tenants) {
        const dataset = await stageDatasetInput(manifests, deps.stores.buckets.datasets, tenantDatasetName(tenant, request.dataset));
        await backend.start({
          jobId: participantJobId(runId, tenant),
          model: request.model,
          dataset,
          hyperparameters: {
            [K.mode]: 'federated',
            [K.model]: request.model,
            [K.algorithm]: request.algorithm,
            [K.classes]: 'fine',
            [K.seed]: String(request.seed ?? 42),
            [K.dataset]: request.dataset,
            [K.datasetVersion]: String(dataset.version),
            [K.jobId]: participantJobId(runId, tenant),
            [K.runId]: runId,
            [K.tenant]: tenant,
          },
        });
      }
      const job = await getJob(deps.stores.tables.jobs, run.jobId);
      if (!job) throw new UnknownResourceError(`federated run ${runId} has no job ${run.jobId}`);
      return coordinateFederatedRun(
        {
          store,
          artefacts: deps.stores.buckets.artefacts,
          events: deps.events,
          complete: deps.complete,
          onnx: deps.config.onnx,
          ...(deps.stepTimeoutMs ? { stepTimeoutMs: deps.stepTimeoutMs } : {}),
        },
        runId,
      );
    },

    async status(options = {}) {
      const runs = options.runId ? [await store.get(options.runId)].filter((r): r is FederatedRun => r !== undefined) : await store.list(options.limit ?? 20);
      if (options.runId && runs.length === 0) throw new UnknownResourceError(`no federated run ${options.runId}`);
      return { runs: await Promise.all(runs.map(async (r) => ({ ...r, rounds: await store.rounds(r.runId) }))) };
    },
  };
}
