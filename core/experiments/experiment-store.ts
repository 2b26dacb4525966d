// Persistence of A/B, shadow and canary experiments on the `experiments` table (pk / sk, single
// table, no transactions: each state change is ONE conditional single-item write).
//
// Items (pk / sk):
//   EXPERIMENTS      / <experimentId>   the experiment (ids sort by creation time); revision-checked
//   RUNNING          / <model>          the running-experiment pointer: at most one per model, written
//                                       with putIfAbsent (the commit point of "one running test")
//   COUNTS#<id>      / STEP#<nn>        routing counters of one split epoch (canary step; ab/shadow
//                                       always step 0): <arm>Flows, <arm>Requests, <arm>LatencyMsSum
//   HISTORY#<id>     / AT#<bucket start>  one results point per time bucket (see recordPoint):
//                                       counts, p-values, confidence-sequence bounds, SRM
import { ConditionFailedError, type Item, type ItemTable } from '../ports';
import { ConflictError } from '../errors';

/** How an experiment uses the challenger. */
export type ExperimentMode = 'ab' | 'shadow' | 'canary';
/** Life cycle: running → stopped (by a person) or rolled-back (canary guard). */
export type ExperimentState = 'running' | 'stopped' | 'rolled-back';

/** Canary policy: the split ladder and the guards that roll it back. */
export interface CanaryPolicy {
  /** Challenger shares, ascending, ending anywhere up to 1 (e.g. [0.05, 0.25, 0.5, 1]). */
  readonly steps: readonly number[];
  /** Roll back when the challenger's error rate on labelled traffic exceeds this (0..1). */
  readonly maxErrorRate: number;
  /** Roll back when the challenger's median request latency exceeds this (ms). */
  readonly maxLatencyMs: number;
  /** Labelled challenger predictions needed before a guard judges and per step before the next step. */
  readonly stepAfterSamples: number;
}

/** Canary progress stored with the experiment. */
export interface CanaryProgress extends CanaryPolicy {
  /** Index into `steps` of the split now served. */
  readonly stepIndex: number;
  /** Labelled challenger predictions counted when the current step started. */
  readonly stepStartedSamples: number;
}

/** Why and when a canary rolled back. */
export interface RollbackRecord {
  readonly at: string;
  readonly reason: string;
  readonly errorRate: number | null;
  readonly medianLatencyMs: number | null;
  readonly samples: number;
}

/** A stored experiment. */
export interface Experiment {
  readonly id: string;
  readonly model: string;
  readonly championVersion: number;
  readonly challengerVersion: number;
  readonly mode: ExperimentMode;
  /** Challenger share now routed (ab/canary) or shadowed (shadow). */
  readonly trafficSplit: number;
  /** Flow field whose value is hashed for sticky per-flow routing; absent: one arm per request (request id). */
  readonly routingKey?: string;
  /** Labelled samples per arm before any decision. */
  readonly minSamples: number;
  readonly maxDurationHours: number;
  /** Smallest accuracy difference worth acting on (absolute). */
  readonly practicalSignificanceThreshold: number;
  /** A better challenger is still not promoted when its median latency is this much higher (relative, 0.2 = 20 %) … */
  readonly maxLatencyIncrease: number;
  /** … and more than this many milliseconds higher. */
  readonly latencyToleranceMs: number;
  readonly canary?: CanaryProgress;
  readonly state: ExperimentState;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly reason?: string;
  readonly stoppedAt?: string;
  readonly stoppedBy?: string;
  readonly stopReason?: string;
  /** What the stop did: the challenger promoted to production, or the champion kept. */
  readonly outcome?: 'promoted' | 'kept-champion' | 'rolled-back';
  readonly rollback?: RollbackRecord;
  /** Optimistic-concurrency revision (1 at creation, +1 per change). */
  readonly revision: number;
}

/** Routing counters of one split epoch. */
export interface RoutingCounts {
  readonly step: number;
  readonly championFlows: number;
  readonly challengerFlows: number;
  readonly championRequests: number;
  readonly challengerRequests: number;
  readonly championLatencyMsSum: number;
  readonly challengerLatencyMsSum: number;
}

