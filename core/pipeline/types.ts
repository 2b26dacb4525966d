// Shared shapes of the training pipeline: the registry input it hands over last (the same shape
// ModelRegistry.registerVersion takes), the job request and its result.
import type { ResourceUsage } from '../resources/usage';
import type { BundleRefs } from '../artefacts/bundle';
import type { FamilyId } from '../families';
import type { ClassMetrics } from '../evaluation/metrics';
import type { ItemTable, ObjectStore } from '../ports';
import type { TuneLevel } from '../families/model-family';
import type { BalancingOptions } from '../training/balancing';
import type { HardExampleOptions } from '../training/hard-examples';
import type { TrainProgress } from '../training/train-model';

/** Dataset identity recorded with a model version. */
export interface DatasetIdentity {
  readonly name: string;
  readonly version: number;
  /** sha256 of the source file the dataset version was ingested from. */
  readonly sha256: string;
}

/** Held-out metrics registered with a version (a subset of EvaluationReport, JSON-friendly). */
export interface RegisteredMetrics {
  readonly macroF1: number;
  readonly weightedF1: number;
  readonly accuracy: number;
  readonly rocAucMacro: number | null;
  readonly ece: number;
  readonly logLoss: number;
  readonly rows: number;
  readonly perClass: Readonly<Record<string, ClassMetrics>>;
  readonly [key: string]: unknown;
}

/** What a training job hands to the registry, LAST, after every artefact is stored. */
export interface RegisterVersionInput {
  readonly model: string;
  readonly algorithm: FamilyId;
  readonly artefacts: BundleRefs;
  readonly dataset: DatasetIdentity;
  readonly metrics: RegisteredMetrics;
  readonly classes: readonly string[];
  readonly hyperparameters: Readonly<Record<string, number | string | boolean>>;
  readonly parentVersion?: number;
  readonly author: string;
  readonly trainingJobId?: string;
  /** The class space, feature schema, seed and requested parameters: the lineage's training spec at its first registration. */
  readonly classSpace?: ClassSpace;
  readonly features?: readonly { readonly name: string; readonly kind: 'numeric' | 'categorical' }[];
  readonly seed?: number;
  readonly requestedParams?: Readonly<Record<string, number | string | boolean>>;
  /** The tuning level the request asked for (absent: the default); a lineage's retrains run it. */
  readonly tune?: TuneLevel;
  /** Why it was trained: a fresh fit (absent) or another kind ('online-adaptation', …). */
  readonly trainingKind?: string;
}

/** Registers a version and answers its number (ModelRegistry.registerVersion or a stand-in). */
export type RegisterVersion = (input: RegisterVersionInput) => Promise<{ readonly version: number }>;

/** Dependencies of a training job: ports only, no SDK clients. */
export interface TrainingJobDeps {
  /** Dataset manifests (partition `name`, sort `version`). */
  readonly datasetsTable: ItemTable;
  readonly datasetsBucket: ObjectStore;
  readonly artefactsBucket: ObjectStore;
  readonly register: RegisterVersion;
  /** When set, the bundle is also written to `<mirrorDir>/<model>/<version>/`. */
  readonly mirrorDir?: string;
  /** How GBDT trees are merged for serving in model.onnx (platform config `onnx`); exporter defaults when absent. */
  readonly onnx?: { readonly mergeBudgetBytes?: number; readonly mergeMaxNodes?: number };
  /** Clock for timings and timestamps (tests). Default Date.now. */
  readonly now?: () => number;
  /** The code version stamped into training_summary.json (config.codeVersion). */
  readonly codeVersion?: string;
  /** The job's resource usage so far, stamped into training_summary.json `resources` (the training container's meter). */
  readonly resourceUsage?: (extra: { readonly rows?: number }) => ResourceUsage;
}

/**
 * Class space of a job: 'fine' keeps the dataset's labels; 'taxonomy' maps them to the Mini-XDR
 * classes; 'mini-xdr' / 'kdd-category' name a taxonomy scheme explicitly.
 */
export type ClassSpace = 'fine' | 'taxonomy' | 'mini-xdr' | 'kdd-category';

/** Split / balancing / mining options of trainModel a job may override. */
export interface TrainingJobOptions {
  readonly testFraction?: number;
  readonly validationFraction?: number;
  readonly balancing?: BalancingOptions;
  readonly hardExampleMining?: HardExampleOptions | false;
  /**
   * The search on the validation split that chooses the learner's parameters and class weighting
   * (docs/presets.md): 'off' uses the family's presets, 'fast' (default) a few candidates by
   * successive halving, 'thorough' more candidates and rungs. Parameters in the request's
   * `params` (and `balancing`, when given) are kept and not searched over.
   */
  readonly tune?: TuneLevel;
}

/** Progress of a training job: pipeline stages, with trainModel's own events during training. */
export interface TrainingJobProgress {
  readonly stage: 'load' | 'train' | 'export' | 'explain' | 'profile' | 'store' | 'register' | 'done';
  readonly message: string;
  readonly training?: TrainProgress;
}

export interface TrainingJobRequest {
  /** Dataset name. */
  readonly dataset: string;
  /** Dataset version; latest when omitted. */
  readonly datasetVersion?: number;
  /** Datasets whose rows are added to the main one's (the lineage's collected incidents). */
  readonly extraDatasets?: readonly { readonly name: string; readonly version: number }[];
  readonly model: string;
  readonly algorithm: FamilyId;
  readonly classes: ClassSpace;
  readonly seed: number;
  /** Learner hyperparameters over the pipeline defaults for the algorithm. */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly training?: TrainingJobOptions;
  readonly author: string;
  readonly parentVersion?: number;
  readonly trainingJobId?: string;
  readonly onProgress?: (progress: TrainingJobProgress) => void;
}
