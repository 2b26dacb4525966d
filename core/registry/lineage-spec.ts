// A lineage's training spec: what every automated retrain of the lineage trains — its dataset (and
// whether a retrain takes the latest version or a pinned one), class space, model family and
// parameters, seed, feature schema, its collection dataset (labelled incidents collected for it),
// and optionally its own promotion policy, online settings and ensemble chaining. Recorded with the lineage at its first registration;
// changed only by an explicit, revision-checked and audited update.
import { z } from 'zod';
import { ENSEMBLE_REQUEST_METHODS, MAX_EXTRA_MEMBERS } from '../ensemble/extra-member-count';
import { DatasetName } from '../names';
import { TUNE_LEVELS, type TuneLevel } from '../training/learner-params';

/** What the completion handler does with a new candidate version. */
export type PromotionPolicy = 'auto-promote' | 'shadow' | 'ab' | 'manual';
export const PROMOTION_POLICIES: readonly PromotionPolicy[] = ['auto-promote', 'shadow', 'ab', 'manual'];

/** Class spaces a lineage can train in: the dataset's fine labels, or a taxonomy scheme. */
export const CLASS_SPACES = ['fine', 'taxonomy', 'mini-xdr', 'kdd-category'] as const;
export type ClassSpaceName = (typeof CLASS_SPACES)[number];

/** One feature of a lineage's schema: its name and kind (vocabularies may grow between dataset versions). */
export interface SpecFeature {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
}

export interface LineageSpec {
  readonly model: string;
  readonly dataset: {
    readonly name: string;
    /** 'latest': a retrain takes the dataset's newest version; 'pinned': always `version`. */
    readonly versionPolicy: 'latest' | 'pinned';
    readonly version?: number;
  };
  readonly classSpace: ClassSpaceName;
  /** The lineage's classes (a candidate with another set is refused by the gate). */
  readonly classes: readonly string[];
  /** Model family ('gbdt', 'mlp'). */
  readonly algorithm: string;
  /** Learner parameters the lineage asked for (the family's presets fill in the rest). */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly seed: number;
  /** The validation search a retrain runs (`--tune`); absent: the pipeline's default at the time of the retrain. */
  readonly tune?: TuneLevel;
  readonly features: readonly SpecFeature[];
  /** The dataset labelled incidents for this lineage are collected into, and how many of its rows trained a version. */
  readonly collection: { readonly dataset: string; readonly rowsUsed: number; readonly version?: number };
  /** Overrides the platform's promotion policy for this lineage. */
  readonly promotionPolicy?: PromotionPolicy;
  /** Overrides the platform's online-learning settings for this lineage. */
  readonly online?: OnlineSettings;
  /** Chaining by lineage policy: which new candidates start an ensemble optimisation of production and the candidate. Absent: none. */
  readonly chainEnsemble?: EnsembleChainSettings;
  /** 1 at the first registration, +1 per change. */
  readonly revision: number;
  readonly updatedAt: string;
  readonly updatedBy: string;
  /** Why the last change was made. */
  readonly reason?: string;
}

/** What DataVolumeReached starts for a lineage: a full retrain, or an online adaptation of production. */
export const DATA_VOLUME_ACTIONS = ['retrain', 'adapt'] as const;
export type DataVolumeAction = (typeof DATA_VOLUME_ACTIONS)[number];

/** A lineage's online-learning settings; each absent one falls back to the platform's configuration. */
export interface OnlineSettings {
  /** Samples (collected rows, harvested feedback) that fire DataVolumeReached, and the fewest a scheduled adaptation takes. */
  readonly minSamples?: number;
  /** What DataVolumeReached starts (config thresholds.dataVolumeAction otherwise). */
  readonly action?: DataVolumeAction;
  /** Whether the platform's adaptation schedule (config online.adaptSchedule) covers this lineage. @default true */
  readonly scheduled?: boolean;
}

/** The candidates that can start a chained ensemble optimisation: a full retrain's, an online adaptation's (never an ensemble's). */
export const ENSEMBLE_CHAIN_SOURCES = ['retrain', 'adaptation'] as const;
export type EnsembleChainSource = (typeof ENSEMBLE_CHAIN_SOURCES)[number];

