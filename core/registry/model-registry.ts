// The model registry: model lineages with immutable, numbered versions and movable aliases
// (`production`, `challenger`, custom), on one DynamoDB table (pk/sk single-table design) through
// the ItemTable port. No transactions: every state change is ONE conditional single-item write.
//
// The item layout (lineage index, version counter, versions, aliases, alias history, the lineage's
// training spec, quarantined versions) is in registry-items.ts; types in types.ts; input validation
// in registry-validation.ts; the spec in lineage-spec.ts; the gate in promotion-gate.ts.
//
// Audit: every change is committed first, then its audit record (carrying the change's `ref`) is
// appended; a crash between the two is rolled forward by registry-audit.ts.
//
// Version numbers: increment the counter, then putIfAbsent the version item. Two allocations never
// get the same number (the increment is atomic and the put is conditional). A process that dies
// between the two writes leaves a gap (that number is never used); gaps are accepted, duplicates
// never happen.
//
// Alias moves and their history. The commit point of a move is the conditional write of the alias
// item (putIfRevision against the revision the mover read), and that item carries the complete
// record of the move (from, to, kind, actor, reason, time, revision). The history entry for
// revision r is an immutable copy of the alias item at revision r, written with putIfAbsent under
// the key of r. It is written right after the move, and — to close the crash window between the
// two writes — every mover first writes the entry of the revision it is moving FROM (idempotently:
// same key, same content, putIfAbsent). So:
//   - a lost race never leaves a history entry (only the winner's alias write succeeds);
//   - an entry can never exist for a move that did not happen (it is copied from the alias item);
//   - a crash after the move leaves at most the newest entry unwritten, and the next move (or any
//     history read, which merges the alias item in) completes it. Exactly one entry per move.
// Writing the entry BEFORE the move would make the entry the commit point instead, and a mover that
// crashed between the two writes would leave an in-doubt move that every later mover must complete.
import { ConflictError, InvalidInputError, UnknownResourceError, UnprocessableError } from '../errors';
import { ConditionFailedError, type EventPublisher, type ItemTable } from '../ports';
import type { AuditLog } from '../audit/audit-log';
import { toPlainJson } from '../audit/canonical-json';
import { specPatchSchema, type LineageSpec, type OnlineSettings, type SpecFeature, type SpecPatch } from './lineage-spec';
import { evaluateGate, type GateResult, type GateThresholds, type SameRowsComparison } from './promotion-gate';
import { aliasRef, auditRegistry, healthEntry, moveEntry, reconcileRegistryAudit, registerEntry, specEntry, type RegistryAuditCheck } from './registry-audit';
import { exportRegistryTable } from './registry-export';
import { readHealth, readSpec, specFromVersion, writeHealth, writeSpec } from './registry-lineage';
import {
  aliasSk,
  COUNTER_SK,
  historySk,
  isAliasSk,
  isVersionSk,
  mergeHistory,
  modelIndexSk,
  MODELS_PK,
  modelPk,
  previousVersion,
  SPEC_SK,
  toMove,
  toVersion,
  versionSk,
  withoutKeys,
} from './registry-items';
import { invalid, lostRace, metricNumber, registerSchema, requireActor, requireAlias, requireName, requireVersion } from './registry-validation';
import { tenantAlias, tenantOfAlias } from '../names';
import {
  LINEAGE_SPEC_CHANGED,
  MODEL_ALIAS_CHANGED,
  MODEL_VERSION_QUARANTINED,
  MODEL_VERSION_REGISTERED,
  type AliasMove,
  type GateComparer,
  type RemoveAliasOptions,
  type VersionHealth,
  type AliasRef,
  type DeployOptions,
  type DeployResult,
  type EventOutcome,
  type ModelDescription,
  type ModelRegistryOptions,
  type ModelSummary,
  type ModelVersion,
  type MoveAliasOptions,
  type RegisterVersionInput,
  type RegistryExport,
  type RollbackOptions,
  type RollbackResult,
} from './types';

