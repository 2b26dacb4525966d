// The completion handler: the one place a finished training job comes back to, whatever ran it
// (SageMaker's "Training Job State Change", Batch's "Batch Job State Change", the local process's
// exit). On success it reads the job's output (the bundle the container wrote under
// content-addressed keys plus registration.json), verifies every file's sha256, copies the bundle
// to the artefacts bucket (artefacts first), registers the version (last), runs the promotion gate
// against production (like with like: both scored on the candidate's held-out evaluation rows;
// ModelRegistry.gate) and applies the policy — the lineage's own (its spec), else the platform's:
//   auto-promote  gate passed → ModelRegistry.deploy to production
//   shadow / ab   gate passed → ExperimentRequested { model, challengerVersion, mode } (or a direct
//                 deploy when nothing serves production yet: there is nothing to test against)
//   manual        left registered, audited as awaiting approval
// A failed gate leaves the version registered and audited (outcome 'gate-failed'). When the job
// trained on rows collected for the lineage, the lineage records them as used (the data-volume
// count moves only now). On failure the job is marked Failed, audited, and TrainingFailed goes out
// (the alert). Either way the model's lock is released. A redelivered completion of a finished job
// changes nothing. When the lineage's spec asks for it (chainEnsemble), a retrain's or an
// adaptation's candidate then raises EnsembleRequested over production and the candidate
// (ensemble-chain.ts); an ensemble's candidate never does.
import { z } from 'zod';
import { BUNDLE_FILES, isModelArtefactKey, OPTIONAL_BUNDLE_ROLES, sha256Hex, type BundleRole } from '../artefacts/bundle';
import { tenantAlias, TenantId } from '../names';
import { CLASS_SPACES } from '../registry/lineage-spec';
import type { AuditLog } from '../audit/audit-log';
import { ConflictError, UnknownResourceError } from '../errors';
import type { EventPublisher, ItemTable, ObjectStore } from '../ports';
import type { PromotionPolicy } from '../registry/lineage-spec';
import type { ModelRegistry, ModelVersion } from '../registry/model-registry';
import type { GateResult, GateThresholds } from '../registry/promotion-gate';
import { mergeResourceUsage, parseResourceUsage, RESOURCE_USAGE_FILE, type ResourceUsage } from '../resources/usage';
import { REGISTRATION_FILE, type CompletionInput } from './backend';
import { chainDecision } from './ensemble-chain';
import { JobOutputError } from './errors';
import { EXPERIMENT_REQUESTED, TRAINING_COMPLETED, TRAINING_FAILED, type RetrainTrigger } from './events';
import { getJob, putJob, releaseLock, type TrainingJobRecord } from './job-records';
import { TUNE_LEVELS } from '../training/learner-params';

export { PROMOTION_POLICIES, type PromotionPolicy } from '../registry/lineage-spec';

/** A job's output files by path relative to its /opt/ml/model directory. */
export type JobOutputFiles = ReadonlyMap<string, Uint8Array>;

export interface CompletionHandlerDeps {
  readonly jobs: ItemTable;
  readonly registry: ModelRegistry;
  readonly artefacts: ObjectStore;
  readonly audit: AuditLog;
  readonly events: EventPublisher;
  /** Reads a job's output (local directory, S3 prefix, SageMaker model.tar.gz …). */
  readonly readOutput: (outputLocation: string) => Promise<JobOutputFiles>;
  readonly thresholds: GateThresholds;
  /** The platform's policy; a lineage's spec may name its own. */
  readonly policy: PromotionPolicy | ((model: string) => PromotionPolicy);
  /** Runs after a successful registration. */
  readonly afterTraining?: (job: TrainingJobRecord, version: ModelVersion) => Promise<void>;
  /** Fault injection for crash tests: called at named points. */
  readonly fault?: (point: string) => void;
  readonly clock?: () => Date;
}