/**
 * A lineage's `chainEnsemble` setting: when a candidate of a kind in `after` is registered, the
 * completion handler raises EnsembleRequested over production (its members, when production is an
 * ensemble) and the candidate, with this `method` and `extraMembers`.
 */
export const ensembleChainSettings = z
  .object({
    after: z
      .array(z.enum(ENSEMBLE_CHAIN_SOURCES))
      .min(1)
      .refine((a) => new Set(a).size === a.length, { message: 'lists a source twice' }),
    method: z.enum(ENSEMBLE_REQUEST_METHODS).optional(),
    extraMembers: z.number().int().min(1).max(MAX_EXTRA_MEMBERS).optional(),
  })
  .strict();
export type EnsembleChainSettings = z.infer<typeof ensembleChainSettings>;

/** The online settings a patch may set; null clears one back to the platform's default. */
export const onlineSettingsPatch = z
  .object({
    minSamples: z.number().int().min(1).max(1e9).nullable().optional(),
    action: z.enum(DATA_VOLUME_ACTIONS).nullable().optional(),
    scheduled: z.boolean().nullable().optional(),
  })
  .strict();

/** The fields a caller may change in a spec (everything else follows from training); the HTTP body adds its own. */
export const specPatchFields = {
  promotionPolicy: z
    .enum(PROMOTION_POLICIES as [PromotionPolicy, ...PromotionPolicy[]])
    .nullable()
    .optional(),
  datasetVersionPolicy: z.enum(['latest', 'pinned']).optional(),
  datasetVersion: z.number().int().min(1).optional(),
  collectionDataset: DatasetName.optional(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  seed: z.number().int().min(0).optional(),
  /** null: back to the pipeline's default. */
  tune: z.enum(TUNE_LEVELS).nullable().optional(),
  online: onlineSettingsPatch.optional(),
  /** null: no chaining. */
  chainEnsemble: ensembleChainSettings.nullable().optional(),
};

/** What a caller may change in a spec. */
export const specPatchSchema = z
  .object(specPatchFields)
  .strict()
  .refine((p) => p.datasetVersion === undefined || p.datasetVersionPolicy !== 'latest', {
    message: 'a datasetVersion pins the dataset: leave datasetVersionPolicy out or set it to pinned',
    path: ['datasetVersionPolicy'],
  });
export type SpecPatch = z.infer<typeof specPatchSchema>;

/** The collection dataset a lineage gets unless its spec says otherwise. */
export function defaultCollectionDataset(model: string): string {
  return `${model}-collected`;
}

/** Feature schemas equal by name and kind, in any order; the differences otherwise, in words. */
export function featureDifferences(a: readonly SpecFeature[], b: readonly SpecFeature[]): string[] {
  const byName = new Map(b.map((f) => [f.name, f.kind]));
  const out: string[] = [];
  const missing = a.filter((f) => !byName.has(f.name)).map((f) => f.name);
  const added = b.filter((f) => !a.some((g) => g.name === f.name)).map((f) => f.name);
  const kinds = a.filter((f) => byName.has(f.name) && byName.get(f.name) !== f.kind).map((f) => `${f.name} (${f.kind} → ${byName.get(f.name)})`);
  const list = (xs: string[]) => (xs.length > 6 ? `${xs.slice(0, 6).join(', ')} and ${xs.length - 6} more` : xs.join(', '));
  if (missing.length) out.push(`${missing.length} feature(s) dropped: ${list(missing)}`);
  if (added.length) out.push(`${added.length} feature(s) added: ${list(added)}`);
  if (kinds.length) out.push(`feature kind changed: ${list(kinds)}`);
  return out;
}

/** Class sets equal in any order; the differences otherwise, in words. */
export function classDifferences(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  const dropped = a.filter((c) => !b.includes(c));
  const added = b.filter((c) => !a.includes(c));
  if (dropped.length) out.push(`class(es) dropped: ${dropped.join(', ')}`);
  if (added.length) out.push(`class(es) added: ${added.join(', ')}`);
  return out;
}
