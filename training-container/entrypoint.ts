// The training container's entrypoint (SageMaker contract; see sagemaker-contract.ts). It has no
// training logic of its own: it adapts the contract's directories to the core's ports and runs the
// pipeline's runTrainingJob, whose `register` step (its last) writes registration.json next to the
// bundle instead of calling the registry — the completion handler registers it from there.
// Prints `metric: name=value;` lines for SageMaker metric definitions (see METRIC_DEFINITIONS).
// On any error: writes the reason to <base>/output/failure and exits 1.
//
//   node bin/run-ts.js training-container/entrypoint.ts [--base-dir DIR]     (default SM_BASE_DIR or /opt/ml)
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type PlatformConfig } from '../config/config';
import { serveParticipant } from '../core/federated/protocol/participant';
import { tenantDatasetName } from '../core/names';
import { loadDataset, loadManifest } from '../core/pipeline';
import { runEnsembleJob, type EnsembleMemberVersion } from '../core/ensemble/ensemble-job';
import type { ObjectStore } from '../core/ports';
import { runAdaptationJob, type ParentVersion } from '../core/online';
import { runTrainingJob, type RegisterVersionInput, type TrainingJobDeps } from '../core/pipeline';
import { REGISTRATION_FILE } from '../core/retraining/backend';
import { RESOURCE_USAGE_FILE, type ResourceUsage } from '../core/resources/usage';
import { objectStores } from '../platform/object-stores';
import { ResourceMeter } from '../platform/resource-usage';
import {
  ChannelObjectStore,
  contractPaths,
  DirectoryObjectStore,
  HyperparameterError,
  ManifestTable,
  parseHyperparameters,
  type ContainerHyperparameters,
} from './sagemaker-contract';
import { stageInputsFromS3, uploadModelDir, type S3Staging } from './s3-staging';

/** The base directory: `--base-dir`, else SM_BASE_DIR (config.container.baseDir), else /opt/ml. */
export function baseDirFrom(argv: readonly string[], container: PlatformConfig['container']): string {
  const i = argv.indexOf('--base-dir');
  if (i >= 0 && argv[i + 1]) return path.resolve(argv[i + 1]);
  return path.resolve(container.baseDir || '/opt/ml');
}

/**
 * Runs one training job in `base`; answers the process exit code (0 success, 1 failure).
 * @example process.exitCode = await runEntrypoint('/opt/ml', (line) => console.log(line));
 */
