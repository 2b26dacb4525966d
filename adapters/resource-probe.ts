// What the operating system says about a process and the machine: the resource usage of the
// current process (getrusage, /proc/self/status), another process's (/proc/<pid>/status and
// /proc/<pid>/stat, for the local backend watching its child), the GPUs (nvidia-smi, only when it
// exists — never guessed), and the machine's capacity (cores, available memory, the cgroup's limit).
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { round, type GpuUsage, type ResourceUsage } from '../core/resources/usage';

/** Fields of /proc/<pid>/status and /proc/<pid>/stat (Linux); undefined elsewhere or once the process is gone. */
export interface ProcessStatus {
  readonly peakRssBytes: number;
  readonly rssBytes: number;
  readonly threads: number;
  /** User and system CPU seconds so far (clock ticks at 100 Hz, as Linux reports them to user space). */
  readonly userCpuSeconds: number;
  readonly systemCpuSeconds: number;
}

const CLOCK_TICKS = 100;

/**
 * /proc/<pid>/status (VmHWM, VmRSS, Threads) and /proc/<pid>/stat (utime, stime).
 * @example readProcessStatus(child.pid)?.peakRssBytes
 */
export function readProcessStatus(pid: number | 'self'): ProcessStatus | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command (which may hold spaces) start at state; utime and stime are fields 14 and 15
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    if (![kb('VmHWM'), kb('VmRSS'), threads, utime, stime].every(Number.isFinite)) return undefined;
    return { peakRssBytes: kb('VmHWM'), rssBytes: kb('VmRSS'), threads, userCpuSeconds: utime / CLOCK_TICKS, systemCpuSeconds: stime / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/** The path of an executable on PATH, or undefined. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The GPUs as nvidia-smi reports them now; [] when there is no nvidia-smi or it fails (no GPU, no
 * driver). Figures are the tool's, never estimated.
 */
export function queryGpus(nvidiaSmi = findExecutable('nvidia-smi'), timeoutMs = 5000): Promise<GpuUsage[]> {
  if (!nvidiaSmi) return Promise.resolve([]);
  return new Promise((resolve) => {
    execFile(
      nvidiaSmi,
      ['--query-gpu=name,memory.total,memory.used,utilization.gpu', '--format=csv,noheader,nounits'],
      { timeout: timeoutMs },
      (error, stdout) => {
        if (error) return resolve([]);
        resolve(parseNvidiaSmi(stdout));
      },
    );
  });
}

/** Parses `nvidia-smi --query-gpu=name,memory.total,memory.used,utilization.gpu --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(stdout: string): GpuUsage[] {
  const gpus: GpuUsage[] = [];
  for (const line of stdout.split('\n')) {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length < 4 || !cells[0]) continue;
    const [total, used, util] = cells.slice(1, 4).map(Number);
    // "[N/A]" (a MIG slice, a driver that does not say) leaves the figure out of the record rather than inventing it
    if (![total, used].every(Number.isFinite)) continue;
    gpus.push({ model: cells[0], memoryTotalMiB: total, peakMemoryUsedMiB: used, peakUtilisationPercent: Number.isFinite(util) ? util : 0 });
  }
  return gpus;
}

/** Options of a ResourceMeter. */
export interface ResourceMeterOptions {
  /** How often threads (and GPUs, every 8th sample) are sampled. @default 250 ms */
  readonly sampleMs?: number;
  /** nvidia-smi's path; null: do not look at GPUs. @default found on PATH */
  readonly nvidiaSmi?: string | null;
}

/**
 * Measures the current process while it runs a job: wall and CPU time, peak RSS, peak threads,
 * and the GPUs' peak memory and utilisation when nvidia-smi exists.
 *
 * @example
 * const meter = new ResourceMeter().start();
 * await work();
 * const usage = await meter.stop({ rows: 120_000 });
 */
export class ResourceMeter {
  private readonly startedAt = process.uptime();
  private timer: NodeJS.Timeout | undefined;
  private peakThreads = 0;
  private readonly gpus = new Map<number, GpuUsage>();
  private readonly nvidiaSmi: string | undefined;
  private samples = 0;
  private gpuQuery: Promise<void> | undefined;

  constructor(private readonly options: ResourceMeterOptions = {}) {
    this.nvidiaSmi = options.nvidiaSmi === null ? undefined : (options.nvidiaSmi ?? findExecutable('nvidia-smi'));
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.options.sampleMs ?? 250).unref();
    return this;
  }

  private sample(): void {
    const status = readProcessStatus('self');
    if (status) this.peakThreads = Math.max(this.peakThreads, status.threads);
    if (this.nvidiaSmi && this.samples++ % 8 === 0 && !this.gpuQuery) {
      this.gpuQuery = queryGpus(this.nvidiaSmi).then((gpus) => {
        gpus.forEach((g, i) => {
          const seen = this.gpus.get(i);
          this.gpus.set(i, {
            model: g.model,
            memoryTotalMiB: g.memoryTotalMiB,
            peakMemoryUsedMiB: Math.max(seen?.peakMemoryUsedMiB ?? 0, g.peakMemoryUsedMiB),
            peakUtilisationPercent: Math.max(seen?.peakUtilisationPercent ?? 0, g.peakUtilisationPercent),
          });
        });
        this.gpuQuery = undefined;
      });
    }
  }

  /** The usage so far (the process's whole life for CPU and peak RSS; wall time since the meter was built). */
  snapshot(extra: { readonly rows?: number } = {}): ResourceUsage {
    this.sample();
    const ru = process.resourceUsage();
    const wall = process.uptime() - this.startedAt;
    const user = ru.userCPUTime / 1e6;
    const system = ru.systemCPUTime / 1e6;
    return {
      wallSeconds: round(wall),
      cpuSeconds: round(user + system),
      userCpuSeconds: round(user),
      systemCpuSeconds: round(system),
      // getrusage's ru_maxrss is in kilobytes on Linux
      peakRssBytes: ru.maxRSS * 1024,
      ...(this.peakThreads > 0 ? { threads: this.peakThreads } : {}),
      cores: os.availableParallelism(),
      ...(extra.rows !== undefined ? { rows: extra.rows, rowsPerSecond: wall > 0 ? round(extra.rows / wall, 1) : 0 } : {}),
      ...(this.gpus.size > 0 ? { gpus: [...this.gpus.values()] } : {}),
      source: 'process',
    };
  }

  /** Stops sampling (after one last GPU reading when a GPU is present) and answers the final usage. */
  async stop(extra: { readonly rows?: number } = {}): Promise<ResourceUsage> {
    clearInterval(this.timer);
    if (this.nvidiaSmi) {
      await this.gpuQuery;
      this.samples = 0;
      this.sample();
      await this.gpuQuery;
    }
    return this.snapshot(extra);
  }
}

