// How the CLI and `npm start` reach the platform: the embedded local cloud by default (started
// here or joined when another process runs it), or AWS / LocalStack when XDR_ML_TARGET=aws or
// endpoint overrides are set.
import { loadConfig, type PlatformConfig } from '../config/config';
import { createPlatformStores, type PlatformStores } from '../adapters/platform-stores';
import { startEmbeddedCloud, type EmbeddedCloud } from '../local/embedded-cloud';

export interface PlatformSession {
  readonly config: PlatformConfig;
  readonly stores: PlatformStores;
  /** Present when the embedded local cloud is in use. */
  readonly cloud?: EmbeddedCloud;
  readonly target: 'embedded' | 'aws' | 'endpoint-override';
  close(): Promise<void>;
}

/** Opens a session on the configured target; the caller must close() it. */
export async function openPlatform(env: NodeJS.ProcessEnv = process.env): Promise<PlatformSession> {
  const explicit = env.XDR_ML_TARGET === 'aws' || !!env.XDR_ML_DYNAMODB_ENDPOINT || !!env.XDR_ML_S3_ENDPOINT;
  if (env.XDR_ML_TARGET && !['aws', 'local'].includes(env.XDR_ML_TARGET)) {
    throw new Error(`Invalid configuration: XDR_ML_TARGET must be 'local' or 'aws' (got '${env.XDR_ML_TARGET}')`);
  }
  if (explicit && env.XDR_ML_TARGET !== 'local') {
    const config = loadConfig(env);
    const stores = createPlatformStores(config);
    return {
      config,
      stores,
      target: config.endpoints.dynamodb || config.endpoints.s3 ? 'endpoint-override' : 'aws',
      close: async () => destroy(stores),
    };
  }
  const cloud = await startEmbeddedCloud({ env });
  // Handlers loaded in this process (local API server) read their configuration from the env.
  process.env.XDR_ML_DYNAMODB_ENDPOINT = cloud.endpoints.dynamodb;
  process.env.XDR_ML_S3_ENDPOINT = cloud.endpoints.s3;
  const stores = createPlatformStores(cloud.config);
  return {
    config: cloud.config,
    stores,
    cloud,
    target: 'embedded',
    close: async () => {
      destroy(stores);
      await cloud.stop();
    },
  };
}

function destroy(stores: PlatformStores): void {
  stores.clients.dynamodb.destroy();
  stores.clients.s3.destroy();
}
