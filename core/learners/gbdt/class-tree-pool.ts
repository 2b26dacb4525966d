// Grows one boosting round's class trees on several threads. In a softmax round the K class trees
// depend only on that round's gradients, so they can be grown at the same time. The calling thread
// works too, and `growRound` stays synchronous (the Learner protocol's fit is synchronous): it
// blocks in Atomics.wait while helper threads finish, and collects their trees with
// receiveMessageOnPort.
//
// Everything a helper reads lives in SharedArrayBuffers written by the calling thread before a
// round starts: the row-major bins, each class's gradients and row list, and each tree's
// features. Trees are claimed through one atomic counter, so a slow class doesn't hold up the rest.
// Every thread grows with the same code and the caller adds trees in class order, so the fitted
// model is identical for any thread count, and helpers can join a fit once they have started.
import os from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { BinMapper, BinMapperState } from './bin-mapper';
import { helperEntry, helperTesting, READY_TIMEOUT_MS, waitForWord, WORK_TIMEOUT_MS } from './helper-thread';
import { TreeGrower, type GrownTree, type TreeGrowSettings } from './tree-grower';

/** Control words (Int32Array over a SharedArrayBuffer). */
/** `ready`: a bit per helper that has started; `roster`: the helpers taking part in the current round. */
export const CONTROL = { generation: 0, tasks: 1, next: 2, done: 3, ready: 4, failed: 5, roster: 6, length: 8 } as const;
/** Generation value that tells helpers to exit. */
export const STOP_GENERATION = -1;

/** What a helper thread is started with (its workerData). */
export interface PoolWorkerData {
  /** The helper's bit in CONTROL.ready and CONTROL.roster is 1 << id. */
  readonly id: number;
  readonly mapper: BinMapperState;
  readonly settings: TreeGrowSettings;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly classes: number;
  readonly control: SharedArrayBuffer;
  readonly bins: SharedArrayBuffer;
  readonly gh: SharedArrayBuffer;
  readonly rows: SharedArrayBuffer;
  /** Per task: [classIndex, rowCount, featureCount]. */
  readonly taskInfo: SharedArrayBuffer;
  /** Per task: its features at task * nFeatures. */
  readonly features: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** One grown tree and the gain its splits add per feature. */
export interface ClassTree {
  readonly tree: GrownTree;
  readonly gain: Float64Array;
}

/** A helper's answer for one task. */
export interface TaskResult {
  readonly task: number;
  readonly tree?: GrownTree;
  readonly gain?: Float64Array;
  readonly error?: string;
}

/** Shared views of one round's inputs, per class. */
export interface RoundBuffers {
  /** gh[c]: interleaved float32 [g, h] per row for class c's tree. */
  readonly gh: Float32Array[];
  /** rows[c]: class c's row list (the grower permutes it in place; leaf ranges index into it). */
  readonly rows: Int32Array[];
}

/** Grows task `t` (the same on every thread): class, row count and features come from the shared arrays. */
export function growTask(grower: TreeGrower, t: number, info: Int32Array, features: Int32Array, nFeatures: number, buffers: RoundBuffers): ClassTree {
  const c = info[3 * t];
  const count = info[3 * t + 1];
  const nf = info[3 * t + 2];
  const gain = new Float64Array(nFeatures);
  const tree = grower.grow(buffers.gh[c], buffers.rows[c], count, features.subarray(t * nFeatures, t * nFeatures + nf), gain);
  return { tree, gain };
}

/** Views of the shared gradient and row arrays, per class. */
export function roundViews(gh: SharedArrayBuffer, rows: SharedArrayBuffer, classes: number, nRows: number): RoundBuffers {
  return {
    gh: Array.from({ length: classes }, (_, c) => new Float32Array(gh, c * 2 * nRows * 4, 2 * nRows)),
    rows: Array.from({ length: classes }, (_, c) => new Int32Array(rows, c * nRows * 4, nRows)),
  };
}

/** Threads worth using: `requested` (0 = one per available core), at most one per class. */
export function poolThreads(requested: number, classes: number): number {
  const wanted = requested > 0 ? requested : os.availableParallelism();
  return Math.max(1, Math.min(wanted, classes));
}

/**
 * A pool of `threads - 1` helper threads plus the calling thread, for one fit.
 * @example
 * const pool = ClassTreePool.start(mapper, bins, nRows, settings, k, 2);
 * try { const trees = pool.growRound(k, grower); } finally { pool.close(); }
 */
export class ClassTreePool {
  readonly buffers: RoundBuffers;
  private readonly control: Int32Array;
  private readonly info: Int32Array;
  private readonly features: Int32Array;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private generation = 0;
  private maxHelpers = 0;

  /** Threads that grew trees in some round so far: the calling thread and the helpers that joined. */
  get threadsUsed(): number {
    return 1 + this.maxHelpers;
  }

  private constructor(
    private readonly nFeatures: number,
    shared: { control: SharedArrayBuffer; gh: SharedArrayBuffer; rows: SharedArrayBuffer; info: SharedArrayBuffer; features: SharedArrayBuffer },
    classes: number,
    nRows: number,
  ) {
    this.control = new Int32Array(shared.control);
    this.info = new Int32Array(shared.info);
    this.features = new Int32Array(shared.features);
    this.buffers = roundViews(shared.gh, shared.rows, classes, nRows);
  }