/**
 * Watches another process (the local backend's training child) through /proc: its last reading
 * before it exits (peak RSS is a high-water mark, so the last reading holds the peak so far).
 */
export class ProcessWatcher {
  private timer: NodeJS.Timeout | undefined;
  private last: ProcessStatus | undefined;
  private peakThreads = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly pid: number,
    private readonly sampleMs = 200,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.sampleMs).unref();
    return this;
  }

  private sample(): void {
    const status = readProcessStatus(this.pid);
    if (!status) return;
    this.last = status;
    this.peakThreads = Math.max(this.peakThreads, status.threads);
  }

  /** Stops watching; the last figures seen (undefined when /proc never answered). */
  stop(): ResourceUsage | undefined {
    clearInterval(this.timer);
    const s = this.last;
    if (!s) return undefined;
    return {
      wallSeconds: round((Date.now() - this.startedAt) / 1000),
      cpuSeconds: round(s.userCpuSeconds + s.systemCpuSeconds),
      userCpuSeconds: round(s.userCpuSeconds),
      systemCpuSeconds: round(s.systemCpuSeconds),
      peakRssBytes: s.peakRssBytes,
      threads: this.peakThreads,
      source: 'parent',
    };
  }
}

/** What the machine can give a job now. */
export interface MachineCapacity {
  readonly cores: number;
  /** Memory a new process can use: MemAvailable, capped by the cgroup's limit less its usage. */
  readonly availableMemoryBytes: number;
  readonly totalMemoryBytes: number;
}

function readNumber(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    const n = Number(text);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cores and the memory available now (Linux: /proc/meminfo MemAvailable and cgroup v2's
 * memory.max − memory.current; elsewhere os.freemem()).
 * @example const { availableMemoryBytes } = machineCapacity();
 */
export function machineCapacity(): MachineCapacity {
  let available = os.freemem();
  try {
    const meminfo = readFileSync('/proc/meminfo', 'utf8');
    const kb = Number(/^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1]);
    if (Number.isFinite(kb)) available = kb * 1024;
  } catch {
    // not Linux
  }
  const limit = readNumber('/sys/fs/cgroup/memory.max');
  const used = readNumber('/sys/fs/cgroup/memory.current');
  if (limit !== undefined && used !== undefined) available = Math.min(available, Math.max(0, limit - used));
  return { cores: os.availableParallelism(), availableMemoryBytes: available, totalMemoryBytes: os.totalmem() };
}
