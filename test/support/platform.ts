// Test access to the embedded cloud started by jest's global setup.
import { loadConfig, type PlatformConfig } from '../../config/config';
import { createPlatformStores, type PlatformStores } from '../../adapters/platform-stores';

/** Configuration pointing at the embedded cloud of this test run. */
export function testConfig(): PlatformConfig {
  if (!process.env.XDR_ML_DYNAMODB_ENDPOINT) throw new Error('the embedded cloud is not running (jest global setup)');
  return loadConfig(process.env);
}

/** Stores over the embedded cloud; call `closeStores` in afterAll. */
export function testStores(): PlatformStores {
  return createPlatformStores(testConfig());
}

export function closeStores(stores: PlatformStores): void {
  stores.clients.dynamodb.destroy();
  stores.clients.s3.destroy();
}

/** A unique prefix so tests sharing the embedded cloud never collide. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
