// One federated run, coordinator side, end to end: the participants describe their data (schema,
// labels, rows) → the schema and class space are agreed → the trainer (GBDT or MLP) runs its rounds
// through RemoteParty proxies and remote secure sums, each round opened and closed in the table
// with its events → each participant evaluates the model on its own held-out rows and the counts
// are summed securely (the registered metrics) → the bundle and registration.json are written under
// training-output/<job>/ → the completion handler registers the candidate like any job's output
// (spec, gate, policy, audit, TrainingCompleted). Nothing here reads a dataset.
import { sha256Hex } from '../../artefacts/bundle';
import { federatedDatasetId } from '../../names';
import { buildReferenceProfile } from '../../drift/reference-profile';
import { noExplanations } from '../../families';
import { modelFamily } from '../../families';
import type { ModelDocument } from '../../learners/learner';
import type { EventPublisher, ObjectStore } from '../../ports';
import { storeBundle } from '../../pipeline/train-job';
import { TRAINING_OUTPUT_PREFIX, REGISTRATION_FILE, type CompletionInput } from '../../retraining/backend';
import type { CompletionOutcome } from '../../retraining/completion';
import { FederatedTrainingError } from '../errors';
import { trainFederatedGbdt } from '../federated-gbdt';
import { trainFederatedMlp } from '../federated-mlp';
import { agreeOnSchema, metricsFromSums, remoteSecureSum, RemoteParty, RoundTracker, type CoordinatorLink, type ParticipantDescription } from './coordinator';
import type { FederatedRunStore, FederatedRun } from './run-store';

/** The trainingKind of a registered federated version. */
export const FEDERATED_KIND = 'federated';

/** Defaults of a run: rounds per algorithm and the GBDT's depth (the measured configuration of docs/federated.md). */
export const FEDERATED_DEFAULTS = {
  gbdtRounds: 20,
  gbdtDepth: 4,
  mlpRounds: 15,
  mlpLocalEpochs: 2,
  stepTimeoutMs: 120_000,
  roundTimeoutMs: 1_800_000,
} as const;

export interface CoordinatorDeps {
  readonly store: FederatedRunStore;
  /** The artefacts bucket: round objects, submissions and the job output live there. */
  readonly artefacts: ObjectStore;
  readonly events: EventPublisher;
  /** Hands the finished output to the completion handler (registration, gate, policy). */
  readonly complete: (completion: CompletionInput) => Promise<CompletionOutcome>;
  readonly onnx?: { readonly mergeBudgetBytes?: number; readonly mergeMaxNodes?: number };
  readonly stepTimeoutMs?: number;
  readonly roundTimeoutMs?: number;
  readonly pollMs?: number;
}

/** What a finished run reports. */
export interface FederatedRunResult {
  readonly run: FederatedRun;
  readonly outcome: CompletionOutcome;
}

/** The fewest participants a run's rounds may close with: as asked, else every tenant but one (at least 2). */
export function minParticipantsOf(run: FederatedRun): number {
  return run.request.minParticipants ?? Math.max(2, run.request.tenants.length - 1);
}

/**
 * Coordinates a recorded run whose participants have been started; registers its candidate.
 * @throws FederatedTrainingError (and the run and job marked failed) when the participants disagree, too many drop, or the budget is exceeded
 */
