// Labelled samples from served traffic: a feedback record (`POST /api/ml/feedback`: a prediction id
// and its true label) joined to the flow that was scored (telemetry's sample of the request) becomes
// a labelled row of the lineage's collection dataset — the rows adaptations and retrains learn from,
// used at most once (the lineage's `collection.rowsUsed`).
//
// Each feedback record is harvested at most once: a claim item (HARVEST#<model> / <predictionId>,
// a conditional put) is written before its row is appended, so two harvests never both take it, and
// a crash between claim and append loses that sample rather than using it twice. A record whose
// input telemetry does not hold (the request was not sampled, or its batch was larger than the
// sample bound and this flow was not kept) is waited for a grace period — telemetry may still be on
// its way — and then claimed as skipped, with the reason; so is one whose label or flow the
// collection cannot take.
import type { AuditLog } from '../audit/audit-log';
import { collectIncidents, validateIncidents, MAX_INCIDENTS_PER_BATCH, type Incident } from '../datasets/collector';
import type { IngestStores } from '../datasets/ingest';
import { findManifest } from '../datasets/synthetic/synthesize';
import type { RawRow } from '../onnx/feeds';
import { ConditionFailedError, type ItemTable } from '../ports';
import type { LineageSpec } from '../registry/lineage-spec';
import type { FeedbackRecord } from '../serving/prediction-log';
import { INFERENCE_TTL_ATTRIBUTE } from '../serving/prediction-log';
import type { SampledPrediction } from '../serving/sampled-inputs';

/** How long a feedback record whose input is not (yet) in telemetry waits before it is skipped. */
export const FEEDBACK_INPUT_GRACE_MS = 15 * 60_000;

/** The analyst recorded for rows that came from feedback (the provenance names each prediction id). */
export const FEEDBACK_ANALYST = 'feedback';

export interface FeedbackHarvestDeps {
  /** The inference table: feedback (FB#), request (REQ#) and claim (HARVEST#) items. */
  readonly inference: ItemTable;
  /** The flows telemetry kept for served predictions, by prediction id (core/serving/sampled-inputs). */
  readonly inputs: (model: string, predictions: readonly SampledPrediction[]) => Promise<ReadonlyMap<string, RawRow>>;
  /** Stores what this process still buffers (records, telemetry), so a join right after feedback sees it. */
  readonly flush?: () => Promise<void>;
  readonly datasets: IngestStores;
  readonly specOf: (model: string) => Promise<LineageSpec | undefined>;
  readonly audit: AuditLog;
  readonly clock?: () => Date;
}

/** What one harvest did. */
export interface FeedbackHarvest {
  readonly model: string;
  /** Rows appended to the collection dataset (0 when none were ready). */
  readonly harvested: number;
  /** The collection dataset and the version the rows made, when any were appended. */
  readonly dataset?: string;
  readonly datasetVersion?: number;
  /** Records skipped for good, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
  /** Records still waiting for their input (inside the grace period) or for the next batch. */
  readonly waiting: number;
}

const claimKey = (model: string, predictionId: string) => ({ pk: `HARVEST#${model}`, sk: predictionId });
const requestOf = (predictionId: string) => predictionId.slice(0, predictionId.lastIndexOf(':'));