export type CompletionOutcome =
  | { readonly outcome: 'duplicate'; readonly job: TrainingJobRecord }
  | { readonly outcome: 'failed'; readonly job: TrainingJobRecord }
  | {
      readonly outcome: 'promoted' | 'experiment-requested' | 'awaiting-approval' | 'gate-failed';
      readonly job: TrainingJobRecord;
      readonly version: ModelVersion;
      readonly gate: GateResult;
      readonly productionVersion?: number;
    };

const artefact = z.object({ key: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().min(0) });
const registrationSchema = z
  .object({
    model: z.string().min(1),
    algorithm: z.string().min(1),
    artefacts: z.object(
      Object.fromEntries(Object.keys(BUNDLE_FILES).map((r) => [r, OPTIONAL_BUNDLE_ROLES.includes(r as BundleRole) ? artefact.optional() : artefact])) as Record<
        BundleRole,
        typeof artefact
      >,
    ),
    dataset: z.object({ name: z.string(), version: z.number().int(), sha256: z.string() }),
    metrics: z.record(z.string(), z.unknown()),
    classes: z.array(z.string()),
    hyperparameters: z.record(z.string(), z.unknown()),
    parentVersion: z.number().int().min(1).optional(),
    author: z.string().min(1),
    trainingJobId: z.string().optional(),
    classSpace: z.enum(CLASS_SPACES).optional(),
    features: z.array(z.object({ name: z.string().min(1), kind: z.enum(['numeric', 'categorical']) })).optional(),
    seed: z.number().int().min(0).optional(),
    requestedParams: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    tune: z.enum(TUNE_LEVELS).optional(),
    trainingKind: z.string().optional(),
    tenant: TenantId.optional(),
  })
  .loose();
export type RegistrationFile = z.infer<typeof registrationSchema>;

/**
 * Handles training-job completions.
 *
 * @example
 * const completion = new CompletionHandler({ jobs, registry, artefacts, audit, events, readOutput: readLocalOutput,
 *   thresholds: { minMacroF1: 0.5, maxRecallDrop: 0.05 }, policy: 'auto-promote' });
 * await completion.handle({ jobId, state: 'Completed', outputLocation: '/tmp/xdr/jobs/train-1/model' });
 */
export class CompletionHandler {
  private readonly clock: () => Date;

