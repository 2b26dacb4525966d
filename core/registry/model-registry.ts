// The model registry: model lineages with immutable, numbered versions and movable aliases
// (`production`, `challenger`, custom), on one DynamoDB table (pk/sk single-table design) through
// the ItemTable port. No transactions: every state change is ONE conditional single-item write.
//
// Items (pk / sk):
//   MODELS            / MODEL#<model>                  lineage index (one per model, first registration)
//   MODEL#<model>     / COUNTER                        `lastVersion`, incremented to allocate numbers
//   MODEL#<model>     / VERSION#<version, 10 digits>   immutable version (written with putIfAbsent)
//   MODEL#<model>     / ALIAS#<alias>                  the alias: version, revision and its last move
//   MODEL#<model>     / ALIAS#<alias>#<rev, 10 digits> immutable history entry of the move to `rev`
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
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BUNDLE_FILES, type BundleRefs } from '../artefacts/bundle';
import { ConflictError, InvalidInputError, UnknownResourceError, UnprocessableError } from '../errors';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE, ModelName } from '../names';
import { ConditionFailedError, type EventPublisher, type Item, type ItemTable } from '../ports';
import type { AuditLog } from '../audit/audit-log';
import { toPlainJson } from '../audit/canonical-json';
import { evaluateGate, type DatasetRef, type GateResult, type GateThresholds } from './promotion-gate';

/** Detail type of the event emitted after every alias move. */
export const MODEL_ALIAS_CHANGED = 'ModelAliasChanged';
/** Detail type of the event emitted after a version is registered. */
export const MODEL_VERSION_REGISTERED = 'ModelVersionRegistered';

const MODELS_PK = 'MODELS';
const COUNTER_SK = 'COUNTER';
/** How many times a registration retries when its allocated number is already taken. */
const MAX_ALLOCATION_ATTEMPTS = 20;

/** Kinds of alias move. */
export type AliasMoveKind = 'deploy' | 'rollback' | 'ab-start' | 'ab-stop' | 'promote' | 'manual';

const pad = (n: number): string => String(n).padStart(10, '0');
const modelPk = (model: string): string => `MODEL#${model}`;
const versionSk = (version: number): string => `VERSION#${pad(version)}`;
const aliasSk = (alias: string): string => `ALIAS#${alias}`;
const historySk = (alias: string, revision: number): string => `ALIAS#${alias}#${pad(revision)}`;

// ---------------------------------------------------------------------------------------------
// Types

