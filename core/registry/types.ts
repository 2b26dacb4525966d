// The registry's shapes: what a version, an alias move and the registry's answers hold.
import type { BundleRefs } from '../artefacts/bundle';
import type { AuditLog } from '../audit/audit-log';
import type { EventPublisher, ItemTable } from '../ports';
import type { TuneLevel } from '../training/learner-params';
import type { ClassSpaceName, LineageSpec, SpecFeature } from './lineage-spec';
import type { DatasetRef, GateResult, GateThresholds, SameRowsComparison } from './promotion-gate';

/** Detail type of the event emitted after every alias move. */
export const MODEL_ALIAS_CHANGED = 'ModelAliasChanged';
/** Detail type of the event emitted after a version is registered. */
export const MODEL_VERSION_REGISTERED = 'ModelVersionRegistered';
/** Detail type of the event (an alert) emitted when a version is quarantined. */
export const MODEL_VERSION_QUARANTINED = 'ModelVersionQuarantined';
/** Detail type of the event emitted when a lineage's training spec changes. */
export const LINEAGE_SPEC_CHANGED = 'LineageSpecChanged';

/** Kinds of alias move. */
export type AliasMoveKind = 'deploy' | 'rollback' | 'ab-start' | 'ab-stop' | 'promote' | 'manual';

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
  /** The class space the version was trained in (fine labels or a taxonomy scheme). */
  readonly classSpace?: ClassSpaceName;
  /** The features it reads (name and kind). */
  readonly features?: readonly SpecFeature[];
  /** The seed and the learner parameters its training asked for (the family's presets filled in the rest). */
  readonly seed?: number;
  readonly requestedParams?: Readonly<Record<string, string | number | boolean>>;
  /** The validation search its training asked for (`--tune`); absent: the pipeline's default. */
  readonly tune?: TuneLevel;
  /** Why it was trained: 'training' (a fresh fit) or another kind (online adaptation, federated, ensemble). */
  readonly trainingKind?: string;
  /** A tenant variant's tenant: the version was adapted on that tenant's rows and serves at its alias (`tenant-<t>`), never at production. */
  readonly tenant?: string;
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
  /** Set when the move removed the alias (e.g. the challenger when its A/B test stopped): it serves nothing now. */
  readonly removed?: true;
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
  /** The lineage's training spec. */
  readonly spec?: LineageSpec;
  /** Versions refused for serving (failed checksum …), by version. */
  readonly quarantined: Readonly<Record<string, VersionHealth>>;
}

/** A version marked unhealthy: every instance then serves the last healthy version instead. */
export interface VersionHealth {
  readonly model: string;
  readonly version: number;
  readonly state: 'quarantined';
  readonly reason: string;
  readonly actor: string;
  /** ISO-8601 */
  readonly at: string;
}

/** The options of removeAlias. */
export interface RemoveAliasOptions {
  readonly expectedRevision: number;
  readonly actor: string;
  readonly reason?: string;
  readonly kind: AliasMoveKind;
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

/** What a gate comparer found: both versions scored on the same rows (absent when no common rows exist) and their feature schemas. */
export interface GateComparison {
  readonly comparison?: SameRowsComparison;
  readonly candidateFeatures?: readonly SpecFeature[];
  readonly currentFeatures?: readonly SpecFeature[];
}

/** Scores a candidate and the version it would replace on the same rows (core/pipeline/gate-comparison.ts). */
export type GateComparer = (candidate: ModelVersion, current: ModelVersion) => Promise<GateComparison>;

export interface ModelRegistryOptions {
  readonly table: ItemTable;
  readonly audit: AuditLog;
  readonly events: EventPublisher;
  /** The promotion gate's same-rows comparison (core/pipeline/gate-comparison.ts); without it the recall check cannot pass. */
  readonly compare?: GateComparer;
  /** Fault injection for crash tests: called at named points between a commit and what follows it. */
  readonly fault?: (point: string) => void;
  readonly clock?: () => Date;
}
