// The model-family table: one entry per learner family. Everything that differs between families
// goes through it (see model-family.ts); adding a family (an ensemble, a federated MLP) is one row.
import { InvalidInputError } from '../errors';
import { GBDT_FAMILY, GBDT_PRESETS } from './gbdt';
import { MLP_FAMILY } from './mlp';
import type { ModelFamily } from './model-family';

export * from './explanations';
export { GBDT_FAMILY, GBDT_PRESETS, MULTI_OUTPUT_MIN_CLASSES } from './gbdt';
export { MLP_FAMILY } from './mlp';
export type { ModelFamily, OnnxExportSettings, TuneLevel } from './model-family';
export { TUNE_LEVELS } from './model-family';
export { gbdtSearch, GBDT_CANDIDATES } from './gbdt';

/** Every family, by id. */
export const MODEL_FAMILIES = { gbdt: GBDT_FAMILY, mlp: MLP_FAMILY } as const satisfies Readonly<Record<string, ModelFamily>>;

/** A family id: 'gbdt' | 'mlp'. */
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
