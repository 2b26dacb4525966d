// Federated run state in the federated table (pk/sk): one item per run (`run#<id>` / `run`), one per
// round (`run#<id>` / `round#0003`) and an index entry per run (`runs` / `<createdAt>#<id>`) for the
// newest-first listing. dynalite has no transactions: every change is a single-item conditional
// write — a round is opened with putIfAbsent, the run and a round change with putIfRevision — so two
// coordinators racing on one run lose loudly instead of overwriting each other.
import { ConditionFailedError, type ItemTable } from '../../ports';
import { FederatedTrainingError } from '../errors';

export type FederatedAlgorithm = 'gbdt' | 'mlp';
export type FederatedRunState = 'queued' | 'running' | 'completed' | 'failed';

/** What a run was asked to do (POST /api/federated/runs). */
export interface FederatedRunRequest {
  readonly model: string;
  readonly dataset: string;
  readonly tenants: readonly string[];
  readonly algorithm: FederatedAlgorithm;
  readonly rounds?: number;
  readonly dp?: { readonly epsilon: number; readonly delta: number };
  /** Fewest participants a round may close with (default: every tenant but one, at least 2). */
  readonly minParticipants?: number;
  readonly seed?: number;
  readonly author?: string;
}

/** A round as the status shows it. */
export interface FederatedRound {
  readonly round: number;
  readonly state: 'open' | 'closed';
  readonly openedAt: string;
  readonly deadline: string;
  readonly closedAt?: string;
  /** Tenants whose updates the round's aggregations included. */
  readonly participants: readonly string[];
  readonly dropouts: readonly string[];
  readonly minParticipants: number;
  readonly revision: number;
}

/** A run as the status shows it. */
export interface FederatedRun {
  readonly runId: string;
  readonly jobId: string;
  readonly request: FederatedRunRequest;
  readonly state: FederatedRunState;
  readonly createdAt: string;
  readonly finishedAt?: string;
  /** Tenants still taking part. */
  readonly participants: readonly string[];
  /** Tenants that missed a deadline, with the step they missed. */
  readonly dropouts: readonly { readonly tenant: string; readonly step: string; readonly at: string }[];
  readonly roundsCompleted: number;
  /** ε spent so far (DP runs); null without DP. */
  readonly epsilonSpent: number | null;
  readonly version?: number;
  readonly failureReason?: string;
  readonly revision: number;
}

const runKey = (runId: string) => ({ pk: `run#${runId}`, sk: 'run' });
const roundKey = (runId: string, round: number) => ({ pk: `run#${runId}`, sk: `round#${String(round).padStart(4, '0')}` });

/** The federated table's runs and rounds. */
export class FederatedRunStore {
  constructor(private readonly table: ItemTable) {}

  /** Records a new run; ConditionFailedError when the id exists. */
  async create(run: Omit<FederatedRun, 'revision'>): Promise<FederatedRun> {
    const stored: FederatedRun = { ...run, revision: 1 };
    await this.table.putIfAbsent({ ...runKey(run.runId), ...stored });
    await this.table.put({ pk: 'runs', sk: `${run.createdAt}#${run.runId}`, runId: run.runId });
    return stored;
  }

  async get(runId: string): Promise<FederatedRun | undefined> {
    const item = await this.table.get(runKey(runId));
    if (!item) return undefined;
    const { pk: _pk, sk: _sk, ...run } = item;
    return run as unknown as FederatedRun;
  }

  /** Applies `change` to the stored run with optimistic concurrency (retried when another write won). */
  async update(runId: string, change: (run: FederatedRun) => Partial<Omit<FederatedRun, 'runId' | 'revision'>>): Promise<FederatedRun> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const run = await this.get(runId);
      if (!run) throw new FederatedTrainingError(`no federated run ${runId}`);
      const next: FederatedRun = { ...run, ...change(run), revision: run.revision + 1 };
      try {
        await this.table.putIfRevision({ ...runKey(runId), ...next }, 'revision', run.revision);
        return next;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    throw new FederatedTrainingError(`run ${runId} kept changing under this writer; gave up after 10 attempts`);
  }

  /** Opens a round; a round opened twice is refused (ConditionFailedError). */
  async openRound(runId: string, round: Omit<FederatedRound, 'revision' | 'state'>): Promise<FederatedRound> {
    const stored: FederatedRound = { ...round, state: 'open', revision: 1 };
    await this.table.putIfAbsent({ ...roundKey(runId, round.round), ...stored });
    return stored;
  }

  /** Closes an open round with its participants and dropouts; a round closed twice is refused. */
  async closeRound(
    runId: string,
    round: number,
    result: { participants: readonly string[]; dropouts: readonly string[]; closedAt: string },
  ): Promise<FederatedRound> {
    const item = await this.table.get(roundKey(runId, round));
    if (!item) throw new FederatedTrainingError(`run ${runId} has no round ${round}`);
    const open = item as unknown as FederatedRound;
    if (open.state !== 'open') throw new FederatedTrainingError(`round ${round} of run ${runId} is already closed`);
    const closed: FederatedRound = { ...open, ...result, state: 'closed', revision: open.revision + 1 };
    await this.table.putIfRevision({ ...roundKey(runId, round), ...closed }, 'revision', open.revision);
    return closed;
  }

  async rounds(runId: string): Promise<FederatedRound[]> {
    const items = await this.table.query({ pk: `run#${runId}` });
    return items.filter((i) => String(i.sk).startsWith('round#')).map(({ pk: _pk, sk: _sk, ...r }) => r as unknown as FederatedRound);
  }

  /** The newest runs first. */
  async list(limit = 20): Promise<FederatedRun[]> {
    const index = await this.table.query({ pk: 'runs' }, { descending: true, limit });
    const runs = await Promise.all(index.map((i) => this.get(String(i.runId))));
    return runs.filter((r): r is FederatedRun => r !== undefined);
  }
}
