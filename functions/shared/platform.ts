// The dependencies every handler shares (HTTP and event-driven), created once per process (Lambda
// module scope): configuration, stores, registry, audit log, events, the prediction log, and the
// model server — created on first use, since only scoring functions ship onnxruntime-node.
import { loadConfig, type PlatformConfig } from '../../config/config';
import { createPlatformStores, type PlatformStores } from '../../adapters/platform-stores';
import { AuditLog } from '../../core/audit/audit-log';
import type { EventPublisher } from '../../core/ports';
import { ModelRegistry } from '../../core/registry/model-registry';
import { ModelServer, PredictionLog } from '../../core/serving';
import type { SessionFactory } from '../../core/serving';
import { eventPublisherFor } from './events';

export interface HandlerPlatform {
  readonly config: PlatformConfig;
  readonly stores: PlatformStores;
  readonly audit: AuditLog;
  readonly events: EventPublisher;
  readonly registry: ModelRegistry;
  readonly modelServer: ModelServer;
  readonly predictionLog: PredictionLog;
}

let platform: HandlerPlatform | undefined;

/** Sample rate of inference telemetry, from XDR_ML_SAMPLE_RATE (0..1, default 1). */
function sampleRate(env: NodeJS.ProcessEnv): number {
  const raw = env.XDR_ML_SAMPLE_RATE;
  if (raw === undefined || raw === '') return 1;
  const v = Number(raw);
  if (!(v >= 0 && v <= 1)) throw new Error(`Invalid configuration: XDR_ML_SAMPLE_RATE must be a number in [0, 1] (got '${raw}')`);
  return v;
}

/** The process-wide handler platform. */
export function handlerPlatform(env: NodeJS.ProcessEnv = process.env): HandlerPlatform {
  if (platform) return platform;
  const config = loadConfig(env);
  const stores = createPlatformStores(config);
  const audit = new AuditLog({ table: stores.tables.audit });
  const events = eventPublisherFor(config);
  const registry = new ModelRegistry({ table: stores.tables.registry, audit, events });
  const predictionLog = new PredictionLog({ inference: stores.tables.inference, telemetry: stores.buckets.telemetry, sampleRate: sampleRate(env) });
  let modelServer: ModelServer | undefined;
  platform = {
    config,
    stores,
    audit,
    events,
    registry,
    predictionLog,
    // Created on first use: only functions that score load onnxruntime-node (native binary).
    get modelServer() {
      if (!modelServer) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { createOnnxSession } = require('../../core/serving/onnx-session') as { createOnnxSession: SessionFactory };
        modelServer = new ModelServer({ registry, artefacts: stores.buckets.artefacts, sessions: createOnnxSession });
      }
      return modelServer;
    },
  };
  return platform;
}

/** Who a request acts as: the IAM caller in AWS, `local` on the local server. */
export function requestActor(event: { requestContext?: object }): string {
  const context = event.requestContext as { authorizer?: { iam?: { userArn?: string; userId?: string } } } | undefined;
  const iam = context?.authorizer?.iam;
  return iam?.userArn ?? iam?.userId ?? 'local';
}
