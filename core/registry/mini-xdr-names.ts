// The original Mini-XDR project's function names, as thin shims over ModelRegistry.
import type { DeployOptions, DeployResult, RollbackOptions, RollbackResult } from './types';

/** The part of ModelRegistry the shims call. */
export interface DeployingRegistry {
  deploy(model: string, version: number, options: DeployOptions): Promise<DeployResult>;
  rollback(model: string, options: RollbackOptions): Promise<RollbackResult>;
}

/**
 * The original project's `deploy_enhanced_model`: deploys `version` of `model` (default alias
 * production) through the promotion gate. Same as `registry.deploy(model, version, options)`.
 */
export function deploy_enhanced_model(registry: DeployingRegistry, model: string, version: number, options: DeployOptions): Promise<DeployResult> {
  return registry.deploy(model, version, options);
}

/**
 * The original project's `rollback_model`: returns the alias (default production) to its previous
 * version or to `options.toVersion`. Same as `registry.rollback(model, options)`.
 */
export function rollback_model(registry: DeployingRegistry, model: string, options: RollbackOptions): Promise<RollbackResult> {
  return registry.rollback(model, options);
}
