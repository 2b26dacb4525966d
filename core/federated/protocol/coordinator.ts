// The coordinator of a federated run. It holds no tenant data and no handle on any dataset store:
// it talks to each participant (a training job in the tenant's context) only through round objects
// and submissions in the artefacts bucket (wire.ts), keeps the run and round state in the federated
// table (run-store.ts), and sees vectors only as secure-aggregation sums. It drives the same
// trainers the in-process tests use (trainFederatedGbdt / trainFederatedMlp) through RemoteParty
// proxies, so the protocol adds transport, deadlines and dropouts — not a second algorithm.
import type { FeatureSchema, FeatureSpec } from '../../data/table';
import { ECE_BINS, type ClassMetrics } from '../../evaluation';
import type { EventPublisher, ObjectStore } from '../../ports';
import { FederatedTrainingError } from '../errors';
import { FEDERATED_ROUND_CLOSED, FEDERATED_ROUND_OPENED, FEDERATED_UPDATE_SUBMITTED } from '../events';
import type { FeatureValueSet, GbdtParticipantApi, NodeRef, SketchDomain, SplitDecision, TreeLeaves } from '../federated-gbdt';
import type { FeatureRange, LocalUpdateRequest, MlpParticipantApi } from '../federated-mlp';
import { SecureAggregator, type AdvertisedKeys, type EncryptedShares, type MaskedInput, type UnmaskingShares } from '../secure-aggregation';
import type { SecureSum } from '../secure-sum';
import type { BinMapperState } from '../../learners/gbdt/bin-mapper';
import type { RegisteredMetrics } from '../../pipeline/types';
import type { FederatedRunStore } from './run-store';
import { decodeMessage, encodeMessage, roundObjectKey, submissionKey, waitForObject, type RoundMessage, type Submission } from './wire';

/** What a participant says about its data before training: the schema, the labels it holds, its row count. */
export interface ParticipantDescription {
  readonly features: readonly FeatureSpec[];
  readonly labels: readonly string[];
  readonly rows: number;
}

/** A participant answered with an error: the run stops with its reason (not a dropout). */
export class ParticipantRefusedError extends FederatedTrainingError {
  override readonly name: string = 'ParticipantRefusedError';
}

/** How the coordinator reaches its participants and records what happens. */
export interface CoordinatorLink {
  readonly runId: string;
  /** The bucket holding `federated/` (the artefacts bucket). */
  readonly exchange: ObjectStore;
  readonly store: FederatedRunStore;
  readonly events: EventPublisher;
  /** How long a participant has to answer one step before it counts as dropped. */
  readonly stepTimeoutMs: number;
  readonly pollMs?: number;
}

/**
 * The coordinator's handle on one participant: each call is a round object and a submission. A
 * participant that misses a deadline is dropped: from then on its calls answer neutral values (no
 * sketch values, empty ranges, no-ops) and the secure sums leave it out.
 */
export class RemoteParty implements GbdtParticipantApi, MlpParticipantApi {
  private seq = 0;
  dropped = false;

  constructor(
    readonly id: string,
    private readonly link: CoordinatorLink,
    private readonly onDropout: (party: RemoteParty, step: string) => Promise<void>,
  ) {}

  /** Posts one step and waits for the answer; undefined (and dropped) when the deadline passes. */
  async call<T>(method: string, args: unknown = null): Promise<T | undefined> {
    if (this.dropped) return undefined;
    const seq = this.seq++;
    const deadline = Date.now() + this.link.stepTimeoutMs;
    const message: RoundMessage = { seq, method, args, deadline: new Date(deadline).toISOString() };
    await this.link.exchange.put(roundObjectKey(this.link.runId, this.id, seq), encodeMessage(message), { contentType: 'application/json' });
    const body = await waitForObject(this.link.exchange, submissionKey(this.link.runId, this.id, seq), deadline, this.link.pollMs);
    if (!body) {
      this.dropped = true;
      await this.onDropout(this, method);
      return undefined;
    }
    const answer = decodeMessage<Submission>(body);
    if ('error' in answer) throw new ParticipantRefusedError(`participant ${this.id} refused ${method}: ${answer.error}`);
    return answer.result as T;
  }

  /** Asks for a vector the participant keeps for the next secure sum; the coordinator gets only a placeholder. */
  private async hold(method: string, args: unknown): Promise<Float64Array> {
    await this.call(method, args);
    return new Float64Array(0);
  }

