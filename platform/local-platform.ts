// The local platform (`npm start`): the platform composed over the embedded cloud with an
// in-process bus and the local training backend, installed as this process's platform, the local
// API server over the HTTP handler modules, and the event runtime delivering the bus's events and
// schedules to the event-driven handler modules — the same modules, rules and schedules as AWS.
import path from 'node:path';
import type { AwsClients } from '../adapters/clients';
import { type PlatformConfig } from '../config/config';
import { adaptScheduleRule, DRIFT_CHECK_RULE, EVENT_FUNCTIONS, LOCAL_EVENT_RULES, MAINTENANCE_RULE, retrainScheduleRule } from '../config/event-functions';
import { MODEL_ALIAS_CHANGED, MODEL_VERSION_REGISTERED } from '../core/registry/model-registry';
import { LOCAL_TRAINING_STATE_CHANGE, type SweepResult, type TrainingDefaults } from '../core/retraining';
import type { LocalTrainingBackend } from '../adapters/training-backends/local-backend';
import { EmbeddedCloudError, startEmbeddedCloud, type EmbeddedCloud } from '../local/embedded-cloud';
import { InProcessEventBus } from '../local/event-bus';
import { LocalEventRuntime } from '../local/event-runtime';
import { HandlerModules } from '../local/handler-modules';
import { startLocalApiServer, type LocalApiServer } from '../local/http-server';
import { liveServer, removeServerRecord, writeServerRecord } from '../local/server-record';
import { bootstrapDefaultModel } from './bootstrap';
import { composePlatform, type Platform } from './compose';
import { writeLocalExports } from './local-exports';
import { installProcessPlatform } from './process-platform';

export interface LocalPlatformOptions {
  /** The embedded cloud's configuration (its endpoints); the training backend is always 'local'. */
  readonly config: PlatformConfig;
  readonly clients?: AwsClients;
  readonly bus?: InProcessEventBus;
  /** Where training jobs run (`<home>/training-jobs/`). Default config.local.home. */
  readonly home?: string;
  readonly auditStream?: string;
  /** Fixes what retrains train (tests); default: each lineage's spec. */
  readonly trainingDefaults?: TrainingDefaults | ((model: string) => TrainingDefaults);
  /** Lines about retraining: deliveries, job output, schedule runs. */
  readonly log?: (line: string) => void;
}

/** The local platform's parts: the platform itself, its bus, the event runtime and handler modules. */
export interface LocalPlatform {
  readonly platform: Platform;
  readonly bus: InProcessEventBus;
  readonly runtime: LocalEventRuntime;
  readonly handlers: HandlerModules;
  /** Resolves when every started training job has exited and every event it caused has been handled. */
  whenIdle(): Promise<void>;
  /** Runs the schedules of the cloud: the hourly drift check and the retraining schedule (auto-retrain on) of every watched lineage, and the maintenance sweep. */
  startSchedules(): void;
  /** Stops the runtime's rules and schedules (the platform's clients stay with the caller). */
  stop(): void;
}

/**
 * Composes the local platform, installs it as this process's platform (so handler modules use it)
 * and starts the event rules.
 *
 * @example
 * const local = composeLocalPlatform({ config: cloud.config });
 * await local.platform.retraining.launcher.handle({ type: 'ManualRetrain', model: 'general', requestId: 'r1', actor: 'me' });
 * await local.whenIdle();
 */
