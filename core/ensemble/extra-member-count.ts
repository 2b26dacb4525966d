// How many extra members one ensemble job may train (extra-members.ts), on its own so the request
// schemas (HTTP body, EnsembleRequested, the container's hyperparameters) import it without the learners.

/** The most extra members one job trains: the recipes are the other family, a loss-guided GBDT and another seed. */
export const MAX_EXTRA_MEMBERS = 3;