  async valueSets(): Promise<FeatureValueSet[]> {
    return (await this.call<FeatureValueSet[]>('valueSets')) ?? [];
  }
  sketchVector(domain: SketchDomain): Promise<Float64Array> {
    return this.hold('sketchVector', { domain });
  }
  async start(mapper: BinMapperState, baseScore: readonly number[]): Promise<void> {
    await this.call('start', { mapper, baseScore });
  }
  async beginRound(round: number): Promise<void> {
    await this.call('beginRound', { round });
  }
  histograms(nodes: readonly NodeRef[]): Promise<Float64Array> {
    return this.hold('histograms', { nodes });
  }
  async applySplits(splits: readonly SplitDecision[]): Promise<void> {
    await this.call('applySplits', { splits });
  }
  async finishTrees(trees: readonly TreeLeaves[]): Promise<void> {
    await this.call('finishTrees', { trees });
  }
  async featureRanges(schema: FeatureSchema): Promise<FeatureRange[]> {
    return (await this.call<FeatureRange[]>('featureRanges', { schema })) ?? schema.features.map(() => ({ lo: Infinity, hi: -Infinity }));
  }
  featureSums(schema: FeatureSchema, scales: readonly number[]): Promise<Float64Array> {
    return this.hold('featureSums', { schema, scales });
  }
  localUpdate(request: LocalUpdateRequest): Promise<Float64Array> {
    return this.hold('localUpdate', { request });
  }
}

/** Secure sums over the parties still taking part; a dropout before masking restarts the aggregation without it. */
export function remoteSecureSum(
  parties: readonly RemoteParty[],
  minParticipants: number,
  link: CoordinatorLink,
  onSum?: (survivors: string[]) => void,
): SecureSum {
  const sum = async (sessionId: string, attempt: number): Promise<Float64Array> => {
    const alive = parties.filter((p) => !p.dropped);
    if (alive.length < minParticipants)
      throw new FederatedTrainingError(
        `only ${alive.length} participant(s) left (${alive.map((p) => p.id).join(', ') || 'none'}), fewer than the minimum ${minParticipants}`,
      );
    const session = attempt === 0 ? sessionId : `${sessionId}#${attempt}`;
    const ids = alive.map((p) => p.id);
    const threshold = Math.floor(ids.length / 2) + 1;
    const advertised = await Promise.all(
      alive.map((p) => p.call<{ keys: AdvertisedKeys; length: number }>('sa.advertise', { sessionId: session, participants: ids, threshold })),
    );
    if (advertised.some((a) => a === undefined)) return sum(sessionId, attempt + 1);
    const lengths = new Set(advertised.map((a) => a!.length));
    if (lengths.size !== 1) throw new FederatedTrainingError(`participants hold vectors of different lengths (${[...lengths].join(', ')}) for ${sessionId}`);
    const aggregator = new SecureAggregator({ sessionId: session, participants: ids, threshold, length: advertised[0]!.length });
    for (const a of advertised) aggregator.receiveKeys(a!.keys);
    const shared = await Promise.all(alive.map((p) => p.call<EncryptedShares[]>('sa.share', { advertised: aggregator.advertisedKeys() })));
    if (shared.some((s) => s === undefined)) return sum(sessionId, attempt + 1);
    alive.forEach((p, i) => aggregator.receiveShares(p.id, shared[i]!));
    // a participant dropping from here on is recovered: the survivors reveal its masking key's shares
    const masked = await Promise.all(alive.map((p) => p.call<MaskedInput>('sa.mask', { shares: aggregator.sharesFor(p.id) })));
    for (const [i, m] of masked.entries()) {
      if (!m) continue;
      aggregator.receiveMaskedInput(m);
      await link.events.publish(FEDERATED_UPDATE_SUBMITTED, { runId: link.runId, tenant: alive[i].id, step: session }).catch(() => undefined);
    }
    const survivors = aggregator.survivors();
    if (survivors.length < Math.max(threshold, minParticipants))
      throw new FederatedTrainingError(
        `${session}: ${survivors.length} participant(s) submitted, fewer than the threshold ${Math.max(threshold, minParticipants)}`,
      );
    const unmasking = await Promise.all(alive.filter((p) => survivors.includes(p.id)).map((p) => p.call<UnmaskingShares>('sa.unmask', { survivors })));
    for (const u of unmasking) if (u) aggregator.receiveUnmaskingShares(u);
    onSum?.(survivors);
    return aggregator.aggregate();
  };
  return (sessionId) => sum(sessionId, 0);
}

/** Opens and closes the run's rounds in the table, with their events. */
export class RoundTracker {
  private open: number | null = null;
  private readonly included = new Set<string>();
  private readonly droppedIn = new Set<string>();
  closed = 0;

  constructor(
    private readonly link: CoordinatorLink,
    private readonly minParticipants: number,
    private readonly roundTimeoutMs: number,
    private readonly parties: readonly RemoteParty[],
  ) {}

  private entering: { round: number; done: Promise<void> } | null = null;

  /** Round `round` begins (the previous one, if open, closes first); every participant's call of one round shares one opening. */
  enter(round: number): Promise<void> {
    if (this.entering?.round !== round) this.entering = { round, done: this.open === round ? Promise.resolve() : this.openRound(round) };
    return this.entering.done;
  }

