// The CLI's way into the platform: one session per command on the configured target (the embedded
// cloud, started or joined, or AWS), domain refusals turned into CLI errors, and the local exports
// (models/model_registry.json, change-control/audit-log.md) refreshed after registry changes.
import os from 'node:os';
import type { PlatformConfig } from '../config/config';
import type { AuditLog } from '../core/audit/audit-log';
import { DomainError } from '../core/errors';
import type { ModelRegistry } from '../core/registry/model-registry';
import { openPlatform, writeLocalExports, type Platform, type PlatformSession, type PlatformTarget } from '../platform';
import { CliError } from './output';

export interface CliSession {
  readonly platform: Platform;
  readonly target: PlatformTarget;
  readonly session: PlatformSession;
  readonly registry: ModelRegistry;
  readonly audit: AuditLog;
}

/** Who the CLI acts as: XDR_ML_ACTOR, or `cli:<login name>`. */
export function cliActor(config: PlatformConfig): string {
  if (config.local.actor) return config.local.actor;
  let user = config.local.user ?? 'unknown';
  try {
    user = os.userInfo().username || user;
  } catch {
    // no passwd entry (containers): keep the environment's name
  }
  return `cli:${user}`;
}

/**
 * After a registry change on the local target, rewrites models/model_registry.json and
 * change-control/audit-log.md under `cwd`; returns the paths written (none on AWS).
 */
export async function refreshLocalExports(session: CliSession, cwd: string = process.cwd()): Promise<string[]> {
  if (session.target !== 'embedded') return [];
  return writeLocalExports(session.platform, cwd);
}

/** Runs a command body on a platform session, turning domain refusals into CLI errors (exit 2 for bad input). */
export async function withPlatform<T>(body: (session: CliSession) => Promise<T>): Promise<T> {
  const session = await openPlatform();
  const { platform } = session;
  try {
    return await body({ platform, target: session.target, session, registry: platform.registry, audit: platform.audit });
  } catch (error) {
    if (error instanceof DomainError) {
      const checks = (error.details as { checks?: { name: string; passed: boolean; detail: string }[] } | undefined)?.checks;
      const lines = checks ? checks.map((c) => `\n  ${c.passed ? 'pass' : 'FAIL'} ${c.name}: ${c.detail}`).join('') : '';
      throw new CliError(`${error.message}${lines}`, error.statusCode === 400 ? 2 : 1);
    }
    throw error;
  } finally {
    await session.close();
  }
}
