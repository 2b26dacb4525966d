// Where federated learning keeps its objects in the artefacts bucket, declared once: round objects
// the coordinator writes (keys, routed shares, the global model of each round), and each tenant's
// submissions, which only that tenant's participant role may write.

/** Everything of federated runs lives below this prefix of the artefacts bucket. */
export const FEDERATED_PREFIX = 'federated/';

/** Round objects the coordinator publishes (readable by every participant). */
export const FEDERATED_ROUNDS_PREFIX = `${FEDERATED_PREFIX}rounds/`;

/**
 * A tenant's submissions (advertised keys, encrypted shares, masked updates): written by its participant only.
 * @example federatedSubmissionPrefix('acme') // 'federated/submissions/acme/'
 */
export const federatedSubmissionPrefix = (tenant: string): string => `${FEDERATED_PREFIX}submissions/${tenant}/`;