  private async openRound(round: number): Promise<void> {
    if (this.open !== null) await this.close();
    const now = new Date();
    const participants = this.parties.filter((p) => !p.dropped).map((p) => p.id);
    const deadline = new Date(now.getTime() + this.roundTimeoutMs).toISOString();
    await this.link.store.openRound(this.link.runId, {
      round,
      openedAt: now.toISOString(),
      deadline,
      participants,
      dropouts: [],
      minParticipants: this.minParticipants,
    });
    this.open = round;
    this.included.clear();
    this.droppedIn.clear();
    await this.link.events
      .publish(FEDERATED_ROUND_OPENED, { runId: this.link.runId, round, deadline, minParticipants: this.minParticipants, participants })
      .catch(() => undefined);
  }

  /** A secure sum of the open round included these participants. */
  summed(survivors: readonly string[]): void {
    for (const s of survivors) this.included.add(s);
  }

  dropout(tenant: string): void {
    this.droppedIn.add(tenant);
  }

  async close(): Promise<void> {
    if (this.open === null) return;
    const round = this.open;
    this.open = null;
    const participants = [...this.included].filter((t) => !this.droppedIn.has(t)).sort();
    const dropouts = [...this.droppedIn].sort();
    await this.link.store.closeRound(this.link.runId, round, { participants, dropouts, closedAt: new Date().toISOString() });
    this.closed++;
    await this.link.store.update(this.link.runId, () => ({ roundsCompleted: this.closed }));
    await this.link.events.publish(FEDERATED_ROUND_CLOSED, { runId: this.link.runId, round, participants, dropouts }).catch(() => undefined);
  }
}

/** The agreed schema: every participant must hold the same features (names, kinds) in the same order; categorical vocabularies are united. */
export function agreeOnSchema(descriptions: ReadonlyMap<string, ParticipantDescription>): { schema: FeatureSchema; classes: string[] } {
  const entries = [...descriptions.entries()];
  const [firstId, first] = entries[0];
  for (const [id, d] of entries.slice(1)) {
    const a = first.features.map((f) => `${f.name}:${f.kind}`).join(',');
    const b = d.features.map((f) => `${f.name}:${f.kind}`).join(',');
    if (a !== b) {
      const missing = first.features.filter((f) => !d.features.some((g) => g.name === f.name && g.kind === f.kind)).map((f) => f.name);
      throw new FederatedTrainingError(
        `participant ${id} holds other features than ${firstId}${missing.length ? ` (it lacks ${missing.slice(0, 5).join(', ')})` : ' (another order or kind)'}; tenants must share one schema`,
      );
    }
  }
  // categorical codes: each tenant's ingest has its own vocabulary; the agreed one is their union
  // (the first participant's order, then values others add), and every participant re-codes to it
  const features: FeatureSpec[] = first.features.map((f, j) =>
    f.kind === 'categorical'
      ? {
          ...f,
          vocabulary: [
            ...new Set(
              entries.flatMap(([, d]) => {
                const g = d.features[j];
                return g.kind === 'categorical' ? g.vocabulary : [];
              }),
            ),
          ],
        }
      : f,
  );
  const classes = [...new Set(entries.flatMap(([, d]) => d.labels))].sort();
  if (classes.length < 2) throw new FederatedTrainingError(`the participants hold ${classes.length} class(es) in all; a classifier needs at least 2`);
  return { schema: { features }, classes };
}

/** Length of the evaluation vector: the confusion matrix, the log-loss sum, then ECE bins (count, correct, confidence). */
export const evaluationLength = (k: number): number => k * k + 1 + 3 * ECE_BINS;

/** The registered metrics from a securely summed evaluation vector (held-out rows of every participant). */
export function metricsFromSums(summed: Float64Array, classes: readonly string[]): RegisteredMetrics {
  const k = classes.length;
  const confusion = Array.from({ length: k }, (_, t) => Array.from({ length: k }, (_, p) => Math.round(summed[t * k + p])));
  const rows = confusion.reduce((n, r) => n + r.reduce((a, b) => a + b, 0), 0);
  if (rows === 0) throw new FederatedTrainingError('the participants hold no held-out rows to evaluate on');
  const perClass: Record<string, ClassMetrics> = {};
  let correct = 0;
  let macro = 0;
  let weighted = 0;
  classes.forEach((c, i) => {
    const tp = confusion[i][i];
    const support = confusion[i].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((n, r) => n + r[i], 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[c] = { precision, recall, f1, support };
    correct += tp;
    macro += f1 / k;
    weighted += (f1 * support) / rows;
  });
  let ece = 0;
  const base = k * k + 1;
  for (let b = 0; b < ECE_BINS; b++) {
    const n = summed[base + 3 * b];
    if (n > 0.5) ece += (n / rows) * Math.abs(summed[base + 3 * b + 1] / n - summed[base + 3 * b + 2] / n);
  }
  return { macroF1: macro, weightedF1: weighted, accuracy: correct / rows, rocAucMacro: null, ece, logLoss: summed[k * k] / rows, rows, perClass, confusion };
}