export async function runEntrypoint(
  base: string,
  log: (line: string) => void,
  now: () => number = Date.now,
  config?: PlatformConfig,
  meter: ResourceMeter = new ResourceMeter().start(),
): Promise<number> {
  const paths = contractPaths(base);
  const started = now();
  let rows: number | undefined;
  try {
    return await runJob();
  } finally {
    // the job's resource usage, success or failure: /opt/ml/output always, /opt/ml/model beside the bundle when it succeeded
    await writeUsage(paths, await meter.stop(rows !== undefined ? { rows } : {}), log);
  }

  async function runJob(): Promise<number> {
    try {
      // platform settings the job follows (the stack passes them in the environment): how model.onnx merges trees
      const { onnx, codeVersion } = config ?? loadConfig();
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(paths.hyperparameters, 'utf8'));
      } catch (error) {
        throw new HyperparameterError(`cannot read ${paths.hyperparameters}: ${(error as Error).message}`, { cause: error });
      }
      const h = parseHyperparameters(raw);
      const datasetsTable = await ManifestTable.open(paths);
      const datasetsBucket = await ChannelObjectStore.openAll(paths);
      await mkdir(paths.model, { recursive: true });
      const artefactsBucket = new DirectoryObjectStore(paths.model);
      const deps = {
        datasetsTable,
        datasetsBucket,
        artefactsBucket,
        register: async (input: RegisterVersionInput) => {
          await writeFile(path.join(paths.model, REGISTRATION_FILE), JSON.stringify(input, null, 2));
          return { version: 0 };
        },
        onnx,
        codeVersion,
        now,
        resourceUsage: (extra: { readonly rows?: number }) => meter.snapshot(extra),
      };
      if (h.algorithm === 'ensemble' && h.mode !== 'ensemble') throw new HyperparameterError('algorithm "ensemble" is built by mode=ensemble only');
      if (h.extraMembers !== undefined && h.mode !== 'ensemble') throw new HyperparameterError('extra_members is for mode=ensemble only');
      if (h.mode === 'federated') {
        const served = await serveFederatedRun(h, datasetsTable, datasetsBucket, config ?? loadConfig(), log);
        log(`metric: federated_steps=${served.steps};`);
        log(`metric: federated_bytes_sent=${served.bytesSent};`);
        rows = served.rows;
        return 0;
      }
      if (h.mode === 'ensemble') {
        const result = await ensembleMembers(paths.parent, h, deps);
        log(`metric: macro_f1=${result.metrics.macroF1};`);
        log(`metric: accuracy=${result.metrics.accuracy};`);
        log(`metric: log_loss=${result.metrics.logLoss};`);
        log(`metric: train_seconds=${(now() - started) / 1000};`);
        const used = result.summary.rows as { readonly optimisation: number; readonly evaluation: number };
        rows = used.optimisation + used.evaluation;
        return 0;
      }
      if (h.mode === 'adapt') {
        const adapted = await adaptParent(paths.parent, h, deps);
        log(`metric: macro_f1=${adapted.report.macroF1};`);
        log(`metric: learned_macro_f1=${adapted.learned.adapted.macroF1};`);
        log(`metric: train_seconds=${(now() - started) / 1000};`);
        rows = adapted.samples.fit + adapted.samples.heldOut + adapted.samples.replay;
        return 0;
      }
      log(`training ${h.model} (${h.algorithm}, ${h.classes}) on ${h.dataset}${h.datasetVersion ? ` v${h.datasetVersion}` : ''}, seed ${h.seed}`);
      const result = await runTrainingJob(deps, {
        dataset: h.dataset,
        ...(h.datasetVersion !== undefined ? { datasetVersion: h.datasetVersion } : {}),
        model: h.model,
        algorithm: h.algorithm,
        classes: h.classes,
        seed: h.seed,
        params: h.params,
        ...(h.tune ? { training: { tune: h.tune } } : {}),
        author: h.author,
        ...(h.parentVersion !== undefined ? { parentVersion: h.parentVersion } : {}),
        ...(h.extraDatasets ? { extraDatasets: h.extraDatasets } : {}),
        ...(h.jobId !== undefined ? { trainingJobId: h.jobId } : {}),
        onProgress: (p) => {
          if (p.stage !== 'train') log(`[${p.stage}] ${p.message}`);
        },
      });
      const m = result.metrics;
      const metrics: Record<string, number> = {
        macro_f1: m.macroF1,
        weighted_f1: m.weightedF1,
        accuracy: m.accuracy,
        log_loss: m.logLoss,
        ece: m.ece,
        rows: m.rows,
        train_seconds: (now() - started) / 1000,
      };
      for (const [name, value] of Object.entries(metrics)) log(`metric: ${name}=${value};`);
      rows = result.summary.rows.total;
      return 0;
    } catch (error) {
      const reason = `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`;
      await mkdir(paths.output, { recursive: true });
      await writeFile(paths.failure, reason);
      log(`training failed: ${reason}`);
      return 1;
    }
  }
}

/**
 * A federated participant (hyperparameter mode=federated): serves the coordinator's steps for run
 * `run_id` over the tenant's dataset version (the training channel), submitting to the artefacts
 * bucket's federated/ prefix; no row leaves the job.
 */