export async function coordinateFederatedRun(deps: CoordinatorDeps, runId: string): Promise<FederatedRunResult> {
  const initial = await deps.store.get(runId);
  if (!initial) throw new FederatedTrainingError(`no federated run ${runId}`);
  const run = await deps.store.update(runId, () => ({ state: 'running' }));
  const { request } = run;
  const minParticipants = minParticipantsOf(run);
  const link: CoordinatorLink = {
    runId,
    exchange: deps.artefacts,
    store: deps.store,
    events: deps.events,
    stepTimeoutMs: deps.stepTimeoutMs ?? FEDERATED_DEFAULTS.stepTimeoutMs,
    ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
  };
  let tracker: RoundTracker | null = null;
  const onDropout = async (party: RemoteParty, step: string) => {
    tracker?.dropout(party.id);
    await deps.store.update(runId, (r) => ({
      participants: r.participants.filter((t) => t !== party.id),
      dropouts: [...r.dropouts, { tenant: party.id, step, at: new Date().toISOString() }],
    }));
  };
  const parties = request.tenants.map((t) => new RemoteParty(t, link, onDropout));
  tracker = new RoundTracker(link, minParticipants, deps.roundTimeoutMs ?? FEDERATED_DEFAULTS.roundTimeoutMs, parties);
  const rounds = tracker;
  const seed = request.seed ?? 42;
  try {
    // 1. who holds what: schema, labels, rows (in plain; see docs/federated.md)
    const described = new Map<string, ParticipantDescription>();
    for (const [i, d] of (await Promise.all(parties.map((p) => p.call<ParticipantDescription>('describe')))).entries()) if (d) described.set(parties[i].id, d);
    if (described.size < minParticipants)
      throw new FederatedTrainingError(`only ${described.size} of ${parties.length} participants answered, fewer than the minimum ${minParticipants}`);
    const { schema, classes } = agreeOnSchema(described);
    await Promise.all(parties.map((p) => p.call('prepare', { classes, schema, algorithm: request.algorithm, seed })));

    // 2. the rounds
    const secureSum = remoteSecureSum(parties, minParticipants, link, (survivors) => rounds.summed(survivors));
    let document: ModelDocument;
    let privacy: { epsilon: number; delta: number } | null = null;
    if (request.algorithm === 'gbdt') {
      const entering = parties.map((p) => {
        const begin = p.beginRound.bind(p);
        p.beginRound = async (round: number) => {
          await rounds.enter(round);
          await begin(round);
        };
        return p;
      });
      const result = await trainFederatedGbdt(entering, {
        schema,
        classes,
        params: { seed, nRounds: request.rounds ?? FEDERATED_DEFAULTS.gbdtRounds, maxDepth: FEDERATED_DEFAULTS.gbdtDepth },
        secureSum,
        sessionPrefix: runId,
      });
      document = result.document;
    } else {
      for (const p of parties) {
        const update = p.localUpdate.bind(p);
        p.localUpdate = async (r) => {
          await rounds.enter(r.round);
          return update(r);
        };
      }
      const result = await trainFederatedMlp(parties, {
        schema,
        classes,
        rounds: request.rounds ?? FEDERATED_DEFAULTS.mlpRounds,
        localEpochs: FEDERATED_DEFAULTS.mlpLocalEpochs,
        secureSum,
        sessionPrefix: runId,
        ...(request.dp ? { dp: request.dp } : {}),
      });
      document = result.document;
      privacy = result.privacy ? { epsilon: result.privacy.epsilon, delta: result.privacy.delta } : null;
      if (privacy) await deps.store.update(runId, () => ({ epsilonSpent: privacy!.epsilon }));
    }
    await rounds.close();

    // 3. figures: every participant's held-out counts, summed securely
    await Promise.all(parties.map((p) => p.call('evaluate', { document })));
    const metrics = metricsFromSums(await secureSum(`${runId}/evaluation`, []), classes);

    // 4. the bundle and registration.json under training-output/<job>/, then the completion handler
    const family = modelFamily(document.format);
    const empty = { rows: 0, cols: schema.features.length, data: new Float64Array(0) };
    const survivors = parties.filter((p) => !p.dropped).map((p) => p.id);
    const summary = {
      model: request.model,
      trainingKind: FEDERATED_KIND,
      algorithm: request.algorithm,
      runId,
      tenants: request.tenants,
      participants: survivors,
      dropouts: (await deps.store.get(runId))?.dropouts ?? [],
      rounds: rounds.closed,
      classes,
      classSpace: 'fine',
      seed,
      metrics,
      privacy,
      note: 'metrics are the securely summed counts of every participant on its own held-out rows',
    };
    const outputPrefix = `${TRAINING_OUTPUT_PREFIX}${run.jobId}/`;
    const output: ObjectStore = {
      bucket: deps.artefacts.bucket,
      put: (key, body, o) => deps.artefacts.put(`${outputPrefix}${key}`, body, o),
      get: (key) => deps.artefacts.get(`${outputPrefix}${key}`),
      exists: (key) => deps.artefacts.exists(`${outputPrefix}${key}`),
      list: async (prefix) => (await deps.artefacts.list(`${outputPrefix}${prefix}`)).map((k) => k.slice(outputPrefix.length)),
      delete: (key) => deps.artefacts.delete(`${outputPrefix}${key}`),
    };
    const artefacts = await storeBundle({ artefactsBucket: output }, request.model, {
      onnx: family.exportOnnx(document, { ...deps.onnx }),
      model: JSON.stringify(document),
      summary: JSON.stringify(summary, null, 2),
      // no row leaves a tenant, so the drift reference holds the schema only (no distributions)
      reference: JSON.stringify(buildReferenceProfile(schema, empty)),
      explanations: JSON.stringify(
        noExplanations(
          classes,
          schema.features.map((f) => f.name),
          'a federated model has no central held-out rows to explain on',
        ),
      ),
    });
    const datasetId = federatedDatasetId(request.dataset, request.tenants);
    const registration = {
      model: request.model,
      algorithm: request.algorithm,
      artefacts,
      dataset: { name: datasetId, version: 1, sha256: sha256Hex(Buffer.from(datasetId)) },
      metrics: { ...metrics, federated: { runId, participants: survivors, rounds: rounds.closed, privacy } },
      classes,
      hyperparameters: {
        ...Object.fromEntries(Object.entries(document.params ?? {}).filter(([, v]) => ['number', 'string', 'boolean'].includes(typeof v))),
        federatedRun: runId,
      },
      classSpace: 'fine',
      features: schema.features.map((f) => ({ name: f.name, kind: f.kind })),
      seed,
      author: request.author ?? 'federated',
      trainingJobId: run.jobId,
      trainingKind: FEDERATED_KIND,
    };
    await output.put(REGISTRATION_FILE, JSON.stringify(registration, null, 2), { contentType: 'application/json' });
    await Promise.all(parties.map((p) => p.call('finish')));
    const outcome = await deps.complete({ jobId: run.jobId, state: 'Completed', outputLocation: `s3://${deps.artefacts.bucket}/${outputPrefix}` });
    const finished = await deps.store.update(runId, () => ({
      state: outcome.outcome === 'failed' ? 'failed' : 'completed',
      finishedAt: new Date().toISOString(),
      ...('version' in outcome ? { version: outcome.version.version } : {}),
      ...(outcome.outcome === 'failed' ? { failureReason: outcome.job.failureReason ?? 'registration failed' } : {}),
    }));
    return { run: finished, outcome };
  } catch (error) {
    const reason = `${(error as Error).name}: ${(error as Error).message}`;
    await Promise.all(parties.map((p) => p.call('abort').catch(() => undefined)));
    await deps.store.update(runId, () => ({ state: 'failed', failureReason: reason, finishedAt: new Date().toISOString() })).catch(() => undefined);
    await deps.complete({ jobId: run.jobId, state: 'Failed', failureReason: reason }).catch(() => undefined);
    throw error;
  }
}
