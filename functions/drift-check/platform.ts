// The dependencies of the event-driven functions (drift check, retrain launcher, training
// completion), created once per process. Unlike functions/shared/platform.ts it never imports
// core/serving's index (which loads onnxruntime-node): these functions ship without the native
// runtime, so they import the prediction log module directly.
import { createPlatformStores, type PlatformStores } from '../../adapters/platform-stores';
import { loadConfig, type PlatformConfig } from '../../config/config';
import { AuditLog } from '../../core/audit/audit-log';
import type { EventPublisher } from '../../core/ports';
import { ModelRegistry } from '../../core/registry/model-registry';
import { PredictionLog } from '../../core/serving/prediction-log';
import { eventPublisherFor } from '../shared/events';

export interface EventFunctionPlatform {
  readonly config: PlatformConfig;
  readonly stores: PlatformStores;
  readonly audit: AuditLog;
  readonly events: EventPublisher;
  readonly registry: ModelRegistry;
  readonly predictionLog: PredictionLog;
}

let platform: EventFunctionPlatform | undefined;

/** The process-wide platform of an event-driven function. */
export function eventFunctionPlatform(env: NodeJS.ProcessEnv = process.env): EventFunctionPlatform {
  if (platform) return platform;
  const config = loadConfig(env);
  const stores = createPlatformStores(config);
  const audit = new AuditLog({ table: stores.tables.audit });
  const events = eventPublisherFor(config);
  const registry = new ModelRegistry({ table: stores.tables.registry, audit, events });
  const predictionLog = new PredictionLog({ inference: stores.tables.inference, telemetry: stores.buckets.telemetry });
  platform = { config, stores, audit, events, registry, predictionLog };
  return platform;
}
