// Resource usage of one job (training, adaptation, federated, ensemble): what it cost in wall and
// CPU time, memory, threads and GPU, measured by the process that ran it (the training container
// measures itself; see adapters/resource-probe.ts) and, on SageMaker / Batch, what the backend
// billed. Stored on the job record (`resources`) and in training_summary.json (`resources`).
// GPU figures are present only when the container could read them from the CUDA tools
// (nvidia-smi); never estimated.
import { z } from 'zod';

/** One GPU as nvidia-smi reported it while the job ran (peak memory, peak utilisation). */
export const gpuUsageSchema = z.object({
  model: z.string().min(1),
  memoryTotalMiB: z.number().min(0),
  peakMemoryUsedMiB: z.number().min(0),
  peakUtilisationPercent: z.number().min(0).max(100),
});
export type GpuUsage = z.infer<typeof gpuUsageSchema>;

/**
 * A job's resource usage. The process figures come from the job's own process (getrusage and
 * /proc); `instanceType`, `instanceCount` and `billableSeconds` from the backend's job description.
 */
export const resourceUsageSchema = z.object({
  /** Wall-clock seconds from the process's start of work to the measurement. */
  wallSeconds: z.number().min(0).optional(),
  /** User + system CPU seconds of the job's process (all its threads). */
  cpuSeconds: z.number().min(0).optional(),
  userCpuSeconds: z.number().min(0).optional(),
  systemCpuSeconds: z.number().min(0).optional(),
  /** Peak resident set size (the OS's high-water mark: getrusage maxrss, /proc VmHWM). */
  peakRssBytes: z.number().int().min(0).optional(),
  /** Most threads the process had at once (sampled from /proc; the libuv pool and the learners' workers). */
  threads: z.number().int().min(0).optional(),
  /** Logical cores the process could use. */
  cores: z.number().int().min(0).optional(),
  /** Rows the job read, and rows per wall second. */
  rows: z.number().int().min(0).optional(),
  rowsPerSecond: z.number().min(0).optional(),
  /** Present only when the container has the CUDA tools and they answered. */
  gpus: z.array(gpuUsageSchema).optional(),
  /** SageMaker / Batch: what ran the job, and the seconds billed for it. */
  instanceType: z.string().optional(),
  instanceCount: z.number().int().min(0).optional(),
  billableSeconds: z.number().min(0).optional(),
  /** Who measured: 'process' (the job's own process), 'parent' (the local backend watching /proc), or the backend. */
  source: z.string().optional(),
});
export type ResourceUsage = z.infer<typeof resourceUsageSchema>;

/** Name of the file the training container writes its usage to (in /opt/ml/model and /opt/ml/output). */
export const RESOURCE_USAGE_FILE = 'resource-usage.json';

/**
 * Parses a usage document (resource-usage.json, an event's detail); undefined when it is not one.
 * @example parseResourceUsage(JSON.parse(text))?.peakRssBytes
 */
export function parseResourceUsage(value: unknown): ResourceUsage | undefined {
  const parsed = resourceUsageSchema.safeParse(value);
  return parsed.success ? dropUndefined(parsed.data) : undefined;
}

/**
 * Combines measurements of one job: the process's own figures first, the backend's (instance type,
 * billable seconds) added, and figures only the other has filled in.
 * @example mergeResourceUsage(fromContainer, { instanceType: 'ml.m5.xlarge', billableSeconds: 312 })
 */
export function mergeResourceUsage(...parts: readonly (ResourceUsage | undefined)[]): ResourceUsage | undefined {
  const present = parts.filter((p): p is ResourceUsage => p !== undefined);
  if (present.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const part of present) for (const [k, v] of Object.entries(part)) if (v !== undefined && out[k] === undefined) out[k] = v;
  return out as ResourceUsage;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Round to `digits` decimals (figures are stored rounded: no false precision in records). */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
