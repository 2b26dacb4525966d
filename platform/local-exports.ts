// The local platform's files in the working directory: models/model_registry.json and
// change-control/audit-log.md, rewritten after every registry change on the embedded cloud.
import path from 'node:path';
import { exportAuditLog } from '../core/audit/audit-log';
import { writeRegistryExport } from '../core/registry/model-registry';
import type { Platform } from './compose';

/** Default path of the registry export, relative to the working directory. */
export const REGISTRY_EXPORT_PATH = path.join('models', 'model_registry.json');
/** Default path of the rendered audit log, relative to the working directory. */
export const AUDIT_LOG_PATH = path.join('change-control', 'audit-log.md');

/** Rewrites both files under `cwd`; answers the paths written, relative to it. */
export async function writeLocalExports(platform: Platform, cwd: string): Promise<string[]> {
  const registryFile = path.join(cwd, REGISTRY_EXPORT_PATH);
  const auditFile = path.join(cwd, AUDIT_LOG_PATH);
  await writeRegistryExport(platform.registry, registryFile);
  await exportAuditLog(platform.audit, auditFile);
  return [path.relative(cwd, registryFile), path.relative(cwd, auditFile)];
}
