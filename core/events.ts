// What the platform's events have in common: their source. Detail types belong to the module that
// publishes them (core/registry: ModelAliasChanged, ModelVersionRegistered; core/retraining: the
// retraining triggers and Training* events); the event catalogue (config/event-functions.ts) routes them.

/** Source of every event the platform publishes (EventBridge `source`, the in-process bus's envelope). */
export const EVENT_SOURCE = 'mini-xdr-ml';
