// Jest global teardown: stops the embedded cloud started by global-setup.ts.
import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const cloud = globalThis.__XDR_EMBEDDED_CLOUD__;
  if (!cloud) return;
  await cloud.stop();
  rmSync(cloud.home, { recursive: true, force: true });
}
