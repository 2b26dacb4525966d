// The model registry: model lineages with immutable, numbered versions and movable aliases
// (`production`, `challenger`, custom), on one DynamoDB table (pk/sk single-table design) through
// the ItemTable port. No transactions: every state change is ONE conditional single-item write.
//
// The item layout (lineage index, version counter, versions, aliases, alias history) is in
// registry-items.ts; types in types.ts; input validation in registry-validation.ts.
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
import { evaluateGate } from './promotion-gate';
import { exportRegistryTable } from './registry-export';
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
  toMove,
  toVersion,
  versionSk,
} from './registry-items';
import { invalid, lostRace, metricNumber, registerSchema, requireActor, requireName, requireVersion } from './registry-validation';
import {
  MODEL_ALIAS_CHANGED,
  MODEL_VERSION_REGISTERED,
  type AliasMove,
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

  constructor(options: ModelRegistryOptions) {
    this.table = options.table;
    this.audit = options.audit;
    this.events = options.events;
    this.clock = options.clock ?? (() => new Date());
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
        createdAt,
      });
      try {
        await this.table.putIfAbsent({ pk, sk: versionSk(version), entity: 'version', ...record });
      } catch (error) {
        // Only possible when the counter was reset behind existing versions: take the next number.
        if (error instanceof ConditionFailedError) continue;
        throw error;
      }
      await this.audit.append({
        actor: input.author,
        action: 'model.register',
        subject: `model/${model}/version/${version}`,
        after: { version, algorithm: input.algorithm, onnx: record.artefacts.onnx, parentVersion: input.parentVersion, trainingJobId: input.trainingJobId },
        metrics: { macroF1: metricNumber(record.metrics, 'macroF1'), accuracy: metricNumber(record.metrics, 'accuracy') },
        dataset: { ...record.dataset },
        parameters: record.hyperparameters,
      });
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
        for (const i of items) if (isAliasSk(String(i.sk))) aliases[String(i.alias)] = { version: Number(i.version), revision: Number(i.revision) };
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

  /** Versions, current aliases and alias history of one lineage; UnknownResourceError when it has no version. */
  async describeModel(model: string): Promise<ModelDescription> {
    requireName('model', model);
    const items = await this.table.query({ pk: modelPk(model) });
    const versions = items.filter((i) => isVersionSk(String(i.sk))).map(toVersion);
    if (versions.length === 0) throw new UnknownResourceError(`unknown model ${model}`, { details: { model } });
    const aliases: Record<string, AliasMove> = {};
    for (const i of items) if (isAliasSk(String(i.sk))) aliases[String(i.alias)] = toMove(i);
    return { model, versions, aliases, history: mergeHistory(items, undefined) };
  }

  /** The version an alias points at and the alias's revision; undefined when the alias is unset. */
  async resolveAlias(model: string, alias: string): Promise<AliasRef | undefined> {
    const state = await this.aliasState(model, alias);
    return state ? { version: state.version, revision: state.revision } : undefined;
  }

  /** The alias item with its last move; undefined when the alias is unset. */
  async aliasState(model: string, alias: string): Promise<AliasMove | undefined> {
    requireName('model', model);
    requireName('alias', alias);
    const item = await this.table.get({ pk: modelPk(model), sk: aliasSk(alias) });
    return item ? toMove(item) : undefined;
  }

  /** Every move of one alias (or of all aliases), oldest first per alias. */
  async aliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    requireName('model', model);
    if (alias !== undefined) requireName('alias', alias);
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
    await this.audit.append({
      actor: move.actor,
      action: `alias.${move.kind}`,
      subject: `model/${model}/alias/${alias}`,
      reason: move.reason,
      before: { version: move.fromVersion ?? null, revision: move.revision - 1 },
      after: { version: move.version, revision: move.revision },
    });
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
    const alias = requireName('alias', options.alias ?? 'production');
    requireName('model', model);
    requireVersion('version', version);
    const actor = requireActor(options.actor);
    const reason = options.reason?.trim() || undefined;
    if (options.force && !reason) throw invalid('reason', 'a forced deploy needs a reason');
    const candidate = await this.getVersion(model, version);
    const current = await this.aliasState(model, alias);
    const baseline = current ? await this.getVersion(model, current.version) : undefined;
    const runGate = alias === 'production' || current !== undefined;
    const gate: DeployResult['gate'] = runGate
      ? evaluateGate(
          { metrics: candidate.metrics, dataset: candidate.dataset, version },
          baseline ? { metrics: baseline.metrics, dataset: baseline.dataset, version: baseline.version } : undefined,
          options.thresholds,
        )
      : { passed: true, skipped: true, checks: [] };
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
    const move = await this.commitMove(model, alias, version, { expectedRevision: current?.revision, actor, reason, kind: 'deploy' });
    await this.audit.append({
      actor,
      action: 'model.deploy',
      subject,
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
    const alias = requireName('alias', options.alias ?? 'production');
    requireName('model', model);
    const actor = requireActor(options.actor);
    if (options.toVersion !== undefined) requireVersion('toVersion', options.toVersion);
    const items = await this.table.query({ pk: modelPk(model) });
    const currentItem = items.find((i) => i.sk === aliasSk(alias));
    if (!currentItem) throw new UnprocessableError(`alias ${alias} of model ${model} serves no version: nothing to roll back`, { details: { model, alias } });
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
      reason,
      before: { version: move.fromVersion ?? null, revision: move.revision - 1 },
      after: { version: move.version, revision: move.revision },
      metrics: { macroF1: metricNumber(targetVersion.metrics, 'macroF1') },
      dataset: { ...targetVersion.dataset },
      parameters: { alias, toVersion: options.toVersion ?? null },
    });
    return { move, event: await this.announce(move) };
  }

  /** The registry as `models/model_registry.json` holds it: model → versions (with status) and aliases. */
  async exportRegistry(): Promise<RegistryExport> {
    return exportRegistryTable(this.table, this.clock());
  }

  // -------------------------------------------------------------------------------------------

  /** The conditional alias write and its history entry (see the module header). */
  private async commitMove(model: string, alias: string, toVersion: number, options: MoveAliasOptions): Promise<AliasMove> {
    requireName('model', model);
    requireName('alias', alias);
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
      fromVersion: current?.version,
      revision: (current?.revision ?? 0) + 1,
      kind: options.kind,
      actor,
      reason: options.reason?.trim() || undefined,
      at: this.clock().toISOString(),
    });
    try {
      await this.table.putIfRevision({ pk, sk: aliasSk(alias), entity: 'alias', ...move }, 'revision', options.expectedRevision);
    } catch (error) {
      if (error instanceof ConditionFailedError) throw lostRace(model, alias, options.expectedRevision, 'another move committed first', error);
      throw error;
    }
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