  constructor(private readonly deps: CompletionHandlerDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Applies one completion; throws UnknownResourceError for a job the launcher never recorded. */
  async handle(completion: CompletionInput): Promise<CompletionOutcome> {
    const job = await getJob(this.deps.jobs, completion.jobId);
    if (!job) throw new UnknownResourceError(`no training job ${completion.jobId}`, { details: { jobId: completion.jobId } });
    if (job.state === 'Completed' || job.state === 'Failed') return { outcome: 'duplicate', job };
    if (completion.state === 'Failed')
      return this.fail(job, completion.failureReason ?? 'the training job failed without a reason', completion.outputLocation, completion.resources);
    if (!completion.outputLocation) return this.fail(job, 'the job completed without an output location', undefined, completion.resources);
    let registered: { version: ModelVersion; registration: RegistrationFile; resources?: ResourceUsage };
    try {
      registered = await this.register(job, completion.outputLocation);
    } catch (error) {
      return this.fail(
        job,
        `its output could not be registered: ${(error as Error).message ?? String(error)}`,
        completion.outputLocation,
        completion.resources,
      );
    }
    // the container's own figures (resource-usage.json beside the bundle) first, the backend's (instance type, billable seconds) added
    const resources = mergeResourceUsage(registered.resources, completion.resources);
    const { version } = registered;
    this.deps.fault?.('completion.after-register');
    const production = await this.deps.registry.resolveAlias(job.model, 'production');
    // a tenant variant takes its tenant's alias, gated against its parent (the global model) on the tenant's held-out rows
    const alias = version.tenant ? tenantAlias(version.tenant) : 'production';
    const gate = await this.deps.registry.gate(version, version.tenant ? version.parentVersion : production?.version, this.deps.thresholds);
    const spec = await this.deps.registry.getSpec(job.model);
    const policy = spec?.promotionPolicy ?? (typeof this.deps.policy === 'function' ? this.deps.policy(job.model) : this.deps.policy);
    // experiments run on production traffic: a tenant variant under shadow/ab waits for a person instead
    const experiment = (policy === 'shadow' || policy === 'ab') && !version.tenant;
    const subject = `model/${job.model}/version/${version.version}`;
    let outcome: 'promoted' | 'experiment-requested' | 'awaiting-approval' | 'gate-failed';
    if (!gate.passed) {
      outcome = 'gate-failed';
      await this.deps.audit.append({
        actor: 'training-completion',
        action: 'training.gate-failed',
        subject,
        reason: gate.checks
          .filter((c) => !c.passed)
          .map((c) => c.detail)
          .join('; '),
        parameters: { jobId: job.jobId, policy, productionVersion: production?.version ?? null, checks: gate.checks },
        metrics: { macroF1: version.metrics.macroF1 },
      });
    } else if (policy === 'auto-promote' || (experiment && !production)) {
      try {
        await this.deps.registry.deploy(job.model, version.version, {
          alias,
          actor: 'training-completion',
          reason: `${policy}: ${job.reason} (job ${job.jobId})`,
          thresholds: this.deps.thresholds,
        });
        outcome = 'promoted';
      } catch (error) {
        // Production moved (or its gate refused) between our check and the deploy: the version stays registered.
        if (!(error instanceof ConflictError)) throw error;
        await this.deps.audit.append({
          actor: 'training-completion',
          action: 'training.gate-failed',
          subject,
          reason: `deploy refused: ${error.message}`,
          parameters: { jobId: job.jobId, policy },
        });
        outcome = 'gate-failed';
      }
    } else if (experiment) {
      await this.deps.events.publish(EXPERIMENT_REQUESTED, {
        model: job.model,
        challengerVersion: version.version,
        championVersion: production?.version ?? null,
        mode: policy,
        jobId: job.jobId,
        reason: job.reason,
      });
      await this.deps.audit.append({
        actor: 'training-completion',
        action: 'experiment.requested',
        subject,
        reason: job.reason,
        parameters: { mode: policy, championVersion: production?.version ?? null, jobId: job.jobId },
      });
      outcome = 'experiment-requested';
    } else {
      await this.deps.audit.append({
        actor: 'training-completion',
        action: 'model.awaiting-approval',
        subject,
        reason: job.reason,
        parameters: { jobId: job.jobId, productionVersion: production?.version ?? null, ...(version.tenant ? { alias } : {}) },
      });
      outcome = 'awaiting-approval';
    }
    // Before the job reads Completed: whoever sees it completed also sees its rows used (and a
    // crash in between re-runs this idempotent, monotonic mark on redelivery).
    if (job.collected) {
      await this.deps.registry.markCollectionUsed(
        job.model,
        { dataset: job.collected.dataset, version: job.collected.version, rowsUsed: job.collected.rows },
        'training-completion',
        `job ${job.jobId} trained version ${version.version} on ${job.collected.rows} collected rows (${job.collected.dataset} v${job.collected.version})`,
      );
    }
    const done: TrainingJobRecord = {
      ...job,
      state: 'Completed',
      finishedAt: this.clock().toISOString(),
      outputLocation: completion.outputLocation,
      registeredVersion: version.version,
      outcome,
      ...(resources ? { resources } : {}),
    };
    await putJob(this.deps.jobs, done);
    await releaseLock(this.deps.jobs, job.model, job.jobId);
    await this.deps.audit.append({
      actor: 'training-completion',
      action: 'training.completed',
      subject: `model/${job.model}/job/${job.jobId}`,
      reason: job.reason,
      after: { version: version.version, outcome },
      metrics: {
        macroF1: version.metrics.macroF1,
        accuracy: version.metrics.accuracy,
        // an adaptation's record carries its samples and both evaluations (did it learn, did it forget)
        ...(version.metrics.adaptation ? { adaptation: version.metrics.adaptation } : {}),
        // an ensemble's record carries its members, their weights and figures, and the best member's
        ...(version.metrics.ensemble ? { ensemble: version.metrics.ensemble } : {}),
      },
      dataset: { ...version.dataset },
      parameters: {
        trigger: job.trigger,
        policy,
        gatePassed: gate.passed,
        ...(job.training?.adaptation ? { adaptation: job.training.adaptation, parentVersion: job.training.adaptation.parentVersion } : {}),
        ...(job.training?.ensemble
          ? { members: job.training.ensemble.members.map((m) => `${m.model}@${m.version}`).join(','), method: job.training.ensemble.method }
          : {}),
      },
    });
    await this.deps.afterTraining?.(done, version);
    await this.chainEnsemble(done, version, production, spec?.chainEnsemble);
    await this.safePublish(TRAINING_COMPLETED, { jobId: job.jobId, model: job.model, version: version.version, outcome, gatePassed: gate.passed });
    return { outcome, job: done, version, gate, ...(production ? { productionVersion: production.version } : {}) };
  }

  /** Copies the bundle (sha256-verified) to the artefacts bucket, then registers the version. */
  private async register(
    job: TrainingJobRecord,
    outputLocation: string,
  ): Promise<{ version: ModelVersion; registration: RegistrationFile; resources?: ResourceUsage }> {
    const files = await this.deps.readOutput(outputLocation);
    const usageFile = files.get(RESOURCE_USAGE_FILE);
    let resources: ResourceUsage | undefined;
    try {
      resources = usageFile ? parseResourceUsage(JSON.parse(Buffer.from(usageFile).toString('utf8'))) : undefined;
    } catch {
      resources = undefined; // a figure we cannot read is left out, never guessed
    }
    const raw = files.get(REGISTRATION_FILE);
    if (!raw) throw new JobOutputError(`${outputLocation} holds no ${REGISTRATION_FILE} (files: ${[...files.keys()].slice(0, 10).join(', ') || 'none'})`);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch (error) {
      throw new JobOutputError(`${REGISTRATION_FILE} is not JSON`, { cause: error });
    }
    const parsed = registrationSchema.safeParse(json);
    if (!parsed.success) throw new JobOutputError(`${REGISTRATION_FILE}: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
    const registration = parsed.data;
    if (registration.model !== job.model) throw new JobOutputError(`${REGISTRATION_FILE} is for model ${registration.model}, the job trains ${job.model}`);
    for (const role of Object.keys(BUNDLE_FILES) as BundleRole[]) {
      const ref = registration.artefacts[role];
      if (ref && !isModelArtefactKey(job.model, ref.key)) {
        throw new JobOutputError(`the ${role} artefact key ${JSON.stringify(ref.key.slice(0, 200))} lies outside models/${job.model}/; nothing was copied`);
      }
    }
    for (const role of Object.keys(BUNDLE_FILES) as BundleRole[]) {
      const ref = registration.artefacts[role];
      if (!ref) continue; // an optional role the job's container did not write
      const body = files.get(ref.key);
      if (!body) throw new JobOutputError(`the output lacks the ${role} artefact ${ref.key}`);
      const actual = sha256Hex(body);
      if (actual !== ref.sha256)
        throw new JobOutputError(`the ${role} artefact ${ref.key} is corrupt (sha256 ${actual.slice(0, 12)}…, registration says ${ref.sha256.slice(0, 12)}…)`);
      if (!(await this.deps.artefacts.exists(ref.key))) {
        await this.deps.artefacts.put(ref.key, body, { contentType: role === 'onnx' ? 'application/octet-stream' : 'application/json' });
      }
    }
    const version = await this.deps.registry.registerVersion({
      model: registration.model,
      algorithm: registration.algorithm,
      artefacts: registration.artefacts,
      dataset: registration.dataset,
      metrics: registration.metrics,
      classes: registration.classes,
      hyperparameters: registration.hyperparameters,
      ...(registration.parentVersion !== undefined ? { parentVersion: registration.parentVersion } : {}),
      author: registration.author,
      trainingJobId: job.jobId,
      ...(registration.classSpace ? { classSpace: registration.classSpace } : {}),
      ...(registration.features ? { features: registration.features } : {}),
      ...(registration.seed !== undefined ? { seed: registration.seed } : {}),
      ...(registration.requestedParams ? { requestedParams: registration.requestedParams } : {}),
      ...(registration.tune ? { tune: registration.tune } : {}),
      ...(registration.trainingKind ? { trainingKind: registration.trainingKind } : {}),
      ...(registration.tenant ? { tenant: registration.tenant } : {}),
    });
    return { version, registration, ...(resources ? { resources } : {}) };
  }

  private async fail(job: TrainingJobRecord, failureReason: string, outputLocation?: string, resources?: ResourceUsage): Promise<CompletionOutcome> {
    const failed: TrainingJobRecord = {
      ...job,
      state: 'Failed',
      finishedAt: this.clock().toISOString(),
      failureReason,
      ...(outputLocation ? { outputLocation } : {}),
      ...(resources ? { resources } : {}),
    };
    await putJob(this.deps.jobs, failed);
    await releaseLock(this.deps.jobs, job.model, job.jobId, true);
    await this.deps.audit.append({
      actor: 'training-completion',
      action: 'training.failed',
      subject: `model/${job.model}/job/${job.jobId}`,
      reason: failureReason,
      parameters: { trigger: job.trigger, backend: job.backend, backendJobId: job.backendJobId ?? null },
    });
    await this.safePublish(TRAINING_FAILED, { jobId: job.jobId, model: job.model, trigger: job.trigger, failureReason });
    return { outcome: 'failed', job: failed };
  }

  /** Raises the chained ensemble request the lineage's policy asks for (after the lock is released, so the launcher can start it), audited either way. */
  private async chainEnsemble(
    job: TrainingJobRecord,
    candidate: ModelVersion,
    production: { readonly version: number } | undefined,
    settings: Parameters<typeof chainDecision>[0]['settings'],
  ): Promise<void> {
    if (!settings) return;
    const productionVersion = production ? await this.deps.registry.getVersion(job.model, production.version) : undefined;
    const decision = chainDecision({ job, candidate, settings, ...(productionVersion ? { production: productionVersion } : {}) });
    if (!decision) return;
    const subject = `model/${job.model}/version/${candidate.version}`;
    if (!decision.chained) {
      await this.deps.audit.append({
        actor: 'training-completion',
        action: 'ensemble.chain-skipped',
        subject,
        reason: decision.reason,
        parameters: { jobId: job.jobId },
      });
      return;
    }
    const { request } = decision;
    const trigger: RetrainTrigger = 'EnsembleRequested';
    await this.safePublish(trigger, { ...request });
    await this.deps.audit.append({
      actor: 'training-completion',
      action: 'ensemble.chained',
      subject,
      reason: request.reason ?? 'lineage policy chainEnsemble',
      parameters: {
        jobId: job.jobId,
        requestId: request.requestId,
        members: (request.members ?? []).map((m) => `${m.model}@${m.version}`).join(','),
        method: request.method ?? 'auto',
        ...(request.extraMembers !== undefined ? { extraMembers: request.extraMembers } : {}),
      },
    });
  }

  private async safePublish(detailType: string, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.deps.events.publish(detailType, detail);
    } catch {
      // The job record and the audit log hold the outcome; a lost notification does not undo it.
    }
  }
}