export interface ClassMetricsInput {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface RegisterVersionInput {
  readonly model: string;
  readonly algorithm: string;
  readonly artefacts: BundleRefs;
  readonly dataset: DatasetRef;
  /** Must hold `macroF1` (number) and `perClass` ({ label: { precision, recall, f1, support } }). */
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly classes: readonly string[];
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly parentVersion?: number;
  readonly author: string;
  readonly trainingJobId?: string;
}

/** An immutable registered version: what was registered, its number and when. */
export interface ModelVersion extends RegisterVersionInput {
  readonly version: number;
  /** ISO-8601 */
  readonly createdAt: string;
}

/** One alias move: the alias item's state after it, and its history entry. */
export interface AliasMove {
  readonly model: string;
  readonly alias: string;
  readonly version: number;
  /** Version before the move; absent for the alias's first move. */
  readonly fromVersion?: number;
  /** 1 for the first move, +1 per move. */
  readonly revision: number;
  readonly kind: AliasMoveKind;
  readonly actor: string;
  readonly reason?: string;
  /** ISO-8601 */
  readonly at: string;
}

export interface AliasRef {
  readonly version: number;
  readonly revision: number;
}

export interface ModelSummary {
  readonly model: string;
  readonly createdAt: string;
  readonly versions: number;
  readonly latestVersion?: number;
  readonly aliases: Readonly<Record<string, AliasRef>>;
}

export interface ModelDescription {
  readonly model: string;
  readonly versions: readonly ModelVersion[];
  readonly aliases: Readonly<Record<string, AliasMove>>;
  /** Every alias's history, oldest first. */
  readonly history: readonly AliasMove[];
}

export interface MoveAliasOptions {
  /** The alias revision the caller read (undefined: the alias must not exist yet). */
  readonly expectedRevision: number | undefined;
  readonly actor: string;
  readonly reason?: string;
  readonly kind: AliasMoveKind;
}

export interface DeployOptions {
  /** Default 'production'. */
  readonly alias?: string;
  /** Take the alias even when the gate fails; needs a non-empty `reason`. */
  readonly force?: boolean;
  readonly reason?: string;
  readonly actor: string;
  readonly thresholds: GateThresholds;
}

export interface RollbackOptions {
  /** Default 'production'. */
  readonly alias?: string;
  /** Version to return to; default the version the alias served before the current one. */
  readonly toVersion?: number;
  readonly actor: string;
  readonly reason?: string;
}

/** Whether the ModelAliasChanged event went out (the move stands either way). */
export interface EventOutcome {
  readonly published: boolean;
  readonly error?: string;
}

export interface DeployResult {
  readonly move: AliasMove;
  /** Gate decision; `skipped` when the alias is not production and serves nothing yet. */
  readonly gate: GateResult & { readonly skipped?: boolean };
  readonly forced: boolean;
  readonly event: EventOutcome;
}

export interface RollbackResult {
  readonly move: AliasMove;
  readonly event: EventOutcome;
}

export interface ExportedVersion {
  readonly version: number;
  /** 'production', 'challenger', another alias name, or 'archived' when no alias points at it. */
  readonly status: string;
  /** Every alias pointing at this version. */
  readonly aliases: readonly string[];
  readonly algorithm: string;
  readonly createdAt: string;
  readonly author: string;
  readonly parentVersion?: number;
  readonly dataset: DatasetRef;
  readonly metrics: { readonly macroF1?: number; readonly accuracy?: number; readonly weightedF1?: number };
  readonly onnx: { readonly key: string; readonly sha256: string };
}

export interface RegistryExport {
  readonly generatedAt: string;
  readonly models: Readonly<
    Record<
      string,
      {
        readonly aliases: Readonly<Record<string, { readonly version: number; readonly revision: number; readonly updatedAt: string }>>;
        readonly versions: readonly ExportedVersion[];
      }
    >
  >;
}

export interface ModelRegistryOptions {
  readonly table: ItemTable;
  readonly audit: AuditLog;
  readonly events: EventPublisher;
  readonly clock?: () => Date;
}

// ---------------------------------------------------------------------------------------------
// Validation

const nonNegative = z.number().min(0);
const artefactSchema = z.object({
  key: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest'),
  bytes: z.number().int().min(0),
});
const registerSchema = z.object({
  model: ModelName,
  algorithm: z.string().min(1, 'must not be empty'),
  artefacts: z.object(Object.fromEntries(Object.keys(BUNDLE_FILES).map((role) => [role, artefactSchema])) as Record<keyof typeof BUNDLE_FILES, typeof artefactSchema>),
  dataset: z.object({ name: z.string().min(1), version: z.number().int().min(1), sha256: z.string().min(1) }),
  metrics: z
    .object({
      macroF1: z.number().min(0).max(1),
      perClass: z.record(z.string(), z.object({ precision: nonNegative, recall: nonNegative, f1: nonNegative, support: nonNegative }).loose()),
    })
    .loose(),
  classes: z.array(z.string().min(1)).min(2, 'must name at least two classes'),
  hyperparameters: z.record(z.string(), z.unknown()),
  parentVersion: z.number().int().min(1).optional(),
  author: z.string().trim().min(1, 'must not be empty'),
  trainingJobId: z.string().min(1).optional(),
});

function invalid(field: string, message: string): InvalidInputError {
  return new InvalidInputError(`${field}: ${message}`, { details: [{ field, message }] });
}

function requireName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !MODEL_NAME_PATTERN.test(value)) throw invalid(field, `${MODEL_NAME_RULE} (got ${JSON.stringify(value)})`);
  return value;
}

function requireVersion(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid(field, `must be a positive integer (got ${JSON.stringify(value)})`);
  return value;
}

function requireActor(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid('actor', 'must be a non-empty string');
  return value;
}

function lostRace(model: string, alias: string, expected: number | undefined, detail: string, cause?: unknown): ConflictError {
  return new ConflictError(
    `lost the race to a concurrent update: alias ${alias} of model ${model} is no longer at revision ${expected ?? '(none)'} (${detail}); read it again and retry`,
    { cause, details: { model, alias, expectedRevision: expected ?? null } },
  );
}

// ---------------------------------------------------------------------------------------------
// Item mapping

function toVersion(item: Item): ModelVersion {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest as unknown as ModelVersion;
}

function toMove(item: Item): AliasMove {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest as unknown as AliasMove;
}

function isAliasSk(sk: string): boolean {
  return sk.startsWith('ALIAS#') && sk.split('#').length === 2;
}

function isHistorySk(sk: string): boolean {
  return sk.startsWith('ALIAS#') && sk.split('#').length === 3;
}

/**
 * The version a rollback returns to: history replayed as a stack (a forward move pushes its
 * version, a rollback pops back to the version it returned to); the answer is the entry below
 * the top. Deploy 1, 2, 3 → rollback goes to 2, a second rollback to 1.
 */
export function previousVersion(history: readonly AliasMove[]): number | undefined {
  const stack: number[] = [];
  for (const move of [...history].sort((a, b) => a.revision - b.revision)) {
    if (move.kind === 'rollback') {
      const at = stack.lastIndexOf(move.version);
      if (at >= 0) stack.length = at + 1;
      else stack.push(move.version);
    } else if (stack[stack.length - 1] !== move.version) {
      stack.push(move.version);
    }
  }
  return stack.length >= 2 ? stack[stack.length - 2] : undefined;
}

const ALIAS_PRIORITY = ['production', 'challenger'];

function statusOf(aliases: readonly string[]): string {
  if (aliases.length === 0) return 'archived';
  for (const a of ALIAS_PRIORITY) if (aliases.includes(a)) return a;
  return [...aliases].sort()[0];
}

