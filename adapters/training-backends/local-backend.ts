// TrainingBackend that runs the training container's entrypoint as a local child process
// (`node bin/run-ts.js training-container/entrypoint.ts --base-dir <dir>`), with the SageMaker
// directory contract laid out under `<XDR_ML_HOME>/training-jobs/<jobId>/`: hyperparameters.json,
// the dataset's chunks in input/data/training/, its manifest in input/data/manifest/. When the
// process exits, `onCompletion` receives the CompletionHandler's input (output = the model dir).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ENV_KEYS } from '../../config/config';
import { childEnvironment } from '../../config/environment';
import type { ObjectStore } from '../../core/ports';
import {
  PARENT_INPUT_FILES,
  REGISTRATION_FILE,
  type CompletionInput,
  type JobInspection,
  type TrainingBackend,
  type TrainingJobSpec,
} from '../../core/retraining/backend';
import { mergeResourceUsage, parseResourceUsage, RESOURCE_USAGE_FILE, type ResourceUsage } from '../../core/resources/usage';
import { processAlive } from '../process-alive';
import { checkMachineCapacity, type CapacityNeed, type CapacityVerdict } from '../../core/resources/capacity';
import { machineCapacity, ProcessWatcher, type MachineCapacity } from '../resource-probe';

export interface LocalBackendOptions {
  /** Where job directories go (XDR_ML_HOME; e.g. ~/.xdr-ml). */
  readonly home: string;
  /** The datasets bucket (chunks and staged manifests are copied from it). */
  readonly datasets: ObjectStore;
  /** Called once per job when its process exits. */
  readonly onCompletion: (completion: CompletionInput) => Promise<void>;
  /** Repository root (where bin/run-ts.js lives). @default two levels above this file */
  readonly projectRoot?: string;
  /** Where the child's output goes. @default appended to `<job dir>/training.log` */
  readonly log?: (jobId: string, line: string) => void;
  /** The child's environment given its own variables. @default this process's environment plus them */
  readonly environment?: (extra: Record<string, string>) => NodeJS.ProcessEnv;
  /** Called every `heartbeatMs` while a job's process runs (the platform renews the job's lease). */
  readonly heartbeat?: (jobId: string) => Promise<void>;
  /** @default 30 s */
  readonly heartbeatMs?: number;
  /** What the machine can give a job now. @default machineCapacity() (cores, MemAvailable, the cgroup's limit) */
  readonly machine?: () => MachineCapacity;
  /**
   * A command the job's process runs under, given the node command line as its arguments: a
   * limit or priority (`['prlimit', '--as=8589934592']`, `['nice', '-n', '10']`) or a meter that
   * waits for it. @default none: node is spawned directly
   */
  readonly wrapper?: readonly string[];
}

