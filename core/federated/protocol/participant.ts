// A tenant's side of the round protocol: it answers the coordinator's round objects with
// submissions, step by step, over its own rows. Vectors to be summed (sketch counts, histograms,
// feature sums, model updates, evaluation counts) never leave it in plain: it keeps each one and
// submits it only masked, in the secure aggregation that follows. What it does publish in plain is
// listed in docs/federated.md (its schema, the labels it holds, its row count, the GBDT sketch's
// value sets, the MLP's feature ranges).
import { takeLabels, takeRows, type FeatureMatrix, type FeatureSchema, type FeatureSpec, type LabelledData } from '../../data/table';
import { ECE_BINS, stratifiedGroupSplit } from '../../evaluation';
import { modelFamily } from '../../families';
import type { ModelDocument } from '../../learners/learner';
import type { ObjectStore } from '../../ports';
import { FederatedTrainingError } from '../errors';
import { GbdtParticipant } from '../federated-gbdt';
import { MlpParticipant } from '../federated-mlp';
import { systemRandomBytes } from '../random-bytes';
import { SecureAggregationParticipant } from '../secure-aggregation';
import type { RandomBytes } from '../shamir';
import { evaluationLength, type ParticipantDescription } from './coordinator';
import { decodeMessage, encodeMessage, roundObjectKey, submissionKey, waitForObject, type RoundMessage, type Submission } from './wire';

/** Share of a participant's rows it holds out to evaluate the federated model on. */
export const PARTICIPANT_HELD_OUT_SHARE = 0.3;

export interface ParticipantOptions {
  readonly runId: string;
  readonly tenant: string;
  /** The bucket holding `federated/` (the artefacts bucket). */
  readonly exchange: ObjectStore;
  readonly seed: number;
  /** How long to wait for the coordinator's next step before giving up. @default 10 min */
  readonly idleTimeoutMs?: number;
  readonly pollMs?: number;
  readonly random?: RandomBytes;
  readonly log?: (line: string) => void;
}

/** What a participant did in a run. */
export interface ParticipantResult {
  readonly steps: number;
  readonly finished: boolean;
  /** Bytes this participant submitted. */
  readonly bytesSent: number;
}

/**
 * Serves the coordinator's steps until it says finish (or abort).
 * @example await serveParticipant(tenantData, { runId, tenant: 'acme', exchange: artefacts, seed: 42 });
 */