export * from './types';
export * from './lineage-spec';
export type { RegistryAuditCheck } from './registry-audit';
export { previousVersion } from './registry-items';
export { writeRegistryExport } from './registry-export';
export { deploy_enhanced_model, rollback_model } from './mini-xdr-names';

/** How many times a registration retries when its allocated number is already taken. */
const MAX_ALLOCATION_ATTEMPTS = 20;

/**
 * The model registry.
 *
 * @example
 * const registry = new ModelRegistry({ table: stores.tables.registry, audit, events });
 * const v = await registry.registerVersion({ model: 'general', algorithm: 'gbdt', artefacts, dataset, metrics, classes,
 *   hyperparameters, author: 'trainer' });
 * await registry.deploy('general', v.version, { actor: 'alice', thresholds: { minMacroF1: 0.8, maxRecallDrop: 0.05 } });
 * await registry.rollback('general', { actor: 'alice', reason: 'false positives' });
 */
export class ModelRegistry {
  private readonly table: ItemTable;
  private readonly audit: AuditLog;
  private readonly events: EventPublisher;
  private readonly clock: () => Date;
  private readonly compare?: GateComparer;
  private readonly fault: (point: string) => void;

  constructor(options: ModelRegistryOptions) {
    this.table = options.table;
    this.audit = options.audit;
    this.events = options.events;
    this.clock = options.clock ?? (() => new Date());
    this.compare = options.compare;
    this.fault = options.fault ?? (() => undefined);
  }

