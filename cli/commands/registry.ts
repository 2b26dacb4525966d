// `xdr-ml registry export`, and the registry session the model and audit commands share: the
// registry and audit log over the platform's tables, the event publisher of the target, and the
// local exports (models/model_registry.json, change-control/audit-log.md) refreshed after changes.
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { EventBridgePublisher } from '../../adapters/event-publisher';
import { AuditLog, exportAuditLog } from '../../core/audit/audit-log';
import { DomainError } from '../../core/errors';
import type { EventPublisher } from '../../core/ports';
import { ModelRegistry, writeRegistryExport } from '../../core/registry/model-registry';
import { InProcessEventBus } from '../../local/event-bus';
import { ServerEventForwarder } from '../../local/server-event-forwarder';
import { liveServerUrl } from '../../local/server-record';
import { openPlatform, type PlatformSession } from '../platform';
import { CliError, printJson } from '../output';

/** Default path of the registry export, relative to the working directory. */
export const REGISTRY_EXPORT_PATH = path.join('models', 'model_registry.json');
/** Default path of the rendered audit log, relative to the working directory. */
export const AUDIT_LOG_PATH = path.join('change-control', 'audit-log.md');

export interface RegistrySession {
  readonly platform: PlatformSession;
  readonly registry: ModelRegistry;
  readonly audit: AuditLog;
  readonly events: EventPublisher;
  close(): Promise<void>;
}

/**
 * Opens the platform and builds the registry on it. Events go to EventBridge on AWS (or an
 * EventBridge endpoint override); on the embedded cloud to the bus of the local platform
 * (`npm start`) running on the same state directory, else to an in-process bus of this process.
 */
export async function openRegistrySession(): Promise<RegistrySession> {
  const platform = await openPlatform();
  const useEventBridge = platform.target === 'aws' || !!platform.config.endpoints.eventBridge;
  const bridge = useEventBridge ? EventBridgePublisher.fromConfig(platform.config) : undefined;
  const server = !bridge && platform.cloud ? liveServerUrl(platform.cloud.home) : undefined;
  const events: EventPublisher = bridge ?? (server ? new ServerEventForwarder(server) : new InProcessEventBus());
  const audit = new AuditLog({ table: platform.stores.tables.audit });
  const registry = new ModelRegistry({ table: platform.stores.tables.registry, audit, events });
  return {
    platform,
    registry,
    audit,
    events,
    close: async () => {
      bridge?.destroy();
      await platform.close();
    },
  };
}

/** Who the CLI acts as: $XDR_ML_ACTOR, or `cli:<login name>`. */
export function cliActor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDR_ML_ACTOR?.trim()) return env.XDR_ML_ACTOR.trim();
  let user = env.USER || env.USERNAME || 'unknown';
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
export async function refreshLocalExports(session: RegistrySession, cwd: string = process.cwd()): Promise<string[]> {
  if (session.platform.target !== 'embedded') return [];
  const registryFile = path.join(cwd, REGISTRY_EXPORT_PATH);
  const auditFile = path.join(cwd, AUDIT_LOG_PATH);
  await writeRegistryExport(session.registry, registryFile);
  await exportAuditLog(session.audit, auditFile);
  return [path.relative(cwd, registryFile), path.relative(cwd, auditFile)];
}

/** Runs a command body on a registry session, turning domain errors into CLI errors. */
export async function withRegistry<T>(body: (session: RegistrySession) => Promise<T>): Promise<T> {
  const session = await openRegistrySession();
  try {
    return await body(session);
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

/** Registers `registry export`. */
export function registerRegistry(program: Command): void {
  const registry = program.command('registry').description('The model registry');
  registry
    .command('export')
    .description('Write the registry (models, versions with status and metrics, aliases) as JSON')
    .option('--out <file>', 'output file', REGISTRY_EXPORT_PATH)
    .option('--json', 'print the export to stdout as well')
    .action(async (opts: { out: string; json?: boolean }) =>
      withRegistry(async ({ registry: reg }) => {
        const exported = await writeRegistryExport(reg, opts.out);
        if (opts.json) return printJson(exported);
        const models = Object.values(exported.models);
        const versions = models.reduce((n, m) => n + m.versions.length, 0);
        process.stdout.write(`wrote ${opts.out}: ${models.length} model(s), ${versions} version(s)\n`);
      }),
    );
}