export function composeLocalPlatform(options: LocalPlatformOptions): LocalPlatform {
  const bus = options.bus ?? new InProcessEventBus();
  const log = options.log ?? (() => undefined);
  const config: PlatformConfig = { ...options.config, training: { ...options.config.training, backend: 'local' } };
  const platform = composePlatform(config, {
    events: bus,
    ...(options.clients ? { clients: options.clients } : {}),
    ...(options.auditStream ? { auditStream: options.auditStream } : {}),
    ...(options.trainingDefaults ? { trainingDefaults: options.trainingDefaults } : {}),
    // the embedded cloud has no lifecycle rules and no TTL: telemetry is kept within bounds here
    telemetryRetention: { onError: (error) => log(`telemetry retention sweep failed: ${(error as Error).message}`) },
    // a long-running server: telemetry samples are buffered (flushed on a size or time bound, and on close)
    bufferTelemetry: { onError: (error) => log(`telemetry flush failed: ${(error as Error).message}`) },
    // the local server's invocations are recorded here (on AWS, Lambda's metrics hold them)
    functionUsage: true,
    localTraining: {
      home: options.home ?? config.local.home,
      // a finished job's process publishes its state change; the completion rule takes it from there
      deliver: async (completion) => {
        await bus.publish(LOCAL_TRAINING_STATE_CHANGE, { ...completion });
        await bus.drain();
      },
      log: (jobId, line) => log(`[${jobId}] ${line}`),
    },
  });
  installProcessPlatform(platform);
  const handlers = new HandlerModules();
  const runtime = new LocalEventRuntime({
    bus,
    functions: EVENT_FUNCTIONS,
    rules: LOCAL_EVENT_RULES,
    handlers,
    account: config.account,
    region: config.region,
    log,
  });
  runtime.start();
  let retentionTimer: NodeJS.Timeout | undefined;
  let usageTimer: NodeJS.Timeout | undefined;
  return {
    platform,
    bus,
    runtime,
    handlers,
    async whenIdle() {
      await bus.drain();
      await (platform.retraining.backend as LocalTrainingBackend).whenIdle();
      await bus.drain();
    },
    startSchedules() {
      runtime.schedule(DRIFT_CHECK_RULE);
      runtime.schedule(MAINTENANCE_RULE);
      if (config.autoRetrain.enabled) runtime.schedule(retrainScheduleRule(config.autoRetrain.schedule));
      if (config.online.adaptSchedule) runtime.schedule(adaptScheduleRule(config.online.adaptSchedule));
      const retention = platform.telemetryRetention;
      if (retention) {
        const sweep = () => void retention.sweep().catch((error: unknown) => log(`telemetry retention sweep failed: ${(error as Error).message}`));
        sweep();
        retentionTimer = setInterval(sweep, RETENTION_SWEEP_MS).unref();
      }
      const usage = platform.functionUsage;
      if (usage) {
        usageTimer = setInterval(
          () => void usage.flush().catch((error: unknown) => log(`function usage flush failed: ${(error as Error).message}`)),
          USAGE_FLUSH_MS,
        ).unref();
      }
    },
    stop: () => {
      clearInterval(retentionTimer);
      clearInterval(usageTimer);
      runtime.stop();
    },
  };
}

/** How often the local telemetry sweeper runs besides the runs its writes start (expiry by age, expired inference items). */
const RETENTION_SWEEP_MS = 60_000;

/** How often the local server's function usage is flushed to the jobs table (and on close). */
const USAGE_FLUSH_MS = 5_000;

/** How often jobs left by a killed server are looked at. */
const ORPHAN_POLL_MS = 3000;

export interface RunningLocalPlatform {
  readonly url: string;
  readonly cloud: EmbeddedCloud;
  readonly local: LocalPlatform;
  close(): Promise<void>;
}