/** One point of an experiment's results history (what results answered at `at`). */
export interface ResultsPoint {
  /** When the results were computed. */
  readonly at: string;
  readonly trafficSplit: number;
  readonly championRouted: number;
  readonly challengerRouted: number;
  readonly championLabelled: number;
  readonly challengerLabelled: number;
  readonly championCorrect: number;
  readonly challengerCorrect: number;
  /** Always-valid mSPRT p-value (null until both arms have labelled samples). */
  readonly pValue: number | null;
  /** Challenger − champion accuracy, and the confidence-sequence bounds around it. */
  readonly effect: number;
  readonly csLow: number;
  readonly csHigh: number;
  readonly srmPValue: number | null;
  readonly srmMismatch: boolean;
}

/** Bounds of the results history: at most one point per `intervalMs`, at most `maxPoints` kept (the oldest dropped). */
export interface HistoryBounds {
  readonly intervalMs: number;
  readonly maxPoints: number;
}

const EXPERIMENTS_PK = 'EXPERIMENTS';
const historyPk = (id: string): string => `HISTORY#${id}`;
const RUNNING_PK = 'RUNNING';
const countsPk = (id: string): string => `COUNTS#${id}`;
const stepSk = (step: number): string => `STEP#${String(step).padStart(2, '0')}`;

/** Lost a revision race on an experiment (409). */
export class ExperimentConflictError extends ConflictError {
  override readonly name: string = 'ExperimentConflictError';
}

function toExperiment(item: Item): Experiment {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as Experiment;
}

/** Drops undefined members (DynamoDB refuses them) by a JSON round trip. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The experiments table.
 *
 * @example
 * const store = new ExperimentStore(stores.tables.experiments);
 * await store.claimRunning('general', 'exp-1');
 */
export class ExperimentStore {
  constructor(private readonly table: ItemTable) {}

  /** One experiment, or undefined. */
  async get(id: string): Promise<Experiment | undefined> {
    const item = await this.table.get({ pk: EXPERIMENTS_PK, sk: id });
    return item ? toExperiment(item) : undefined;
  }

  /** Every experiment, newest first. */
  async list(): Promise<Experiment[]> {
    const items = await this.table.query({ pk: EXPERIMENTS_PK }, { descending: true });
    return items.map(toExperiment);
  }

  /** Writes a new experiment (revision 1); ConflictError when the id exists. */
  async create(experiment: Experiment): Promise<void> {
    try {
      await this.table.putIfAbsent({ pk: EXPERIMENTS_PK, sk: experiment.id, ...plain(experiment) });
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new ExperimentConflictError(`experiment ${experiment.id} already exists`, { cause: error });
      throw error;
    }
  }