/** Feedback records of a lineage that no harvest claimed yet, oldest first. */
export async function unharvestedFeedback(inference: ItemTable, model: string): Promise<FeedbackRecord[]> {
  const [feedback, claims] = await Promise.all([inference.query({ pk: `FB#${model}` }), inference.query({ pk: `HARVEST#${model}` })]);
  const claimed = new Set(claims.map((c) => String(c.sk)));
  return (feedback as unknown as FeedbackRecord[]).filter((f) => !claimed.has(f.predictionId)).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/**
 * Joins a lineage's new feedback to its inputs and appends them to its collection dataset.
 * @example const h = await harvestFeedback(deps, 'general'); // { harvested: 120, skipped: {...}, waiting: 3 }
 */
export async function harvestFeedback(deps: FeedbackHarvestDeps, model: string): Promise<FeedbackHarvest | undefined> {
  const spec = await deps.specOf(model);
  if (!spec) return undefined;
  const now = (deps.clock ?? (() => new Date()))();
  const pending = await unharvestedFeedback(deps.inference, model);
  const skipped: Record<string, number> = {};
  if (pending.length === 0) return { model, harvested: 0, skipped, waiting: 0 };

  const batch = pending.slice(0, MAX_INCIDENTS_PER_BATCH);
  await deps.flush?.();
  const requestTimes = new Map<string, string | undefined>();
  for (const f of batch) {
    const requestId = requestOf(f.predictionId);
    if (requestTimes.has(requestId)) continue;
    const item = await deps.inference.get({ pk: `REQ#${requestId}`, sk: 'PRED' });
    requestTimes.set(requestId, typeof item?.createdAt === 'string' ? item.createdAt : undefined);
  }
  const inputs = await deps.inputs(
    model,
    batch.flatMap((f) => {
      const at = requestTimes.get(requestOf(f.predictionId));
      return at ? [{ predictionId: f.predictionId, at }] : [];
    }),
  );

  const features = await collectionFeatures(deps.datasets, spec);
  const ready: { record: FeedbackRecord; incident: Incident }[] = [];
  const skip: { record: FeedbackRecord; reason: string }[] = [];
  let waiting = pending.length - batch.length;
  for (const record of batch) {
    const flow = inputs.get(record.predictionId);
    if (!flow) {
      if (now.getTime() - Date.parse(record.at) < FEEDBACK_INPUT_GRACE_MS) waiting++;
      else
        skip.push({ record, reason: requestTimes.get(requestOf(record.predictionId)) ? 'input not in telemetry (not sampled)' : 'prediction record expired' });
      continue;
    }
    const incident: Incident = {
      features: pickFeatures(flow, features),
      label: record.actual,
      source: `feedback:${record.predictionId}`,
      analyst: FEEDBACK_ANALYST,
      observedAt: record.at,
    };
    const issues = validateIncidents(features, [incident]);
    if (issues.length) {
      skip.push({ record, reason: issues[0].field.endsWith('.label') ? 'label not in the taxonomy' : 'flow does not match the collection schema' });
      continue;
    }
    ready.push({ record, incident });
  }

  // claims first: a sample goes into the collection at most once, whoever harvests concurrently
  const claimed: Incident[] = [];
  const claim = async (record: FeedbackRecord, outcome: string): Promise<boolean> => {
    try {
      await deps.inference.putIfAbsent({
        ...claimKey(model, record.predictionId),
        outcome,
        at: now.toISOString(),
        // kept as long as the feedback record it claims (DynamoDB TTL; locally the sweeper)
        ...(typeof (record as unknown as Record<string, unknown>)[INFERENCE_TTL_ATTRIBUTE] === 'number'
          ? { [INFERENCE_TTL_ATTRIBUTE]: (record as unknown as Record<string, unknown>)[INFERENCE_TTL_ATTRIBUTE] }
          : {}),
      });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  };
  for (const { record, incident } of ready) if (await claim(record, 'harvested')) claimed.push(incident);
  for (const { record, reason } of skip) if (await claim(record, `skipped: ${reason}`)) skipped[reason] = (skipped[reason] ?? 0) + 1;

  let collected: { dataset: string; version: number } | undefined;
  if (claimed.length) {
    const result = await collectIncidents(deps.datasets, {
      dataset: spec.collection.dataset,
      schemaFrom: { name: spec.dataset.name, ...(spec.dataset.versionPolicy === 'pinned' && spec.dataset.version ? { version: spec.dataset.version } : {}) },
      incidents: claimed,
      actor: 'feedback-harvest',
    });
    collected = { dataset: result.dataset, version: result.version };
  }
  if (claimed.length || Object.keys(skipped).length) {
    await deps.audit.append({
      actor: 'feedback-harvest',
      action: 'online.feedback-harvested',
      subject: `model/${model}`,
      reason: `${claimed.length} labelled prediction(s) joined to their inputs${collected ? ` into ${collected.dataset} v${collected.version}` : ''}`,
      parameters: { harvested: claimed.length, skipped, waiting },
      ...(collected ? { dataset: { name: collected.dataset, version: collected.version } } : {}),
    });
  }
  return { model, harvested: claimed.length, ...(collected ? { dataset: collected.dataset, datasetVersion: collected.version } : {}), skipped, waiting };
}

/** The feature schema rows of the lineage's collection take: its latest version's, or the lineage dataset's. */
async function collectionFeatures(datasets: IngestStores, spec: LineageSpec) {
  const collection = await findManifest(datasets, { name: spec.collection.dataset });
  const source =
    collection ??
    (await findManifest(datasets, {
      name: spec.dataset.name,
      ...(spec.dataset.versionPolicy === 'pinned' && spec.dataset.version ? { version: spec.dataset.version } : {}),
    }));
  return source?.schema.features ?? spec.features.map((f) => ({ ...f, vocabulary: [] }));
}

/** The schema's features of a served flow (numbers sent as numeric text read as numbers); other fields dropped. */
function pickFeatures(flow: RawRow, features: readonly { name: string; kind: string }[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of features) {
    if (!Object.prototype.hasOwnProperty.call(flow, f.name)) continue;
    const v = (flow as Record<string, unknown>)[f.name];
    out[f.name] = f.kind === 'numeric' && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}
