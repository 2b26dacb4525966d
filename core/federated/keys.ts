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

/** Job ids of federated participant jobs: `fedp-<run>-<tenant>` (not training jobs: their exits complete nothing). */
export const FEDERATED_PARTICIPANT_JOB_PREFIX = 'fedp-';
export const participantJobId = (runId: string, tenant: string): string => `${FEDERATED_PARTICIPANT_JOB_PREFIX}${runId}-${tenant}`;

/** What a federated version records beside its learner parameters (the run and the participant count); a learner never takes them back. */
export const FEDERATED_RECORD_PARAMS: readonly string[] = ['federatedRun', 'federatedParticipants'];
