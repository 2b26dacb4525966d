// How the CLI (and benchmarks) reach the platform: the embedded local cloud by default (started
// here or joined when another process runs it), or AWS / LocalStack when XDR_ML_TARGET=aws or
// endpoint overrides are set. Events go to EventBridge on AWS; on the embedded cloud to the bus of
// the local platform (`npm start`) running on the same state directory, else to an in-process bus.
import { loadConfig, type ConfigSource, type PlatformConfig } from '../config/config';
import { processEnvironment } from '../config/environment';
import { EventBridgePublisher } from '../adapters/event-publisher';
import type { EventPublisher } from '../core/ports';
import { createAwsClients } from '../adapters/clients';
import { startEmbeddedCloud, watchCloudOwner, type EmbeddedCloud } from '../local/embedded-cloud';
import { InProcessEventBus } from '../local/event-bus';
import { ServerEventForwarder } from '../local/server-event-forwarder';
import { liveServer } from '../local/server-record';
import { composePlatform, type Platform } from './compose';

export type PlatformTarget = 'embedded' | 'aws' | 'endpoint-override';

export interface PlatformSession {
  readonly platform: Platform;
  readonly config: PlatformConfig;
  /** Present when the embedded local cloud is in use. */
  readonly cloud?: EmbeddedCloud;
  readonly target: PlatformTarget;
  /**
   * Whether the events this session publishes reach the platform's rules and functions
   * (EventBridge, or the bus of `npm start` running on the same state directory). False on an
   * embedded cloud no server runs: a command that needs a trigger handled does it in-process.
   */
  readonly eventsReachRules: boolean;
  close(): Promise<void>;
}

export interface OpenPlatformOptions {
  /** Default: this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Settings over the environment (e.g. a state directory). */
  readonly overrides?: ConfigSource;
}

/** True when the configuration points at AWS or explicit endpoints rather than the embedded cloud. */
export function targetsRemote(config: PlatformConfig): boolean {
  if (config.local.target === 'local') return false;
  return config.local.target === 'aws' || !!config.endpoints.dynamodb || !!config.endpoints.s3;
}

/**
 * Opens a session on the configured target; the caller must close() it.
 * @example const session = await openPlatform(); await session.platform.registry.listModels(); await session.close();
 */
export async function openPlatform(options: OpenPlatformOptions = {}): Promise<PlatformSession> {
  const env = options.env ?? processEnvironment();
  const base = loadConfig(env, options.overrides);
  if (targetsRemote(base)) {
    const events: EventPublisher = EventBridgePublisher.fromConfig(base);
    const platform = composePlatform(base, { events });
    return {
      platform,
      config: base,
      target: base.endpoints.dynamodb || base.endpoints.s3 ? 'endpoint-override' : 'aws',
      eventsReachRules: true,
      close: async () => {
        await platform.flush();
        platform.close();
        (events as EventBridgePublisher).destroy();
      },
    };
  }
  const cloud = await startEmbeddedCloud({ home: base.local.home, env, overrides: options.overrides });
  const useEventBridge = !!cloud.config.endpoints.eventBridge;
  const server = useEventBridge ? undefined : liveServer(cloud.home);
  const events: EventPublisher = useEventBridge
    ? EventBridgePublisher.fromConfig(cloud.config)
    : server
      ? new ServerEventForwarder(server.url, server.token)
      : new InProcessEventBus();
  // joined another process's cloud: if that process dies, say so rather than fail on connection errors
  const clients = createAwsClients(cloud.config);
  watchCloudOwner(clients, cloud);
  // the embedded cloud trains on the local backend (as `npm start` does): SageMaker and Batch cannot reach it
  const config: PlatformConfig = { ...cloud.config, training: { ...cloud.config.training, backend: 'local' } };
  const platform = composePlatform(config, { events, clients });
  return {
    platform,
    config,
    cloud,
    target: 'embedded',
    eventsReachRules: !(events instanceof InProcessEventBus),
    close: async () => {
      await platform.flush().catch(() => undefined);
      platform.close();
      if (events instanceof EventBridgePublisher) events.destroy();
      await cloud.stop();
    },
  };
}