  /**
   * Starts `threads - 1` helpers without waiting for them: each joins the rounds that start once it
   * is ready (until then the calling thread grows every tree). Returns null when helpers cannot
   * run here (no helper file, e.g. inside a bundle); the caller then grows alone.
   */
  static start(mapper: BinMapper, bins: Uint8Array, nRows: number, settings: TreeGrowSettings, classes: number, threads: number): ClassTreePool | null {
    const entry = helperEntry('class-tree-worker');
    if (!entry || threads < 2) return null;
    const nFeatures = mapper.binCounts.length;
    const shared = {
      control: new SharedArrayBuffer(CONTROL.length * 4),
      bins: new SharedArrayBuffer(bins.length),
      gh: new SharedArrayBuffer(classes * 2 * nRows * 4),
      rows: new SharedArrayBuffer(classes * nRows * 4),
      info: new SharedArrayBuffer(classes * 3 * 4),
      features: new SharedArrayBuffer(Math.max(1, classes * nFeatures) * 4),
    };
    new Uint8Array(shared.bins).set(bins);
    const pool = new ClassTreePool(nFeatures, shared, classes, nRows);
    for (let w = 0; w < threads - 1; w++) {
      const { port1, port2 } = new MessageChannel();
      const workerData: PoolWorkerData = {
        id: w,
        mapper: mapper.toState(),
        settings,
        nRows,
        nFeatures,
        classes,
        control: shared.control,
        bins: shared.bins,
        gh: shared.gh,
        rows: shared.rows,
        taskInfo: shared.info,
        features: shared.features,
        port: port2,
      };
      const worker = new Worker(entry.file, { workerData, transferList: [port2], execArgv: entry.execArgv });
      worker.unref();
      pool.workers.push(worker);
      pool.ports.push(port1);
    }
    // Not waited for: helpers join the rounds that start after they are ready.
    if (helperTesting.waitForHelpers && !pool.waitFor(CONTROL.ready, (1 << pool.workers.length) - 1, READY_TIMEOUT_MS)) {
      pool.close();
      return null;
    }
    return pool;
  }

  /** Blocks until control[word] >= target or the timeout passes (false) or a helper failed. */
  private waitFor(word: number, target: number, timeoutMs: number): boolean {
    return waitForWord(this.control, word, target, CONTROL.failed, timeoutMs);
  }

  /**
   * Grows one tree per task on every thread. Before calling, fill `buffers.gh[c]` and
   * `buffers.rows[c]` for each class and describe task t with `setTask`. `grower` is the calling
   * thread's own grower over the same bins. Returns the trees in task order.
   */
  growRound(tasks: number, grower: TreeGrower): ClassTree[] {
    const c = this.control;
    // the helpers ready now take part in this round; one that gets ready meanwhile waits for the next
    const roster = Atomics.load(c, CONTROL.ready);
    let helpers = 0;
    for (let w = 0; w < this.workers.length; w++) if (roster & (1 << w)) helpers++;
    this.maxHelpers = Math.max(this.maxHelpers, helpers);
    Atomics.store(c, CONTROL.roster, roster);
    Atomics.store(c, CONTROL.tasks, tasks);
    Atomics.store(c, CONTROL.next, 0);
    Atomics.store(c, CONTROL.done, 0);
    this.generation++;
    Atomics.store(c, CONTROL.generation, this.generation);
    Atomics.notify(c, CONTROL.generation);
    const out: (ClassTree | undefined)[] = new Array<ClassTree | undefined>(tasks);
    for (let t = Atomics.add(c, CONTROL.next, 1); t < tasks; t = Atomics.add(c, CONTROL.next, 1)) {
      out[t] = growTask(grower, t, this.info, this.features, this.nFeatures, this.buffers);
    }
    if (!this.waitFor(CONTROL.done, helpers, WORK_TIMEOUT_MS)) {
      throw new Error(Atomics.load(c, CONTROL.failed) !== 0 ? this.firstError() : 'a tree-growing thread did not finish its round');
    }
    for (const port of this.ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const result = m.message as TaskResult;
        if (result.error !== undefined) throw new Error(`tree-growing thread failed: ${result.error}`);
        if (result.tree && result.gain) out[result.task] = { tree: result.tree, gain: result.gain };
      }
    }
    return out.map((tree, t) => {
      if (!tree) throw new Error(`tree ${t} of the round was not grown`);
      return tree;
    });
  }

  /** Describes task t: class c's tree over its first `rowCount` rows, on `features`. */
  setTask(t: number, classIndex: number, rowCount: number, features: Int32Array): void {
    this.info[3 * t] = classIndex;
    this.info[3 * t + 1] = rowCount;
    this.info[3 * t + 2] = features.length;
    this.features.set(features, t * this.nFeatures);
  }

  private firstError(): string {
    for (const port of this.ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const result = m.message as TaskResult;
        if (result.error !== undefined) return `tree-growing thread failed: ${result.error}`;
      }
    }
    return 'a tree-growing thread failed';
  }

  /** Stops the helpers (they exit on the stop generation; terminate is the backstop). */
  close(): void {
    Atomics.store(this.control, CONTROL.generation, STOP_GENERATION);
    Atomics.notify(this.control, CONTROL.generation);
    for (const port of this.ports) port.close();
    for (const worker of this.workers) void worker.terminate();
  }
}