/** The usage file a job's process wrote, when it wrote one that parses. */
async function readUsage(file: string): Promise<ResourceUsage | undefined> {
  try {
    return parseResourceUsage(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/** A local job is presumed lost when its heartbeat stops for this long. */
export const LOCAL_LEASE_MS = 5 * 60_000;

export class LocalTrainingBackend implements TrainingBackend {
  readonly name = 'local';
  readonly leaseMs = LOCAL_LEASE_MS;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: LocalBackendOptions) {}

  /** The directory of a job (its /opt/ml). */
  jobDir(jobId: string): string {
    return path.join(this.options.home, 'training-jobs', jobId);
  }

  async start(job: TrainingJobSpec): Promise<{ backendJobId: string }> {
    const base = this.jobDir(job.jobId);
    const training = path.join(base, 'input', 'data', 'training');
    const manifestDir = path.join(base, 'input', 'data', 'manifest');
    await mkdir(path.join(base, 'input', 'config'), { recursive: true });
    await mkdir(training, { recursive: true });
    await mkdir(manifestDir, { recursive: true });
    await writeFile(path.join(base, 'input', 'config', 'hyperparameters.json'), JSON.stringify(job.hyperparameters, null, 2));
    const manifest = await this.options.datasets.get(job.dataset.manifestKey);
    await writeFile(path.join(manifestDir, path.posix.basename(job.dataset.manifestKey)), manifest);
    const { chunks } = JSON.parse(Buffer.from(manifest).toString('utf8')) as { chunks: { key: string }[] };
    for (const c of chunks) await writeFile(path.join(training, path.posix.basename(c.key)), await this.options.datasets.get(c.key));
    // further datasets: a chunk channel and a manifest channel each, as SageMaker lays them out
    for (const [i, extra] of (job.extraDatasets ?? []).entries()) {
      const chunkDir = path.join(base, 'input', 'data', `extra${i + 1}`);
      const manifestExtraDir = path.join(base, 'input', 'data', `manifest-extra${i + 1}`);
      await mkdir(chunkDir, { recursive: true });
      await mkdir(manifestExtraDir, { recursive: true });
      const body = await this.options.datasets.get(extra.manifestKey);
      await writeFile(path.join(manifestExtraDir, path.posix.basename(extra.manifestKey)), body);
      for (const c of (JSON.parse(Buffer.from(body).toString('utf8')) as { chunks: { key: string }[] }).chunks) {
        await writeFile(path.join(chunkDir, path.posix.basename(c.key)), await this.options.datasets.get(c.key));
      }
    }

    // an adaptation's parent version (its registry record and bundle files) or an ensemble's members, as SageMaker's `parent` channel
    if (job.parent) {
      const parentDir = path.join(base, 'input', 'data', 'parent');
      await mkdir(parentDir, { recursive: true });
      for (const file of job.parent.files ?? PARENT_INPUT_FILES)
        await writeFile(path.join(parentDir, file), await this.options.datasets.get(`${job.parent.prefix}${file}`));
    }

    const root = this.options.projectRoot ?? path.resolve(__dirname, '..', '..');
    const command = [process.execPath, path.join(root, 'bin', 'run-ts.js'), path.join(root, 'training-container', 'entrypoint.ts'), '--base-dir', base];
    const [program, ...args] = [...(this.options.wrapper ?? []), ...command] as [string, ...string[]];
    const child = spawn(program, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: (this.options.environment ?? childEnvironment)({ [ENV_KEYS.containerBaseDir]: base }),
    });
    const logFile = path.join(base, 'training.log');
    const lines: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        this.options.log?.(job.jobId, line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // the parent's view of the child through /proc: the figures when the child dies before writing its own
    const watcher = child.pid ? new ProcessWatcher(child.pid).start() : undefined;
    const beat = this.options.heartbeat;
    const heartbeat = beat ? setInterval(() => void beat(job.jobId).catch(() => undefined), this.options.heartbeatMs ?? 30_000).unref() : undefined;
    const done = new Promise<void>((resolve) => {
      child.on('close', (code) => {
        clearInterval(heartbeat);
        const observed = watcher?.stop();
        void (async () => {
          await writeFile(logFile, `${lines.join('\n')}\n`).catch(() => undefined);
          const failurePath = path.join(base, 'output', 'failure');
          const resources = mergeResourceUsage(await readUsage(path.join(base, 'output', RESOURCE_USAGE_FILE)), observed);
          const completion: CompletionInput = {
            ...(code === 0
              ? { jobId: job.jobId, state: 'Completed' as const, outputLocation: path.join(base, 'model') }
              : {
                  jobId: job.jobId,
                  state: 'Failed' as const,
                  failureReason: existsSync(failurePath) ? (await readFile(failurePath, 'utf8')).trim() : `the training process exited with code ${code}`,
                }),
            ...(resources ? { resources } : {}),
          };
          try {
            await this.options.onCompletion(completion);
          } catch (error) {
            this.options.log?.(job.jobId, `completion handler failed: ${(error as Error).message}`);
          }
          resolve();
        })();
      });
    });
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return { backendJobId: `local-${child.pid ?? 'unknown'}-${job.jobId}` };
  }

  /**
   * A job whose completion this process never handled (the server that ran it was killed): still
   * running while its process lives; otherwise finished, by what its directory holds — the
   * registration file (Completed) or the failure file — or lost when it holds neither.
   */
  async inspect(job: { readonly jobId: string; readonly backendJobId?: string }): Promise<JobInspection> {
    const pid = Number(/^local-(\d+)-/.exec(job.backendJobId ?? '')?.[1]);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return { state: 'running' };
    const base = this.jobDir(job.jobId);
    const failurePath = path.join(base, 'output', 'failure');
    if (existsSync(failurePath)) {
      return { state: 'finished', completion: { jobId: job.jobId, state: 'Failed', failureReason: (await readFile(failurePath, 'utf8')).trim() } };
    }
    if (existsSync(path.join(base, 'model', REGISTRATION_FILE))) {
      return { state: 'finished', completion: { jobId: job.jobId, state: 'Completed', outputLocation: path.join(base, 'model') } };
    }
    return { state: 'unknown', reason: `the training process${pid ? ` ${pid}` : ''} is gone and left no output in ${base}` };
  }

  async describe(backendJobId: string): Promise<Readonly<Record<string, unknown>>> {
    const jobId = backendJobId.replace(/^local-[^-]+-/, '');
    return { jobDir: this.jobDir(jobId), finished: existsSync(path.join(this.jobDir(jobId), 'training.log')) };
  }

  /** Whether this machine has the cores and the available memory the job needs (a local job runs here). */
  async checkCapacity(need: CapacityNeed): Promise<CapacityVerdict> {
    return checkMachineCapacity(need, (this.options.machine ?? machineCapacity)());
  }

  /** Resolves when every started job has exited and its completion was handled. */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