  /**
   * Replaces an experiment if it is still at `expected.revision`; returns the stored next revision.
   * @throws ExperimentConflictError when another writer changed it first
   */
  async update(expected: Experiment, next: Omit<Experiment, 'revision'>): Promise<Experiment> {
    const stored: Experiment = plain({ ...next, revision: expected.revision + 1 });
    try {
      await this.table.putIfRevision({ pk: EXPERIMENTS_PK, sk: expected.id, ...stored }, 'revision', expected.revision);
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        throw new ExperimentConflictError(`experiment ${expected.id} changed concurrently (expected revision ${expected.revision}); read it again`, {
          cause: error,
        });
      }
      throw error;
    }
    return stored;
  }

  /** Id of the model's running experiment according to its pointer, if any. */
  async runningId(model: string): Promise<string | undefined> {
    const item = await this.table.get({ pk: RUNNING_PK, sk: model });
    return typeof item?.experimentId === 'string' ? item.experimentId : undefined;
  }

  /**
   * Takes the model's running-experiment pointer (conditional write).
   * @returns false when another experiment holds it
   */
  async claimRunning(model: string, experimentId: string, at: string): Promise<boolean> {
    try {
      await this.table.putIfAbsent({ pk: RUNNING_PK, sk: model, experimentId, at });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** Releases the pointer when it still names `experimentId` (a newer experiment's pointer is kept). */
  async releaseRunning(model: string, experimentId: string): Promise<void> {
    if ((await this.runningId(model)) === experimentId) await this.table.delete({ pk: RUNNING_PK, sk: model });
  }

  /** Adds one routed batch to an arm's counters of a split epoch. */
  async countRouted(experimentId: string, step: number, arm: 'champion' | 'challenger', flows: number, latencyMs: number): Promise<void> {
    const key = { pk: countsPk(experimentId), sk: stepSk(step) };
    await this.table.add(key, { [`${arm}Flows`]: flows, [`${arm}Requests`]: 1, [`${arm}LatencyMsSum`]: Math.max(0, Math.round(latencyMs)) });
  }

  /** Counters of every split epoch, by step ascending. */
  async counts(experimentId: string): Promise<RoutingCounts[]> {
    const items = await this.table.query({ pk: countsPk(experimentId) });
    return items.map((i) => {
      const n = (k: string): number => (typeof i[k] === 'number' ? (i[k] as number) : 0);
      return {
        step: Number(String(i.sk).slice(5)),
        championFlows: n('championFlows'),
        challengerFlows: n('challengerFlows'),
        championRequests: n('championRequests'),
        challengerRequests: n('challengerRequests'),
        championLatencyMsSum: n('championLatencyMsSum'),
        challengerLatencyMsSum: n('challengerLatencyMsSum'),
      };
    });
  }

  /**
   * Records a results point in the bucket of `bounds.intervalMs` that holds `point.at` (one item per
   * bucket, so at most one point per interval): a new bucket is created with putIfAbsent; a bucket's
   * point is replaced, revision-checked, only by one with at least as much evidence (labelled and
   * routed counts), so a slow writer never puts older figures over newer ones. When a new bucket
   * makes more than `bounds.maxPoints`, the oldest are deleted. Single-item conditional writes only.
   * @returns whether the point was stored
   */
  async recordPoint(experimentId: string, point: ResultsPoint, bounds: HistoryBounds): Promise<boolean> {
    const t = Date.parse(point.at);
    const bucket = new Date(t - (t % bounds.intervalMs)).toISOString();
    const key = { pk: historyPk(experimentId), sk: `AT#${bucket}` };
    const evidence = point.championLabelled + point.challengerLabelled + point.championRouted + point.challengerRouted;
    // each lost race means another writer stored its point; those with less evidence then stand back
    for (let attempt = 0; attempt < 8; attempt++) {
      const stored = await this.table.get(key);
      try {
        if (!stored) {
          await this.table.putIfAbsent({ ...key, ...plain(point), evidence, revision: 1 });
          await this.trimHistory(experimentId, bounds.maxPoints);
          return true;
        }
        const storedEvidence = typeof stored.evidence === 'number' ? stored.evidence : 0;
        if (storedEvidence > evidence || (storedEvidence === evidence && String(stored.at) >= point.at)) return false;
        const revision = typeof stored.revision === 'number' ? stored.revision : 0;
        await this.table.putIfRevision({ ...key, ...plain(point), evidence, revision: revision + 1 }, 'revision', revision);
        return true;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    return false;
  }

  private async trimHistory(experimentId: string, maxPoints: number): Promise<void> {
    const items = await this.table.query({ pk: historyPk(experimentId) });
    for (const old of items.slice(0, Math.max(0, items.length - maxPoints))) await this.table.delete({ pk: old.pk, sk: old.sk });
  }

  /** The results history, oldest first. */
  async history(experimentId: string): Promise<ResultsPoint[]> {
    const items = await this.table.query({ pk: historyPk(experimentId) });
    return items.map(({ pk: _pk, sk: _sk, evidence: _e, revision: _r, ...rest }) => rest as unknown as ResultsPoint);
  }
}