  /**
   * Registers a new immutable version with the next number of its lineage (1, 2, 3 …). Call it
   * after the artefacts are written: the registry entry is the last step of a training job. A
   * second call with the same trainingJobId and ONNX sha256 returns the existing version (a
   * redelivered completion event); two such calls at the same instant may still both register.
   *
   * @throws InvalidInputError naming the offending field; UnknownResourceError for a missing parentVersion
   */
  async registerVersion(input: RegisterVersionInput): Promise<ModelVersion> {
    const parsed = registerSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.join('.') || 'input';
      throw new InvalidInputError(`${field}: ${issue.message}`, {
        details: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      });
    }
    const model = input.model;
    const pk = modelPk(model);
    if (input.parentVersion !== undefined && !(await this.table.get({ pk, sk: versionSk(input.parentVersion) }))) {
      throw new UnknownResourceError(`parentVersion: model ${model} has no version ${input.parentVersion}`, {
        details: [{ field: 'parentVersion', message: 'no such version' }],
      });
    }
    if (input.trainingJobId !== undefined) {
      // A redelivered completion event of the same job registers nothing new.
      const existing = (await this.listVersions(model)).find(
        (v) => v.trainingJobId === input.trainingJobId && v.artefacts.onnx.sha256 === input.artefacts.onnx.sha256,
      );
      if (existing) return existing;
    }
    const createdAt = this.clock().toISOString();
    await this.table
      .putIfAbsent({ pk: MODELS_PK, sk: modelIndexSk(model), entity: 'model', model, createdAt, algorithm: input.algorithm })
      .catch((error: unknown) => {
        if (!(error instanceof ConditionFailedError)) throw error;
      });
    for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
      const version = await this.table.increment({ pk, sk: COUNTER_SK }, 'lastVersion');
      const record: ModelVersion = toPlainJson({
        model,
        version,
        algorithm: input.algorithm,
        artefacts: input.artefacts,
        dataset: input.dataset,
        metrics: input.metrics,
        classes: input.classes,
        hyperparameters: input.hyperparameters,
        parentVersion: input.parentVersion,
        author: input.author,
        trainingJobId: input.trainingJobId,
        classSpace: input.classSpace,
        features: input.features?.map((f) => ({ name: f.name, kind: f.kind })),
        seed: input.seed,
        requestedParams: input.requestedParams,
        tune: input.tune,
        trainingKind: input.trainingKind,
        tenant: input.tenant,
        createdAt,
      });
      try {
        await this.table.putIfAbsent({ pk, sk: versionSk(version), entity: 'version', ...record });
      } catch (error) {
        // Only possible when the counter was reset behind existing versions: take the next number.
        if (error instanceof ConditionFailedError) continue;
        throw error;
      }
      this.fault('registry.register.after-commit');
      await this.audit.append(registerEntry(record));
      // The lineage's training spec: recorded at its first registration, never overwritten here.
      if (!(await readSpec(this.table, model))) {
        const spec = specFromVersion(record, createdAt);
        if (await writeSpec(this.table, spec)) await this.audit.append(specEntry(spec));
      }
      await this.publish(MODEL_VERSION_REGISTERED, { model, version, author: input.author, trainingJobId: input.trainingJobId });
      return record;
    }
    throw new ConflictError(`model ${model}: could not allocate a version number after ${MAX_ALLOCATION_ATTEMPTS} attempts`);
  }

  /** A version, or UnknownResourceError. */
  async getVersion(model: string, version: number): Promise<ModelVersion> {
    requireName('model', model);
    requireVersion('version', version);
    const item = await this.table.get({ pk: modelPk(model), sk: versionSk(version) });
    if (!item) throw new UnknownResourceError(`model ${model} has no version ${version}`, { details: { model, version } });
    return toVersion(item);
  }

  /** Every version of a lineage, oldest first (empty for an unknown model). */
  async listVersions(model: string): Promise<ModelVersion[]> {
    requireName('model', model);
    const items = await this.table.query({ pk: modelPk(model) });
    return items.filter((i) => isVersionSk(String(i.sk))).map(toVersion);
  }

  /** Every lineage with its version count and aliases, by name. */
  async listModels(): Promise<ModelSummary[]> {
    const index = await this.table.query({ pk: MODELS_PK });
    return Promise.all(
      index.map(async (entry) => {
        const model = String(entry.model);
        const items = await this.table.query({ pk: modelPk(model) });
        const versions = items.filter((i) => isVersionSk(String(i.sk))).map((i) => Number(i.version));
        const aliases: Record<string, AliasRef> = {};
        for (const i of items)
          if (isAliasSk(String(i.sk)) && !i.removed) aliases[String(i.alias)] = { version: Number(i.version), revision: Number(i.revision) };
        return {
          model,
          createdAt: String(entry.createdAt),
          versions: versions.length,
          latestVersion: versions.length ? Math.max(...versions) : undefined,
          aliases,
        };
      }),
    );
  }

  /** The collection dataset each lineage's spec declares (what POST /training-data may write besides the configured ones). */
  async collectionDatasets(): Promise<Set<string>> {
    const index = await this.table.query({ pk: MODELS_PK });
    const specs = await Promise.all(index.map((entry) => this.getSpec(String(entry.model))));
    return new Set(specs.flatMap((spec) => (spec ? [spec.collection.dataset] : [])));
  }

  /** Versions, current aliases and alias history of one lineage; UnknownResourceError when it has no version. */
  async describeModel(model: string): Promise<ModelDescription> {
    requireName('model', model);
    const items = await this.table.query({ pk: modelPk(model) });
    const versions = items.filter((i) => isVersionSk(String(i.sk))).map(toVersion);
    if (versions.length === 0) throw new UnknownResourceError(`unknown model ${model}`, { details: { model } });
    const aliases: Record<string, AliasMove> = {};
    for (const i of items) if (isAliasSk(String(i.sk)) && !i.removed) aliases[String(i.alias)] = toMove(i);
    const quarantined: Record<string, VersionHealth> = {};
    for (const i of items) if (String(i.sk).startsWith('HEALTH#')) quarantined[String(i.version)] = withoutKeys<VersionHealth>(i);
    const stored = items.find((i) => i.sk === SPEC_SK);
    const spec = stored ? withoutKeys<LineageSpec>(stored) : specFromVersion(versions[0], versions[0].createdAt);
    return { model, versions, aliases, history: mergeHistory(items, undefined), spec, quarantined };
  }

  /** The version an alias points at and the alias's revision; undefined when the alias is unset. */
  async resolveAlias(model: string, alias: string): Promise<AliasRef | undefined> {
    const state = await this.aliasState(model, alias);
    return state && !state.removed ? { version: state.version, revision: state.revision } : undefined;
  }

  /** The alias item with its last move (`removed` when it serves nothing now); undefined when the alias was never set. */
  async aliasState(model: string, alias: string): Promise<AliasMove | undefined> {
    requireName('model', model);
    requireAlias('alias', alias);
    const item = await this.table.get({ pk: modelPk(model), sk: aliasSk(alias) });
    return item ? toMove(item) : undefined;
  }

  /** Every move of one alias (or of all aliases), oldest first per alias. */
  async aliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    requireName('model', model);
    if (alias !== undefined) requireAlias('alias', alias);
    const items = await this.table.query({ pk: modelPk(model) });
    return mergeHistory(items, alias);
  }

  /**
   * Moves an alias to a version with one conditional write checked against `expectedRevision`,
   * records the move in the alias history, appends an audit record and emits ModelAliasChanged.
   *
   * @throws ConflictError (409) "lost the race to a concurrent update" when the alias moved on;
   *         UnknownResourceError when the version does not exist
   */
  async moveAlias(model: string, alias: string, toVersion: number, options: MoveAliasOptions): Promise<{ move: AliasMove; event: EventOutcome }> {
    const move = await this.commitMove(model, alias, toVersion, options);
    await this.audit.append(moveEntry(move));
    return { move, event: await this.announce(move) };
  }

  /**
   * Deploys a version to an alias (default production) through the promotion gate, which compares
   * the candidate with the version the alias serves now. A failing gate refuses the deploy with a
   * ConflictError carrying the checks, unless `force` with a non-empty `reason`.
   *
   * @example await registry.deploy('general', 4, { actor: 'alice', thresholds: config.thresholds });
   * @throws InvalidInputError (force without reason), UnknownResourceError, ConflictError (gate or lost race)
   */
  async deploy(model: string, version: number, options: DeployOptions): Promise<DeployResult> {
    const alias = requireAlias('alias', options.alias ?? 'production');
    requireName('model', model);
    requireVersion('version', version);
    const actor = requireActor(options.actor);
    const reason = options.reason?.trim() || undefined;
    if (options.force && !reason) throw invalid('reason', 'a forced deploy needs a reason');
    const candidate = await this.getVersion(model, version);
    const aliasTenant = tenantOfAlias(alias);
    // a tenant variant learned one tenant's traffic: it serves that tenant's alias and no other
    if (candidate.tenant !== undefined && aliasTenant !== candidate.tenant) {
      throw new ConflictError(
        `version ${version} of ${model} is tenant ${candidate.tenant}'s variant: it serves alias ${tenantAlias(candidate.tenant)}, not ${alias}`,
        { details: [{ field: 'alias', message: `must be ${tenantAlias(candidate.tenant)} for this version` }] },
      );
    }
    const state = await this.aliasState(model, alias);
    const current = state && !state.removed ? state : undefined;
    // a tenant variant is gated against its parent (the global model) on the tenant's own held-out rows;
    // another version at a tenant alias against what the tenant gets now (its alias, else production)
    const against =
      candidate.tenant !== undefined
        ? candidate.parentVersion
        : (current?.version ?? (aliasTenant !== undefined ? (await this.resolveAlias(model, 'production'))?.version : undefined));
    const runGate = alias === 'production' || aliasTenant !== undefined || current !== undefined;
    const gate: DeployResult['gate'] = runGate ? await this.gate(candidate, against, options.thresholds) : { passed: true, skipped: true, checks: [] };
    const subject = `model/${model}/alias/${alias}`;
    const parameters = { alias, thresholds: options.thresholds, gate, forced: !gate.passed && !!options.force };
    if (!gate.passed && !options.force) {
      await this.audit.append({
        actor,
        action: 'model.deploy.refused',
        subject,
        reason,
        before: { version: current?.version ?? null, revision: current?.revision ?? 0 },
        after: { version: current?.version ?? null, revision: current?.revision ?? 0, candidate: version },
        metrics: { macroF1: metricNumber(candidate.metrics, 'macroF1') },
        dataset: { ...candidate.dataset },
        parameters,
      });
      const failed = gate.checks.filter((c) => !c.passed).map((c) => c.detail);
      throw new ConflictError(
        `promotion gate refused version ${version} of ${model} for ${alias}: ${failed.join('; ')} (use force with a reason to override)`,
        {
          details: { model, version, alias, checks: gate.checks },
        },
      );
    }
    const move = await this.commitMove(model, alias, version, { expectedRevision: state?.revision, actor, reason, kind: 'deploy' });
    await this.audit.append({
      actor,
      action: 'model.deploy',
      subject,
      ref: aliasRef(model, alias, move.revision),
      reason,
      before: { version: move.fromVersion ?? null, revision: move.revision - 1 },
      after: { version: move.version, revision: move.revision },
      metrics: { macroF1: metricNumber(candidate.metrics, 'macroF1'), accuracy: metricNumber(candidate.metrics, 'accuracy') },
      dataset: { ...candidate.dataset },
      parameters,
    });
    return { move, gate, forced: parameters.forced, event: await this.announce(move) };
  }

  /**
   * Returns an alias (default production) to the version it served before the current one, or to
   * `toVersion`. No promotion gate: a rollback is the way back from a bad version.
   *
   * @throws UnprocessableError when there is nothing to roll back to; ConflictError on a lost race
   *         or when `toVersion` is already at the alias; UnknownResourceError for a missing version
   */
  async rollback(model: string, options: RollbackOptions): Promise<RollbackResult> {
    const alias = requireAlias('alias', options.alias ?? 'production');
    requireName('model', model);
    const actor = requireActor(options.actor);
    if (options.toVersion !== undefined) requireVersion('toVersion', options.toVersion);
    const items = await this.table.query({ pk: modelPk(model) });
    const currentItem = items.find((i) => i.sk === aliasSk(alias));
    if (!currentItem || currentItem.removed) {
      throw new UnprocessableError(`alias ${alias} of model ${model} serves no version: nothing to roll back`, { details: { model, alias } });
    }
    const current = toMove(currentItem);
    const history = mergeHistory(items, alias).filter((m) => m.revision <= current.revision);
    const target = options.toVersion ?? previousVersion(history);
    if (target === undefined) {
      throw new UnprocessableError(`alias ${alias} of model ${model} has no previous version to roll back to (it serves version ${current.version})`, {
        details: { model, alias, version: current.version },
      });
    }
    if (target === current.version) {
      throw new ConflictError(`alias ${alias} of model ${model} already serves version ${target}`, { details: { model, alias, version: target } });
    }
    const reason = options.reason?.trim() || undefined;
    const move = await this.commitMove(model, alias, target, { expectedRevision: current.revision, actor, reason, kind: 'rollback' });
    const targetVersion = await this.getVersion(model, target);
    await this.audit.append({
      actor,
      action: 'model.rollback',
      subject: `model/${model}/alias/${alias}`,
      ref: aliasRef(model, alias, move.revision),
      reason,
      before: { version: move.fromVersion ?? null, revision: move.revision - 1 },
      after: { version: move.version, revision: move.revision },
      metrics: { macroF1: metricNumber(targetVersion.metrics, 'macroF1') },
      dataset: { ...targetVersion.dataset },
      parameters: { alias, toVersion: options.toVersion ?? null },
    });
    return { move, event: await this.announce(move) };
  }

  /**
   * Removes an alias (e.g. `challenger` when its A/B test stops): a revision-checked move that
   * leaves it serving nothing, recorded in its history and audited like any move.
   * @throws ConflictError on a lost race
   */
  async removeAlias(model: string, alias: string, options: RemoveAliasOptions): Promise<{ move: AliasMove; event: EventOutcome }> {
    const state = await this.aliasState(model, alias);
    if (!state) throw new UnknownResourceError(`model ${model} has no alias ${alias}`, { details: { model, alias } });
    const move = await this.commitMove(model, alias, state.version, { ...options, remove: true });
    await this.audit.append(moveEntry(move));
    return { move, event: await this.announce(move) };
  }

  /**
   * The promotion gate of a candidate against a version (the one an alias serves), with both
   * scored on the candidate's evaluation rows. A dry run: nothing moves, nothing is audited.
   */
  async gate(candidate: ModelVersion, currentVersion: number | undefined, thresholds: GateThresholds): Promise<GateResult> {
    const subject = (v: ModelVersion) => ({ metrics: v.metrics, dataset: v.dataset, version: v.version, classes: v.classes, features: v.features });
    if (currentVersion === undefined) return evaluateGate(subject(candidate), undefined, thresholds);
    const current = await this.getVersion(candidate.model, currentVersion);
    let comparison: SameRowsComparison | undefined;
    let featuresOf: { candidate?: readonly SpecFeature[]; current?: readonly SpecFeature[] } = {};
    if (this.compare) {
      const compared = await this.compare(candidate, current);
      comparison = compared.comparison;
      featuresOf = { candidate: compared.candidateFeatures, current: compared.currentFeatures };
    }
    return evaluateGate(
      { ...subject(candidate), features: candidate.features ?? featuresOf.candidate },
      { ...subject(current), features: current.features ?? featuresOf.current },
      thresholds,
      comparison,
    );
  }

  /** The lineage's training spec (recorded at its first registration; derived from its first version for older lineages); undefined for an unknown model. */
  async getSpec(model: string): Promise<LineageSpec | undefined> {
    requireName('model', model);
    const stored = await readSpec(this.table, model);
    if (stored) return stored;
    const [first] = await this.listVersions(model);
    return first ? specFromVersion(first, first.createdAt) : undefined;
  }

  /**
   * Changes a lineage's spec (promotion policy, dataset version policy, collection dataset,
   * parameters, seed): one revision-checked write, audited.
   * @throws UnknownResourceError (unknown model), InvalidInputError (bad patch), ConflictError (lost race)
   */
  async updateSpec(
    model: string,
    patch: SpecPatch,
    options: { readonly actor: string; readonly reason?: string; readonly expectedRevision?: number },
  ): Promise<LineageSpec> {
    const actor = requireActor(options.actor);
    const parsed = specPatchSchema.safeParse(patch);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalid(issue.path.join('.') || 'spec', issue.message);
    }
    const p = parsed.data;
    return this.reviseSpec(model, options.expectedRevision, actor, options.reason, (spec) => ({
      ...spec,
      ...(p.promotionPolicy !== undefined ? { promotionPolicy: p.promotionPolicy ?? undefined } : {}),
      dataset: {
        name: spec.dataset.name,
        versionPolicy: p.datasetVersionPolicy ?? (p.datasetVersion !== undefined ? 'pinned' : spec.dataset.versionPolicy),
        ...((p.datasetVersionPolicy ?? (p.datasetVersion !== undefined ? 'pinned' : spec.dataset.versionPolicy)) === 'pinned'
          ? { version: p.datasetVersion ?? spec.dataset.version }
          : {}),
      },
      ...(p.collectionDataset !== undefined ? { collection: { dataset: p.collectionDataset, rowsUsed: 0 } } : {}),
      ...(p.params !== undefined ? { params: p.params } : {}),
      ...(p.seed !== undefined ? { seed: p.seed } : {}),
      ...(p.tune !== undefined ? { tune: p.tune ?? undefined } : {}),
      ...(p.online !== undefined ? { online: mergeOnline(spec.online, p.online) } : {}),
      ...(p.chainEnsemble !== undefined ? { chainEnsemble: p.chainEnsemble ?? undefined } : {}),
    }));
  }

  /** Records that a finished job trained on the lineage's collected rows up to `rowsUsed` (system change, audited). */
  async markCollectionUsed(
    model: string,
    used: { readonly dataset: string; readonly version: number; readonly rowsUsed: number },
    actor: string,
    reason: string,
  ): Promise<LineageSpec> {
    return this.reviseSpec(model, undefined, actor, reason, (spec) =>
      spec.collection.dataset === used.dataset && spec.collection.rowsUsed >= used.rowsUsed
        ? spec
        : { ...spec, collection: { dataset: used.dataset, rowsUsed: used.rowsUsed, version: used.version } },
    );
  }

  private async reviseSpec(
    model: string,
    expectedRevision: number | undefined,
    actor: string,
    reason: string | undefined,
    change: (spec: LineageSpec) => LineageSpec,
  ): Promise<LineageSpec> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.getSpec(model);
      if (!current) throw new UnknownResourceError(`unknown model ${model}`, { details: [{ field: 'model', message: 'no such lineage' }] });
      const stored = await readSpec(this.table, model);
      if (expectedRevision !== undefined && current.revision !== expectedRevision) {
        throw new ConflictError(`the spec of ${model} is at revision ${current.revision}, not ${expectedRevision}: read it again`, {
          details: { model, revision: current.revision },
        });
      }
      // A derived spec (an older lineage) is stored first, as revision 1.
      if (!stored && (await writeSpec(this.table, current))) await this.audit.append(specEntry(current));
      const base = stored ?? current;
      const changed = change(base);
      if (changed === base) return base;
      const next: LineageSpec = {
        ...changed,
        revision: base.revision + 1,
        updatedAt: this.clock().toISOString(),
        updatedBy: actor,
        reason: reason?.trim() || undefined,
      };
      if (await writeSpec(this.table, next)) {
        this.fault('registry.spec.after-commit');
        await this.audit.append(specEntry(next));
        await this.publish(LINEAGE_SPEC_CHANGED, { model, revision: next.revision, actor, reason: next.reason ?? null });
        return next;
      }
      if (expectedRevision !== undefined) throw new ConflictError(`the spec of ${model} changed concurrently: read it again`, { details: { model } });
    }
    throw new ConflictError(`could not update the spec of ${model}: it keeps changing; retry`);
  }

  /**
   * Marks a version unhealthy (its artefact failed its checksum …): every instance then serves the
   * last healthy version instead. Written once, audited, and alerted (ModelVersionQuarantined).
   * Answers false when it was already quarantined.
   */
  async quarantine(model: string, version: number, reason: string, actor: string): Promise<boolean> {
    requireName('model', model);
    requireVersion('version', version);
    const health: VersionHealth = { model, version, state: 'quarantined', reason, actor: requireActor(actor), at: this.clock().toISOString() };
    if (!(await writeHealth(this.table, health))) return false;
    await this.audit.append(healthEntry(health));
    await this.publish(MODEL_VERSION_QUARANTINED, { model, version, reason, actor });
    return true;
  }

  /** Whether a version is quarantined. */
  async isQuarantined(model: string, version: number): Promise<boolean> {
    return (await readHealth(this.table, model, version)) !== undefined;
  }

  /**
   * The versions an alias served before, newest first, without quarantined ones and without the
   * current one: where serving falls back when the current version is refused.
   */
  async servingFallbacks(model: string, alias = 'production'): Promise<number[]> {
    const items = await this.table.query({ pk: modelPk(model) });
    const quarantined = new Set(items.filter((i) => String(i.sk).startsWith('HEALTH#')).map((i) => Number(i.version)));
    const history = mergeHistory(items, alias).filter((m) => !m.removed);
    const current = history[history.length - 1]?.version;
    const out: number[] = [];
    for (const m of [...history].reverse()) if (m.version !== current && !quarantined.has(m.version) && !out.includes(m.version)) out.push(m.version);
    return out;
  }

  /** Every registry change matched against the audit log (`audit verify`). */
  async auditCheck(): Promise<RegistryAuditCheck> {
    return auditRegistry(this.table, this.audit);
  }

  /** Appends the records of changes a crash left unaudited (the maintenance sweep); answers their refs. */
  async reconcileAudit(): Promise<string[]> {
    return reconcileRegistryAudit(this.table, this.audit);
  }

  /** The registry as `models/model_registry.json` holds it: model → versions (with status) and aliases. */
  async exportRegistry(): Promise<RegistryExport> {
    return exportRegistryTable(this.table, this.clock());
  }

  // -------------------------------------------------------------------------------------------

  /** The conditional alias write and its history entry (see the module header). */
  private async commitMove(model: string, alias: string, toVersion: number, options: MoveAliasOptions & { readonly remove?: boolean }): Promise<AliasMove> {
    requireName('model', model);
    requireAlias('alias', alias);
    requireVersion('version', toVersion);
    const actor = requireActor(options.actor);
    const pk = modelPk(model);
    if (!(await this.table.get({ pk, sk: versionSk(toVersion) }))) {
      throw new UnknownResourceError(`model ${model} has no version ${toVersion}`, { details: { model, version: toVersion } });
    }
    const currentItem = await this.table.get({ pk, sk: aliasSk(alias) });
    const current = currentItem ? toMove(currentItem) : undefined;
    if (current?.revision !== options.expectedRevision) {
      throw lostRace(model, alias, options.expectedRevision, `it is at revision ${current?.revision ?? '(none)'}`);
    }
    // Complete the history of the revision we move from (a crashed mover may have left it unwritten).
    if (current) await this.writeHistory(current);
    const move: AliasMove = toPlainJson({
      model,
      alias,
      version: toVersion,
      fromVersion: current && !current.removed ? current.version : undefined,
      revision: (current?.revision ?? 0) + 1,
      kind: options.kind,
      actor,
      reason: options.reason?.trim() || undefined,
      at: this.clock().toISOString(),
      removed: options.remove ? true : undefined,
    });
    try {
      await this.table.putIfRevision({ pk, sk: aliasSk(alias), entity: 'alias', ...move }, 'revision', options.expectedRevision);
    } catch (error) {
      if (error instanceof ConditionFailedError) throw lostRace(model, alias, options.expectedRevision, 'another move committed first', error);
      throw error;
    }
    this.fault('registry.move.after-commit');
    await this.writeHistory(move);
    return move;
  }

  /** Writes the immutable history entry of a move; a second writer of the same entry is a no-op. */
  private async writeHistory(move: AliasMove): Promise<void> {
    try {
      await this.table.putIfAbsent({ pk: modelPk(move.model), sk: historySk(move.alias, move.revision), entity: 'alias-history', ...move });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  private async announce(move: AliasMove): Promise<EventOutcome> {
    return this.publish(MODEL_ALIAS_CHANGED, {
      model: move.model,
      alias: move.alias,
      fromVersion: move.fromVersion ?? null,
      toVersion: move.version,
      revision: move.revision,
      kind: move.kind,
      actor: move.actor,
      reason: move.reason ?? null,
    });
  }

  /** Publishes an event after a committed change; a publishing failure is reported, not thrown. */
  private async publish(detailType: string, detail: Record<string, unknown>): Promise<EventOutcome> {
    try {
      await this.events.publish(detailType, detail);
      return { published: true };
    } catch (error) {
      return { published: false, error: (error as Error).message ?? String(error) };
    }
  }
}

/** A lineage's online settings after a patch: given values set, nulls cleared, the rest kept. */
function mergeOnline(current: OnlineSettings | undefined, patch: NonNullable<SpecPatch['online']>): OnlineSettings {
  const out: Record<string, unknown> = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = value;
  }
  return out as OnlineSettings;
}
