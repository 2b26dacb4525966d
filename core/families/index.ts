// The model-family table: one entry per learner family. Everything that differs between families
// goes through it (see model-family.ts); adding a family (the ensemble, a federated MLP) is one row.
import { InvalidInputError } from '../errors';
import { createEnsembleFamily } from './ensemble';
import { GBDT_FAMILY, GBDT_PRESETS } from './gbdt';
import { MLP_FAMILY } from './mlp';
import type { ModelFamily } from './model-family';

export * from './explanations';
export { GBDT_FAMILY, GBDT_PRESETS, MULTI_OUTPUT_MIN_CLASSES } from './gbdt';
export { MLP_FAMILY } from './mlp';
export type { ModelFamily, OnnxExportSettings, TuneLevel } from './model-family';
export { TUNE_LEVELS } from './model-family';
export { gbdtSearch, GBDT_CANDIDATES } from './gbdt';

/** The families a training job fits from rows, by id. */
const TRAINABLE_FAMILIES = { gbdt: GBDT_FAMILY, mlp: MLP_FAMILY } as const satisfies Readonly<Record<string, ModelFamily>>;

/** A family id a training job (or an online adaptation) can fit: 'gbdt' | 'mlp'. */
export type TrainableFamilyId = keyof typeof TRAINABLE_FAMILIES;
export const TRAINABLE_FAMILY_IDS = Object.keys(TRAINABLE_FAMILIES) as TrainableFamilyId[];

/** True when `id` names a family a training job can fit. */
export function isTrainableFamilyId(id: unknown): id is TrainableFamilyId {
  return typeof id === 'string' && Object.prototype.hasOwnProperty.call(TRAINABLE_FAMILIES, id);
}

/** The ensemble family, over the trainable families (an ensemble member is never itself an ensemble). */
export const ENSEMBLE_FAMILY = createEnsembleFamily((format) => {
  if (!isTrainableFamilyId(format))
    throw new InvalidInputError(`an ensemble member must be one of ${TRAINABLE_FAMILY_IDS.join(', ')} (got "${String(format)}")`, {
      details: [{ field: 'members', message: `one of ${TRAINABLE_FAMILY_IDS.join(', ')}` }],
    });
  return TRAINABLE_FAMILIES[format];
});

/** Every family, by id. */
export const MODEL_FAMILIES = { ...TRAINABLE_FAMILIES, ensemble: ENSEMBLE_FAMILY } as const satisfies Readonly<Record<string, ModelFamily>>;

/** A family id: 'gbdt' | 'mlp' | 'ensemble'. */
export type FamilyId = keyof typeof MODEL_FAMILIES;
export const FAMILY_IDS = Object.keys(MODEL_FAMILIES) as FamilyId[];

/** The pipeline presets of every family, by name (the GBDT ones per tree kind). */
export const PIPELINE_PRESETS = { ...GBDT_PRESETS, mlp: {} } as const;

/** True when `id` names a family. */
export function isFamilyId(id: unknown): id is FamilyId {
  return typeof id === 'string' && Object.prototype.hasOwnProperty.call(MODEL_FAMILIES, id);
}

/**
 * The family of an algorithm name (or a model document's `format`).
 * @example modelFamily('gbdt').create(42, { maxDepth: 6 })
 * @throws InvalidInputError listing the families
 */
export function modelFamily(id: string): ModelFamily {
  if (!isFamilyId(id))
    throw new InvalidInputError(`algorithm must be one of ${FAMILY_IDS.join(', ')} (got "${String(id)}")`, {
      details: [{ field: 'algorithm', message: `one of ${FAMILY_IDS.join(', ')}` }],
    });
  return MODEL_FAMILIES[id];
}