export async function serveParticipant(data: LabelledData, options: ParticipantOptions): Promise<ParticipantResult> {
  const { runId, tenant, exchange } = options;
  const split = stratifiedGroupSplit(data.X, data.y, { testFraction: PARTICIPANT_HELD_OUT_SHARE, seed: options.seed });
  let Xtrain = takeRows(data.X, split.train);
  let Xtest = takeRows(data.X, split.test);
  let ytrain: Int32Array | null = null;
  let ytest: Int32Array | null = null;
  let party: GbdtParticipant | MlpParticipant | null = null;
  let pending: Float64Array | null = null;
  let aggregation: SecureAggregationParticipant | null = null;
  let bytesSent = 0;
  const counts = new Map<number, number>();
  for (const c of data.y) counts.set(c, (counts.get(c) ?? 0) + 1);

  const gbdt = (): GbdtParticipant => {
    if (!(party instanceof GbdtParticipant)) throw new FederatedTrainingError(`${tenant}: not prepared for a GBDT run`);
    return party;
  };
  const mlp = (): MlpParticipant => {
    if (!(party instanceof MlpParticipant)) throw new FederatedTrainingError(`${tenant}: not prepared for an MLP run`);
    return party;
  };
  const hold = (vector: Float64Array): { length: number } => {
    pending = vector;
    return { length: vector.length };
  };
  const held = (): Float64Array => {
    if (!pending) throw new FederatedTrainingError(`${tenant}: no vector is waiting for aggregation`);
    return pending;
  };

  const steps: Record<string, (args: Record<string, unknown>) => unknown> = {
    describe: (): ParticipantDescription => ({
      features: data.schema.features,
      labels: data.classes.filter((_, c) => (counts.get(c) ?? 0) > 0),
      rows: data.y.length,
    }),
    prepare: (args) => {
      const classes = args.classes as string[];
      const agreed = (args.schema as FeatureSchema | undefined)?.features;
      if (agreed) {
        Xtrain = recode(Xtrain, data.schema.features, agreed, tenant);
        Xtest = recode(Xtest, data.schema.features, agreed, tenant);
      }
      const index = new Map(classes.map((c, i) => [c, i]));
      const remap = (y: Int32Array): Int32Array =>
        Int32Array.from(y, (c) => {
          const to = index.get(data.classes[c]);
          if (to === undefined) throw new FederatedTrainingError(`${tenant}: label ${data.classes[c]} is not among the agreed classes`);
          return to;
        });
      ytrain = remap(takeLabels(data.y, split.train));
      ytest = remap(takeLabels(data.y, split.test));
      party =
        args.algorithm === 'gbdt' ? new GbdtParticipant(tenant, Xtrain, ytrain, classes.length) : new MlpParticipant(tenant, Xtrain, ytrain, options.seed);
      return { trainRows: ytrain.length, heldOutRows: ytest.length };
    },
    valueSets: () => gbdt().valueSets(),
    sketchVector: (a) => hold(gbdt().sketchVector(a.domain as Parameters<GbdtParticipant['sketchVector']>[0])),
    start: (a) => gbdt().start(a.mapper as Parameters<GbdtParticipant['start']>[0], a.baseScore as number[]),
    beginRound: (a) => gbdt().beginRound(a.round as number),
    histograms: (a) => hold(gbdt().histograms(a.nodes as Parameters<GbdtParticipant['histograms']>[0])),
    applySplits: (a) => gbdt().applySplits(a.splits as Parameters<GbdtParticipant['applySplits']>[0]),
    finishTrees: (a) => gbdt().finishTrees(a.trees as Parameters<GbdtParticipant['finishTrees']>[0]),
    featureRanges: (a) => mlp().featureRanges(a.schema as Parameters<MlpParticipant['featureRanges']>[0]),
    featureSums: (a) => hold(mlp().featureSums(a.schema as Parameters<MlpParticipant['featureSums']>[0], a.scales as number[])),
    localUpdate: (a) => hold(mlp().localUpdate(a.request as Parameters<MlpParticipant['localUpdate']>[0])),
    evaluate: (a) => {
      if (!ytest) throw new FederatedTrainingError(`${tenant}: not prepared`);
      return hold(evaluationVector(a.document as ModelDocument, Xtest, ytest));
    },
    'sa.advertise': (a) => {
      const vector = held();
      aggregation = new SecureAggregationParticipant(
        tenant,
        { sessionId: a.sessionId as string, participants: a.participants as string[], threshold: a.threshold as number, length: vector.length },
        options.random ?? systemRandomBytes,
      );
      return { keys: aggregation.advertise(), length: vector.length };
    },
    'sa.share': (a) => sa().shareKeys(a.advertised as Parameters<SecureAggregationParticipant['shareKeys']>[0]),
    'sa.mask': (a) => sa().maskInput(held(), a.shares as Parameters<SecureAggregationParticipant['maskInput']>[1]),
    'sa.unmask': (a) => sa().unmask(a.survivors as string[]),
    finish: () => ({}),
    abort: () => ({}),
  };
  const sa = (): SecureAggregationParticipant => {
    if (!aggregation) throw new FederatedTrainingError(`${tenant}: no aggregation is open`);
    return aggregation;
  };

  const idle = options.idleTimeoutMs ?? 600_000;
  for (let seq = 0; ; seq++) {
    const body = await waitForObject(exchange, roundObjectKey(runId, tenant, seq), Date.now() + idle, options.pollMs);
    if (!body) throw new FederatedTrainingError(`${tenant}: the coordinator of run ${runId} sent no step ${seq} within ${Math.round(idle / 1000)} s`);
    const message = decodeMessage<RoundMessage>(body);
    const step = steps[message.method];
    let answer: Submission;
    try {
      if (!step) throw new FederatedTrainingError(`unknown step "${message.method}"`);
      answer = { seq, result: (await step((message.args ?? {}) as Record<string, unknown>)) ?? null };
    } catch (error) {
      answer = { seq, error: (error as Error).message };
    }
    const encoded = encodeMessage(answer);
    bytesSent += Buffer.byteLength(encoded);
    // an answer after the deadline is not read: the coordinator has counted this participant as dropped
    await exchange.put(submissionKey(runId, tenant, seq), encoded, { contentType: 'application/json' });
    if (message.method === 'finish' || message.method === 'abort') return { steps: seq + 1, finished: message.method === 'finish', bytesSent };
    if ('error' in answer) options.log?.(`${tenant}: step ${seq} (${message.method}) refused: ${answer.error}`);
  }
}

/** Re-codes categorical columns from this participant's vocabularies to the agreed ones (unknown values become −1). */
function recode(X: FeatureMatrix, own: readonly FeatureSpec[], agreed: readonly FeatureSpec[], tenant: string): FeatureMatrix {
  if (own.length !== agreed.length) throw new FederatedTrainingError(`${tenant}: the agreed schema has ${agreed.length} features, this data ${own.length}`);
  const data = Float64Array.from(X.data);
  own.forEach((f, j) => {
    const g = agreed[j];
    if (f.kind !== 'categorical' || g.kind !== 'categorical') return;
    const to = new Map(g.vocabulary.map((v, c) => [v, c]));
    const map = f.vocabulary.map((v) => to.get(v) ?? -1);
    for (let i = 0; i < X.rows; i++) {
      const p = i * X.cols + j;
      const code = data[p];
      if (code >= 0 && code < map.length) data[p] = map[code];
    }
  });
  return { rows: X.rows, cols: X.cols, data };
}

/** A participant's evaluation counts on its held-out rows: confusion matrix, log-loss sum, ECE bins. */
export function evaluationVector(document: ModelDocument, X: FeatureMatrix, y: Int32Array): Float64Array {
  const k = document.classes.length;
  const proba = modelFamily(document.format).predictProba(document, X);
  const out = new Float64Array(evaluationLength(k));
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + best]) best = c;
    out[y[i] * k + best]++;
    out[k * k] += -Math.log(Math.max(proba[i * k + y[i]], 1e-15));
    const confidence = proba[i * k + best];
    const b = Math.min(Math.floor(confidence * ECE_BINS), ECE_BINS - 1);
    const at = k * k + 1 + 3 * b;
    out[at]++;
    if (best === y[i]) out[at + 1]++;
    out[at + 2] += confidence;
  }
  return out;
}
