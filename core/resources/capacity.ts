// The capacity check before automation trains: what a lineage's next job needs (its last job's
// measured peak RSS, or an estimate from the dataset's rows × features when no job of the lineage
// was measured yet) against what the backend can give it (locally the machine's cores and
// available memory; on AWS the instance type's availability and the account's quota). A launch
// that would not fit is refused before it starts, with the reason and an alert.
import { ConflictError } from '../errors';

/** What a job needs, and on what the figure rests. */
export interface CapacityNeed {
  readonly memoryBytes: number;
  /** Cores the job uses well (the learners use up to two threads; one is enough to run). */
  readonly cores: number;
  /** e.g. "job train-1a2b's measured peak RSS (412 MiB) + 20 %", "estimate: 22,544 rows × 41 features" */
  readonly basis: string;
}

/** What the backend said. */
export interface CapacityVerdict {
  readonly fits: boolean;
  /** Why, in words a person acts on. */
  readonly reason: string;
  readonly need: CapacityNeed;
  /** What the backend has (bytes and cores locally; the instance type and quota on AWS). */
  readonly available?: Readonly<Record<string, string | number>>;
}

/** Headroom over a measured peak: a dataset grows between two jobs. */
export const MEASURED_HEADROOM = 1.2;
/**
 * The training process before its rows count: Node.js, the TypeScript sources, onnxruntime, the
 * worker threads and the garbage collector's slack. It dominates a small job and moves with the
 * machine's load: a GBDT job on KDDTest+ (0.9 M cells) peaked at 182 MiB on a quiet machine and at
 * 316 MiB in a CI run beside other suites, one on KDDTrain+ (5.2 M cells) at 333 MiB
 * (docs/resources.md), so the allowance covers the loaded case with room.
 */
export const BASE_PROCESS_BYTES = 384 * 1024 * 1024;
/**
 * Bytes per cell of the feature matrix in a training job, a deliberately high allowance: the loaded
 * matrix (8 bytes a cell), its binned copy, the train/validation/test splits and the export. The
 * two NSL-KDD jobs above grew by about 35 bytes a cell; the first measured job replaces the estimate.
 */
export const BYTES_PER_CELL = 48;

export const MiB = 1024 * 1024;
const mib = (bytes: number) => `${Math.round(bytes / MiB).toLocaleString('en-US')} MiB`;

/**
 * The need of a lineage's next job: its last measured job's peak RSS with headroom, else an estimate
 * from the dataset's size.
 * @example estimateNeed({ lastJob: { jobId: 'train-1', peakRssBytes: 400 * MiB } }).memoryBytes // 480 MiB
 */
export function estimateNeed(input: {
  readonly lastJob?: { readonly jobId: string; readonly peakRssBytes: number };
  readonly rows?: number;
  readonly features?: number;
}): CapacityNeed {
  if (input.lastJob && input.lastJob.peakRssBytes > 0) {
    return {
      memoryBytes: Math.round(input.lastJob.peakRssBytes * MEASURED_HEADROOM),
      cores: 1,
      basis: `job ${input.lastJob.jobId}'s measured peak RSS (${mib(input.lastJob.peakRssBytes)}) + ${Math.round((MEASURED_HEADROOM - 1) * 100)} %`,
    };
  }
  const rows = input.rows ?? 0;
  const features = input.features ?? 0;
  return {
    memoryBytes: BASE_PROCESS_BYTES + rows * Math.max(1, features) * BYTES_PER_CELL,
    cores: 1,
    basis: `estimate: ${rows.toLocaleString('en-US')} rows × ${features} features (no job of this lineage was measured yet)`,
  };
}

/**
 * Whether a need fits the machine: enough available memory and at least the cores it needs.
 * @example checkMachineCapacity(need, { cores: 2, availableMemoryBytes: 8e9, totalMemoryBytes: 16e9 }).fits
 */
export function checkMachineCapacity(
  need: CapacityNeed,
  machine: { readonly cores: number; readonly availableMemoryBytes: number; readonly totalMemoryBytes: number },
): CapacityVerdict {
  const available = { cores: machine.cores, availableMemoryBytes: machine.availableMemoryBytes, totalMemoryBytes: machine.totalMemoryBytes };
  if (machine.cores < need.cores) {
    return { fits: false, need, available, reason: `the job needs ${need.cores} cores, this machine has ${machine.cores}` };
  }
  if (need.memoryBytes > machine.availableMemoryBytes) {
    return {
      fits: false,
      need,
      available,
      reason: `the job needs about ${mib(need.memoryBytes)} of memory (${need.basis}); this machine has ${mib(machine.availableMemoryBytes)} available of ${mib(machine.totalMemoryBytes)}`,
    };
  }
  return {
    fits: true,
    need,
    available,
    reason: `fits: about ${mib(need.memoryBytes)} needed (${need.basis}), ${mib(machine.availableMemoryBytes)} available, ${machine.cores} cores`,
  };
}

/** A switch or launch refused because the backend cannot run the job (409 with the reason). */
export class InsufficientCapacityError extends ConflictError {
  override readonly name: string = 'InsufficientCapacityError';
  constructor(
    message: string,
    readonly verdict: CapacityVerdict,
  ) {
    super(message, { details: { code: 'insufficient-capacity', need: verdict.need, available: verdict.available ?? null } });
  }
}
