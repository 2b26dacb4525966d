// `xdr-ml serve` (npm start): the embedded cloud plus the local API server on 127.0.0.1.
import type { Command } from 'commander';
import { setProcessEventPublisher } from '../../functions/shared/events';
import { InProcessEventBus } from '../../local/event-bus';
import { removeServerRecord, writeServerRecord } from '../../local/server-record';
import { startLocalApiServer, type LocalApiServer } from '../../local/http-server';
import path from 'node:path';
import { AuditLog, exportAuditLog } from '../../core/audit/audit-log';
import { MODEL_ALIAS_CHANGED, MODEL_VERSION_REGISTERED, ModelRegistry, writeRegistryExport } from '../../core/registry/model-registry';
import { AUDIT_LOG_PATH, REGISTRY_EXPORT_PATH } from './registry';
import { createLocalRetraining, type LocalRetraining } from '../../adapters/training-backends';
import { retrainSettings } from '../../core/retraining';
import { PredictionLog } from '../../core/serving';
import { bootstrapDefaultModel } from '../../local/bootstrap';
import { openPlatform, type PlatformSession } from '../platform';
import { CliError } from '../output';

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`Invalid configuration: PORT must be an integer 0-65535 (got '${value}')`, 2);
  return port;
}

/** First start: make sure the default model serves, then print a predict request that works. */
async function bootstrap(platform: PlatformSession, registry: ModelRegistry, url: string): Promise<void> {
  try {
    const result = await bootstrapDefaultModel({
      config: platform.config,
      stores: platform.stores,
      registry,
      home: platform.cloud!.home,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    if (!result.created) {
      process.stdout.write(`model "${result.model}" v${result.version} is in production\n`);
      return;
    }
    const relative = path.relative(process.cwd(), result.examplePath!);
    const body = relative.startsWith('..') ? result.examplePath! : relative;
    process.stdout.write(`ready: curl -s -X POST ${url}/api/ml/predict -H 'content-type: application/json' -d @${body}\n`);
  } catch (error) {
    process.stderr.write(`bootstrap failed (the API keeps running): ${(error as Error).message}\n`);
  }
}

/**
 * The same event rules, schedules and training backend as the cloud, in this process: retrain
 * triggers on the in-process bus reach the launcher, jobs run as local training containers.
 * The training dataset is the production version's (the bootstrap's on a first start).
 */
async function startLocalRetraining(platform: PlatformSession, registry: ModelRegistry, audit: AuditLog, bus: InProcessEventBus): Promise<LocalRetraining> {
  const model = platform.config.defaultModel;
  const production = await registry.resolveAlias(model, 'production');
  const dataset = production ? (await registry.getVersion(model, production.version)).dataset.name : 'cicids2017';
  const settings = retrainSettings(process.env);
  const retraining = createLocalRetraining({
    config: platform.config,
    stores: platform.stores,
    registry,
    audit,
    bus,
    predictionLog: new PredictionLog({ inference: platform.stores.tables.inference, telemetry: platform.stores.buckets.telemetry }),
    home: platform.cloud!.home,
    training: { dataset: process.env.XDR_ML_TRAINING_DATASET || dataset, algorithm: settings.algorithm, classes: settings.classes, seed: settings.seed },
    policy: process.env.XDR_ML_PROMOTION_POLICY ? settings.policy : 'auto-promote',
    cooldownMs: process.env.XDR_ML_RETRAIN_COOLDOWN_HOURS ? settings.cooldownHours * 3600_000 : undefined,
    log: (line) => process.stdout.write(`retraining: ${line}\n`),
  });
  retraining.startSchedules();
  process.stdout.write(
    `retraining: rules on the in-process bus, local training backend, drift check hourly${platform.config.autoRetrain.enabled ? `, retraining ${platform.config.autoRetrain.schedule}` : ' (auto-retrain off)'}\n`,
  );
  return retraining;
}

/**
 * Locally, models/model_registry.json and change-control/audit-log.md (in the working directory)
 * are regenerated after every registry change made through this server.
 */
function keepLocalExportsCurrent(registry: ModelRegistry, audit: AuditLog, bus: InProcessEventBus): void {
  let pending = Promise.resolve();
  const refresh = () => {
    pending = pending
      .then(async () => {
        await writeRegistryExport(registry, path.resolve(REGISTRY_EXPORT_PATH));
        await exportAuditLog(audit, path.resolve(AUDIT_LOG_PATH));
      })
      .catch((error: unknown) => {
        process.stderr.write(`could not refresh the local registry export: ${(error as Error).message}\n`);
      });
  };
  bus.subscribe(MODEL_ALIAS_CHANGED, refresh);
  bus.subscribe(MODEL_VERSION_REGISTERED, refresh);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the embedded local cloud and serve the API on 127.0.0.1 (PORT, default 3000)')
    .option('--port <port>', 'port to listen on (default: $PORT or 3000)')
    .action(async (opts: { port?: string }) => {
      const port = parsePort(opts.port ?? process.env.PORT);
      const platform = await openPlatform();
      // Handlers loaded by the local server publish to this process's bus, where the same event
      // rules as in AWS run.
      const bus = new InProcessEventBus();
      if (platform.target === 'embedded') setProcessEventPublisher(bus);
      const audit = new AuditLog({ table: platform.stores.tables.audit });
      const registry = new ModelRegistry({ table: platform.stores.tables.registry, audit, events: bus });
      let api: LocalApiServer;
      try {
        api = await startLocalApiServer({ port, localEvents: platform.target === 'embedded' ? bus : undefined });
      } catch (error) {
        await platform.close();
        throw new CliError(`Could not listen on 127.0.0.1:${port}: ${(error as Error).message}`);
      }
      const where = platform.cloud ? `state in ${platform.cloud.home}` : `target ${platform.target}`;
      process.stdout.write(`Mini-XDR ML local platform (${where})\n`);
      process.stdout.write(`  dynamodb ${platform.config.endpoints.dynamodb ?? 'AWS'}\n  s3       ${platform.config.endpoints.s3 ?? 'AWS'}\n`);
      process.stdout.write(`API listening on ${api.url}\n  try: curl ${api.url}/api/ml/health\n`);
      if (platform.cloud && process.env.XDR_ML_BOOTSTRAP !== 'false') await bootstrap(platform, registry, api.url);
      const retraining = platform.cloud ? await startLocalRetraining(platform, registry, audit, bus) : undefined;
      if (platform.cloud) keepLocalExportsCurrent(registry, audit, bus);
      // CLI commands run beside this server find it here and forward their events to this bus
      if (platform.cloud) writeServerRecord(platform.cloud.home, api.url);
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`\n${signal}: stopping\n`);
        retraining?.stop();
        if (platform.cloud) removeServerRecord(platform.cloud.home);
        void api
          .close()
          .then(() => platform.close())
          .then(() => process.exit(0));
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });
}
