// The round protocol's events (EventBridge detail types; the in-process bus locally). Detail types
// belong to the module that publishes them (core/events.ts); these are the coordinator's.

/** A federated run was accepted: the coordinator starts it (detail: runId, model, tenants, algorithm). */
export const FEDERATED_RUN_STARTED = 'FederatedRunStarted';
/** A round opened (detail: runId, round, deadline, minParticipants, participants). */
export const FEDERATED_ROUND_OPENED = 'FederatedRoundOpened';
/** A participant's masked submission arrived (detail: runId, tenant, step; never the content). */
export const FEDERATED_UPDATE_SUBMITTED = 'FederatedUpdateSubmitted';
/** A round closed (detail: runId, round, participants, dropouts). */
export const FEDERATED_ROUND_CLOSED = 'FederatedRoundClosed';

/** Every federated detail type. */
export const FEDERATED_EVENTS = [FEDERATED_RUN_STARTED, FEDERATED_ROUND_OPENED, FEDERATED_UPDATE_SUBMITTED, FEDERATED_ROUND_CLOSED] as const;