function metricNumber(metrics: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const v = metrics[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

// ---------------------------------------------------------------------------------------------

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
    await this.table.putIfAbsent({ pk: MODELS_PK, sk: `MODEL#${model}`, entity: 'model', model, createdAt, algorithm: input.algorithm }).catch((error: unknown) => {
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
    return items.filter((i) => String(i.sk).startsWith('VERSION#')).map(toVersion);
  }

  /** Every lineage with its version count and aliases, by name. */
  async listModels(): Promise<ModelSummary[]> {
    const index = await this.table.query({ pk: MODELS_PK });
    return Promise.all(
      index.map(async (entry) => {
        const model = String(entry.model);
        const items = await this.table.query({ pk: modelPk(model) });
        const versions = items.filter((i) => String(i.sk).startsWith('VERSION#')).map((i) => Number(i.version));
        const aliases: Record<string, AliasRef> = {};
        for (const i of items) if (isAliasSk(String(i.sk))) aliases[String(i.alias)] = { version: Number(i.version), revision: Number(i.revision) };
        return { model, createdAt: String(entry.createdAt), versions: versions.length, latestVersion: versions.length ? Math.max(...versions) : undefined, aliases };
      }),
    );
  }

  /** Versions, current aliases and alias history of one lineage; UnknownResourceError when it has no version. */
  async describeModel(model: string): Promise<ModelDescription> {
    requireName('model', model);
    const items = await this.table.query({ pk: modelPk(model) });
    const versions = items.filter((i) => String(i.sk).startsWith('VERSION#')).map(toVersion);
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
      throw new ConflictError(`promotion gate refused version ${version} of ${model} for ${alias}: ${failed.join('; ')} (use force with a reason to override)`, {
        details: { model, version, alias, checks: gate.checks },
      });
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
    const index = await this.table.query({ pk: MODELS_PK });
    const models: Record<string, RegistryExport['models'][string]> = {};
    for (const entry of [...index].sort((a, b) => String(a.model).localeCompare(String(b.model)))) {
      const model = String(entry.model);
      const items = await this.table.query({ pk: modelPk(model) });
      const aliases: Record<string, { version: number; revision: number; updatedAt: string }> = {};
      const byVersion = new Map<number, string[]>();
      for (const i of items) {
        if (!isAliasSk(String(i.sk))) continue;
        const m = toMove(i);
        aliases[m.alias] = { version: m.version, revision: m.revision, updatedAt: m.at };
        byVersion.set(m.version, [...(byVersion.get(m.version) ?? []), m.alias]);
      }
      const versions = items
        .filter((i) => String(i.sk).startsWith('VERSION#'))
        .map(toVersion)
        .map((v): ExportedVersion => {
          const on = (byVersion.get(v.version) ?? []).sort();
          return {
            version: v.version,
            status: statusOf(on),
            aliases: on,
            algorithm: v.algorithm,
            createdAt: v.createdAt,
            author: v.author,
            parentVersion: v.parentVersion,
            dataset: v.dataset,
            metrics: {
              macroF1: metricNumber(v.metrics, 'macroF1'),
              accuracy: metricNumber(v.metrics, 'accuracy'),
              weightedF1: metricNumber(v.metrics, 'weightedF1'),
            },
            onnx: { key: v.artefacts.onnx.key, sha256: v.artefacts.onnx.sha256 },
          };
        });
      models[model] = { aliases, versions };
    }
    return { generatedAt: this.clock().toISOString(), models };
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

/** History entries of the items of one model partition, with the alias items merged in (see header). */
function mergeHistory(items: readonly Item[], alias: string | undefined): AliasMove[] {
  const byKey = new Map<string, AliasMove>();
  for (const i of items) {
    const sk = String(i.sk);
    if (!isHistorySk(sk) && !isAliasSk(sk)) continue;
    const m = toMove(i);
    if (alias !== undefined && m.alias !== alias) continue;
    byKey.set(`${m.alias}#${pad(m.revision)}`, m);
  }
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, m]) => m);
}

// ---------------------------------------------------------------------------------------------
// Original Mini-XDR names

/**
 * The original project's `deploy_enhanced_model`: deploys `version` of `model` (default alias
 * production) through the promotion gate. Same as `registry.deploy(model, version, options)`.
 */
export function deploy_enhanced_model(registry: ModelRegistry, model: string, version: number, options: DeployOptions): Promise<DeployResult> {
  return registry.deploy(model, version, options);
}

/**
 * The original project's `rollback_model`: returns the alias (default production) to its previous
 * version or to `options.toVersion`. Same as `registry.rollback(model, options)`.
 */
export function rollback_model(registry: ModelRegistry, model: string, options: RollbackOptions): Promise<RollbackResult> {
  return registry.rollback(model, options);
}

/**
 * Writes the registry export as pretty JSON (parent folders created) and returns it.
 *
 * @example await writeRegistryExport(registry, 'models/model_registry.json');
 */
export async function writeRegistryExport(registry: ModelRegistry, file: string): Promise<RegistryExport> {
  const exported = await registry.exportRegistry();
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, `${JSON.stringify(exported, null, 2)}\n`, 'utf8');
  return exported;
}