async function serveFederatedRun(
  h: ContainerHyperparameters,
  datasetsTable: ManifestTable,
  datasetsBucket: ObjectStore,
  config: PlatformConfig,
  log: (line: string) => void,
): Promise<{ steps: number; bytesSent: number; rows: number }> {
  if (!h.runId || !h.tenant) throw new HyperparameterError('mode=federated needs the run_id and tenant hyperparameters');
  const manifest = await loadManifest(datasetsTable, tenantDatasetName(h.tenant, h.dataset), h.datasetVersion);
  const { data } = await loadDataset(manifest, datasetsBucket, 'fine');
  log(`federated participant ${h.tenant} of run ${h.runId}: ${data.y.length} rows of ${manifest.name} v${manifest.version}`);
  const stores = objectStores(config);
  try {
    const result = await serveParticipant(data, { runId: h.runId, tenant: h.tenant, exchange: stores.storeFor(config.buckets.artefacts), seed: h.seed, log });
    if (!result.finished) throw new Error(`the coordinator aborted run ${h.runId}`);
    return { steps: result.steps, bytesSent: result.bytesSent, rows: data.y.length };
  } finally {
    stores.close();
  }
}

/** Writes the job's usage as resource-usage.json (output/, and model/ when the bundle is there) and prints it as metrics. */
async function writeUsage(paths: ReturnType<typeof contractPaths>, usage: ResourceUsage, log: (line: string) => void): Promise<void> {
  const body = JSON.stringify(usage, null, 2);
  await mkdir(paths.output, { recursive: true });
  await writeFile(path.join(paths.output, RESOURCE_USAGE_FILE), body);
  await writeFile(path.join(paths.model, RESOURCE_USAGE_FILE), body).catch(() => undefined); // no model dir: the job failed early
  if (usage.cpuSeconds !== undefined) log(`metric: cpu_seconds=${usage.cpuSeconds};`);
  if (usage.peakRssBytes !== undefined) log(`metric: peak_rss_mb=${(usage.peakRssBytes / 1048576).toFixed(1)};`);
}

/**
 * An online adaptation (hyperparameter mode=adapt): the parent channel holds the parent's registry
 * record (parent.json) and its model, replay and evaluation files; the samples are rows
 * [sample_from, sample_to) of the training channel's dataset.
 */
async function adaptParent(parentDir: string, h: ContainerHyperparameters, deps: TrainingJobDeps) {
  let parent: ParentVersion;
  try {
    parent = JSON.parse(await readFile(path.join(parentDir, 'parent.json'), 'utf8')) as ParentVersion;
  } catch (error) {
    throw new HyperparameterError(`mode=adapt needs the parent channel's parent.json: ${(error as Error).message}`, { cause: error });
  }
  if (parent.model !== h.model || (h.parentVersion !== undefined && parent.version !== h.parentVersion)) {
    throw new HyperparameterError(`the parent channel holds ${parent.model} v${parent.version}, the job adapts ${h.model} v${h.parentVersion ?? '?'}`);
  }
  const parentFiles = await ChannelObjectStore.open(parentDir);
  const range = `${h.sampleFrom ?? 0}–${h.sampleTo ?? 'end'}`;
  process.stdout.write(
    `adapting ${h.model} v${parent.version} (${parent.algorithm}) on rows ${range} of ${h.dataset}${h.datasetVersion ? ` v${h.datasetVersion}` : ''}, seed ${h.seed}\n`,
  );
  const result = await runAdaptationJob(
    { ...deps, parentFiles },
    {
      parent,
      sources: [
        {
          dataset: h.tenant !== undefined ? tenantDatasetName(h.tenant, h.dataset) : h.dataset,
          ...(h.datasetVersion !== undefined ? { version: h.datasetVersion } : {}),
          ...(h.sampleFrom !== undefined ? { fromRow: h.sampleFrom } : {}),
          ...(h.sampleTo !== undefined ? { toRow: h.sampleTo } : {}),
        },
      ],
      seed: h.seed,
      author: h.author,
      ...(Object.keys(h.params).length ? { params: h.params } : {}),
      ...(h.jobId !== undefined ? { trainingJobId: h.jobId } : {}),
      // a tenant variant: the job runs in the tenant's context (its role on AWS) on its own dataset
      ...(h.tenant !== undefined ? { tenant: h.tenant } : {}),
    },
  );
  return result.adaptation;
}

