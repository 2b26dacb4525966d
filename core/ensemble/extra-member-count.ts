// The ensemble request's small rules — how many extra members one job may train (extra-members.ts)
// and the methods a request may ask for — on their own so the request schemas (HTTP body,
// EnsembleRequested, a lineage's chainEnsemble setting, the container's hyperparameters) import
// them without the learners.

/** The most extra members one job trains: the recipes are the other family, a loss-guided GBDT and another seed. */
export const MAX_EXTRA_MEMBERS = 3;

/** What an ensemble request may ask for: Caruana selection, log-loss simplex weights, or both ('auto'; the best member is always a candidate). */
export const ENSEMBLE_REQUEST_METHODS = ['selection', 'weights', 'auto'] as const;
export type EnsembleRequestMethod = (typeof ENSEMBLE_REQUEST_METHODS)[number];
