// Extra members (issue 21, `extraMembers`): members an ensemble job trains itself on the lineage's
// dataset, for diversity the registered versions may lack — another family, a loss-guided GBDT with
// column sampling, another learner seed. Each is fitted exactly as a training job fits its family
// (presets, refit on training + validation rows) on the SAME split as the registered members: same
// dataset version, class space and split seed, only the learner's own seed shifted. That its
// held-out rows are the members' is checked byte for byte (the evaluation file's sha256), so no
// extra member has trained on the rows that weigh it. Extra members are not registered: they live
// inside the ensemble's model.json, named `extra-<recipe>` with version 0.
import { sha256Hex } from '../artefacts/bundle';
import type { LabelledData } from '../data/table';
import { modelFamily } from '../families';
import type { ModelDocument } from '../learners/learner';
import { encodeEvaluationSet, sampleEvaluationRows } from '../pipeline/evaluation-set';
import { trainModel, type BalancingMode, type LearnerParams } from '../training';
import { EnsembleInputError, EnsembleMemberMismatchError } from './errors';
import { MAX_EXTRA_MEMBERS } from './extra-member-count';

/** How one extra member is trained. */
export interface ExtraMemberRecipe {
  /** Its name in the ensemble: the member is `extra-<name>@0`. */
  readonly name: string;
  readonly algorithm: 'gbdt' | 'mlp';
  /** Added to the split seed for the learner's own randomness (the split itself keeps the members' seed). */
  readonly seedOffset: number;
  /** On top of the family's presets. */
  readonly params: LearnerParams;
  readonly balancing?: BalancingMode;
}

export { MAX_EXTRA_MEMBERS };

/** Version number of an extra member: trained inside the ensemble job, never registered. */
export const EXTRA_MEMBER_VERSION = 0;

/**
 * The extra members for an ensemble around a member of family `anchor`, most diverse first: the other
 * family; a loss-guided GBDT (64 leaves, 60 % of the columns per tree, square-root class weights —
 * trees of another shape on other views of the features); the anchor's family with another seed.
 * @example extraMemberRecipes('gbdt', 2).map((r) => r.name) // ['mlp', 'gbdt-lossguide']
 * @throws EnsembleInputError when count is not an integer in [1, MAX_EXTRA_MEMBERS]
 */
export function extraMemberRecipes(anchor: string, count: number): ExtraMemberRecipe[] {
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_EXTRA_MEMBERS))
    throw new EnsembleInputError(`extraMembers must be an integer in [1, ${MAX_EXTRA_MEMBERS}], got ${count}`, {
      details: [{ field: 'extraMembers', message: `integer in [1, ${MAX_EXTRA_MEMBERS}]` }],
    });
  const own: 'gbdt' | 'mlp' = anchor === 'mlp' ? 'mlp' : 'gbdt';
  const other: 'gbdt' | 'mlp' = own === 'gbdt' ? 'mlp' : 'gbdt';
  const all: ExtraMemberRecipe[] = [
    { name: other, algorithm: other, seedOffset: 101, params: {} },
    {
      name: 'gbdt-lossguide',
      algorithm: 'gbdt',
      seedOffset: 202,
      params: { growPolicy: 'lossguide', maxDepth: 0, maxLeaves: 64, colsampleByTree: 0.6 },
      balancing: 'sqrt',
    },
    { name: `${own}-reseeded`, algorithm: own, seedOffset: 303, params: {} },
  ];
  return all.slice(0, count);
}

/** A trained extra member, as the ensemble job combines it. */
export interface ExtraMember {
  readonly model: string;
  readonly version: number;
  readonly algorithm: string;
  readonly document: ModelDocument;
  readonly recipe: ExtraMemberRecipe;
}

/**
 * Trains the extra members on the members' dataset and split.
 * @param data the members' dataset version, in their class space
 * @param splitSeed the members' training seed (their split)
 * @param heldOutSha256 the sha256 of the members' evaluation file: each extra member's must be the same
 * @throws EnsembleMemberMismatchError (held-out-rows) when an extra member's split is not the members'
 * @example const extras = trainExtraMembers(data, recipes, { splitSeed: 42, heldOutSha256: first.artefacts.evaluation.sha256 });
 */
export function trainExtraMembers(
  data: LabelledData,
  recipes: readonly ExtraMemberRecipe[],
  options: { readonly splitSeed: number; readonly heldOutSha256: string; readonly codeVersion?: string },
): ExtraMember[] {
  return recipes.map((recipe) => {
    const family = modelFamily(recipe.algorithm);
    const fit = trainModel(data, {
      learnerFactory: (seed, params) => family.create(seed + recipe.seedOffset, params),
      params: family.presets(data.classes.length, recipe.params),
      seed: options.splitSeed,
      refit: family.refit,
      ...(family.continuation ? { continuation: family.continuation } : {}),
      ...(recipe.balancing ? { balancing: { mode: recipe.balancing } } : {}),
      ...(options.codeVersion ? { codeVersion: options.codeVersion } : {}),
    });
    const model = `extra-${recipe.name}`;
    const heldOut = encodeEvaluationSet(data, sampleEvaluationRows(data.y, fit.split.test, data.classes.length, options.splitSeed));
    if (sha256Hex(heldOut) !== options.heldOutSha256)
      throw new EnsembleMemberMismatchError(
        `extra member ${model} was split otherwise than the registered members (their held-out rows differ: they were trained with other split options or on other rows), so it cannot be weighed on their held-out rows`,
        'held-out-rows',
        `${model}@${EXTRA_MEMBER_VERSION}`,
      );
    return { model, version: EXTRA_MEMBER_VERSION, algorithm: recipe.algorithm, document: fit.document, recipe };
  });
}