/**
 * An ensemble (hyperparameter mode=ensemble): the parent channel holds members.json (the members'
 * registry records, artefact keys naming the channel's files) and their files; the job reads them
 * from there (sha256-verified) and writes the candidate's bundle to the model directory.
 */
async function ensembleMembers(membersDir: string, h: ContainerHyperparameters, deps: TrainingJobDeps) {
  let members: EnsembleMemberVersion[];
  try {
    members = JSON.parse(await readFile(path.join(membersDir, 'members.json'), 'utf8')) as EnsembleMemberVersion[];
  } catch (error) {
    throw new HyperparameterError(`mode=ensemble needs the parent channel's members.json: ${(error as Error).message}`, { cause: error });
  }
  const staged = members.map((m) => `${m.model}@${m.version}`).join(',');
  const asked = (h.members ?? []).map((m) => `${m.model}@${m.version}`).join(',');
  if (h.members && staged !== asked) throw new HyperparameterError(`the parent channel holds members ${staged}, the job combines ${asked}`);
  const channel = await ChannelObjectStore.open(membersDir);
  const out = deps.artefactsBucket;
  // members' files from the channel, the candidate's bundle into the model directory
  const artefactsBucket: ObjectStore = {
    bucket: `${channel.bucket}+${out.bucket}`,
    get: async (key) => ((await channel.exists(key)) && !key.includes('/') ? channel.get(key) : out.get(key)),
    exists: async (key) => (!key.includes('/') && (await channel.exists(key))) || out.exists(key),
    list: (prefix) => out.list(prefix),
    put: (key, body, options) => out.put(key, body, options),
    delete: (key) => out.delete(key),
  };
  process.stdout.write(`ensemble of ${staged} for ${h.model} (method ${h.method ?? 'auto'}), seed ${h.seed}\n`);
  return runEnsembleJob(
    { ...deps, artefactsBucket },
    {
      model: h.model,
      members,
      ...(h.method && h.method !== 'auto' ? { methods: [h.method] } : {}),
      ...(h.extraMembers !== undefined ? { extraMembers: h.extraMembers } : {}),
      seed: h.seed,
      author: h.author,
      ...(h.jobId !== undefined ? { trainingJobId: h.jobId } : {}),
    },
  );
}

/**
 * The process: S3 staging first when the environment asks for it (AWS Batch; see s3-staging.ts),
 * then the job, then the upload of the model directory.
 */
async function main(): Promise<number> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  let config: PlatformConfig;
  try {
    config = loadConfig();
  } catch (error) {
    // the contract's failure file still says why, at the base directory the arguments name
    const base = baseDirFrom(process.argv.slice(2), {});
    const reason = `${(error as Error).name}: ${(error as Error).message}`;
    await mkdir(contractPaths(base).output, { recursive: true });
    await writeFile(contractPaths(base).failure, reason);
    log(`training failed: ${reason}`);
    return 1;
  }
  const base = baseDirFrom(process.argv.slice(2), config.container);
  let staging: S3Staging | undefined;
  const stores = config.container.hyperparameters ? objectStores(config) : undefined;
  if (stores) {
    try {
      staging = await stageInputsFromS3(config.container, base, stores.storeFor);
    } catch (error) {
      await mkdir(contractPaths(base).output, { recursive: true });
      await writeFile(contractPaths(base).failure, `S3StagingError: ${(error as Error).message}`);
      log(`training failed: could not stage the inputs: ${(error as Error).message}`);
      return 1;
    }
  }
  const code = await runEntrypoint(base, log, Date.now, config);
  if (code === 0 && staging && stores) log(`uploaded ${await uploadModelDir(base, staging.outputUri, stores.storeFor)} files to ${staging.outputUri}`);
  stores?.close();
  return code;
}

if (require.main === module || path.resolve(process.argv[1] ?? '') === __filename) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