export interface StartLocalPlatformOptions {
  readonly config: PlatformConfig;
  readonly port: number;
  /** Where the registry export and the audit log are written (the working directory). */
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * What `xdr-ml serve` runs: the embedded cloud (this process owns it), the local platform, the
 * API on 127.0.0.1, the first-start bootstrap, the schedules, and the local exports kept current.
 */
export async function startLocalPlatform(options: StartLocalPlatformOptions): Promise<RunningLocalPlatform> {
  const { out, err } = options;
  const cloud = await startEmbeddedCloud({ home: options.config.local.home });
  if (!cloud.owner) {
    // One server per state directory: a second one would keep its own event bus beside the owner's, and answer 500s once the owner exits.
    const server = liveServer(cloud.home);
    throw new EmbeddedCloudError(
      `The state directory ${cloud.home} is already served by process ${cloud.ownerPid}${server ? ` (API at ${server.url})` : ' (a CLI command that started its embedded cloud)'}: ` +
        `one \`xdr-ml serve\` per state directory. CLI commands join the running one; to run a second server, set XDR_ML_HOME to another directory.`,
    );
  }
  const local = composeLocalPlatform({ config: cloud.config, home: cloud.home, log: (line) => out(`retraining: ${line}`) });
  const { platform, bus } = local;
  // What a crash left behind (a job the killed server ran, a change without its audit record) is settled before the API takes requests.
  const maintained = await platform.maintain({ queuedGraceMs: 0 }).catch((error: unknown) => {
    err(`maintenance failed: ${(error as Error).message}`);
    return undefined;
  });
  let orphans: NodeJS.Timeout | undefined;
  if (maintained) {
    reportSweep(maintained.jobs, out);
    if (maintained.auditRecovered.length)
      out(`audit: recorded ${maintained.auditRecovered.length} change(s) a crash left unaudited: ${maintained.auditRecovered.join(', ')}`);
    if (maintained.jobs.running.length) orphans = watchOrphanJobs(platform, maintained.jobs.running, out, err);
  }
  let api: LocalApiServer;
  try {
    api = await startLocalApiServer({
      port: options.port,
      localEvents: bus,
      handlers: local.handlers,
      token: cloud.config.local.token,
      ...(options.config.local.accessLog ? { accessLog: out } : {}),
    });
  } catch (error) {
    clearInterval(orphans);
    local.stop();
    platform.close();
    await cloud.stop();
    throw error;
  }
  out(`Mini-XDR ML local platform (state in ${cloud.home})`);
  out(`  dynamodb ${cloud.config.endpoints.dynamodb}\n  s3       ${cloud.config.endpoints.s3}`);
  out(`API listening on ${api.url}\n  try: curl ${api.url}/api/ml/health`);
  const token = cloud.config.local.token;
  out(`console: ${api.url}/${token ? `#token=${encodeURIComponent(token)}` : ''}`);
  if (token) out(`API token required (XDR_ML_LOCAL_TOKEN): send -H 'Authorization: Bearer ${token}'`);
  if (cloud.config.local.bootstrap) await bootstrap(platform, cloud.home, api.url, options.cwd, out, err, token);
  platform.warmUp();
  local.startSchedules();
  out(
    `retraining: rules on the in-process bus, local training backend, drift check hourly for every deployed lineage, promotion policy ${platform.config.training.promotionPolicy}${platform.config.autoRetrain.enabled ? `, retraining ${platform.config.autoRetrain.schedule}` : ' (auto-retrain off)'}`,
  );
  keepLocalExportsCurrent(platform, bus, options.cwd, err);
  // CLI commands run beside this server find it here and forward their events to this bus
  writeServerRecord(cloud.home, api.url, token);
  return {
    url: api.url,
    cloud,
    local,
    async close() {
      clearInterval(orphans);
      local.stop();
      removeServerRecord(cloud.home);
      await api.close();
      // what serving buffered (request records, counters, telemetry) is stored before the servers stop
      await platform.flush().catch((error: unknown) => err(`flushing serving writes failed: ${(error as Error).message}`));
      await platform.functionUsage?.flush().catch((error: unknown) => err(`function usage flush failed: ${(error as Error).message}`));
      platform.close();
      await cloud.stop();
    },
  };
}

function reportSweep(result: SweepResult, out: (line: string) => void): void {
  for (const f of result.failed) out(`retraining: job ${f.jobId} marked failed: ${f.reason}`);
  for (const c of result.completed) out(`retraining: job ${c.jobId} completed after the fact: ${c.outcome}`);
}

/**
 * Training processes a killed server left running keep going; this server settles each one when
 * its process exits (registers what it wrote, or fails it) rather than at the next maintenance
 * rule, a quarter of an hour away.
 */
function watchOrphanJobs(platform: Platform, jobIds: readonly string[], out: (line: string) => void, err: (line: string) => void): NodeJS.Timeout {
  let waiting = new Set(jobIds);
  out(`retraining: ${waiting.size} job(s) from a previous run still training (${[...waiting].join(', ')}); settled when they exit`);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    platform.retraining
      .sweep()
      .then((result) => {
        reportSweep(result, out);
        waiting = new Set([...waiting].filter((id) => result.running.includes(id)));
        if (waiting.size === 0) clearInterval(timer);
      })
      .catch((error: unknown) => err(`maintenance failed: ${(error as Error).message}`))
      .finally(() => (busy = false));
  }, ORPHAN_POLL_MS).unref();
  return timer;
}

/** First start: make sure the default model serves, then print a predict request that works. */
async function bootstrap(
  platform: Platform,
  home: string,
  url: string,
  cwd: string,
  out: (line: string) => void,
  err: (line: string) => void,
  token?: string,
): Promise<void> {
  try {
    const result = await bootstrapDefaultModel(platform, { home, log: out });
    if (!result.created) {
      out(`model "${result.model}" v${result.version} is in production`);
      return;
    }
    const relative = path.relative(cwd, result.examplePath!);
    const body = relative.startsWith('..') ? result.examplePath! : relative;
    const auth = token ? ` -H 'Authorization: Bearer ${token}'` : '';
    out(`ready: curl -s -X POST ${url}/api/ml/predict -H 'content-type: application/json'${auth} -d @${body}`);
  } catch (error) {
    err(`bootstrap failed (the API keeps running): ${(error as Error).message}`);
  }
}

/** Locally, models/model_registry.json and change-control/audit-log.md are regenerated after every registry change. */
function keepLocalExportsCurrent(platform: Platform, bus: InProcessEventBus, cwd: string, err: (line: string) => void): void {
  let pending = Promise.resolve();
  const refresh = () => {
    pending = pending
      .then(async () => void (await writeLocalExports(platform, cwd)))
      .catch((error: unknown) => err(`could not refresh the local registry export: ${(error as Error).message}`));
  };
  bus.subscribe(MODEL_ALIAS_CHANGED, refresh);
  bus.subscribe(MODEL_VERSION_REGISTERED, refresh);
}
