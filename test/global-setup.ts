// Jest global setup: starts the embedded cloud (dynalite + s3rver) once for the whole run, in a
// fresh temporary state directory, and exports its endpoints to the test workers.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedCloud, type EmbeddedCloud } from '../local/embedded-cloud';

declare global {
  var __XDR_EMBEDDED_CLOUD__: EmbeddedCloud | undefined;
}

export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT';
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-test-'));
  const cloud = await startEmbeddedCloud({ home, env: { ...process.env, XDR_ML_STAGE: 'test' } });
  globalThis.__XDR_EMBEDDED_CLOUD__ = cloud;
  process.env.XDR_ML_HOME = home;
  process.env.XDR_ML_STAGE = 'test';
  process.env.XDR_ML_DYNAMODB_ENDPOINT = cloud.endpoints.dynamodb;
  process.env.XDR_ML_S3_ENDPOINT = cloud.endpoints.s3;
}
