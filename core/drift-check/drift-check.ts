// The drift check: compares the inference sample logged since the last check with the production
// version's training reference profile, and the labelled feedback with the model's error rate.
//
// 1. Window: from the previous report's windowEnd (or `since`, or now − defaultWindowMs; never more
//    than maxWindowMs back) to `now`. The telemetry rows in it are read column by column
//    (core/serving/telemetry.ts readTelemetry: date partitions, objects picked by the times in
//    their names, only the schema's feature columns decoded).
// 2. Reference: the production version's `reference` artefact and its `model` document (for the
//    feature schema), both sha256-verified against the registry like serving does.
// 3. Data drift: detectDatasetDrift with core/drift's defaults (PSI 0.2, Jensen-Shannon 0.1,
//    normalised Wasserstein 0.1 on windows ≥ 5,000 rows, KS p ≤ 0.05 / features below, dataset drift
//    when ≥ shareThreshold of features drift — default 0.5, the platform's driftShareThreshold), and
//    prediction drift on the predicted classes of samples served by the production version.
// 4. Performance drift: the production version's feedback, sorted by time, re-fed from the start
//    (i.e. since that version was trained and deployed) through DDM, ADWIN and Page-Hinkley (their
//    usual defaults) on the error indicator. Re-feeding instead of persisting detector state keeps
//    checks stateless and reproducible; a detector counts only when it fires on a record inside this
//    window, so an old detection does not re-alert every hour. Online accuracy is the window's share
//    of correct feedback, checked against accuracyThreshold once minFeedback records arrived.
// The report is stored (table `drift`, key model + windowEnd) and returned with the events to emit.
import { randomUUID } from 'node:crypto';
import { sha256Hex, type BundleRole } from '../artefacts/bundle';
import type { FeatureSchema } from '../data/table';
import { Adwin, Ddm, detectDatasetDrift, PageHinkley, type DatasetDriftOptions, type DriftDetector, type DriftReport, type ReferenceProfile } from '../drift';
import { UnknownResourceError, UnprocessableError } from '../errors';
import type { EventPublisher, Item, ItemTable, ObjectStore } from '../ports';
import type { ModelRegistry, ModelVersion } from '../registry/model-registry';
import { isBenignLabel } from '../serving/model-server';
import type { FeedbackRecord } from '../serving/prediction-log';
import { readTelemetry, telemetryFeatureColumns } from '../serving/telemetry';

/** Defaults of the drift check (see the module header). */
export const DRIFT_CHECK_DEFAULTS = {
  /** Window length of the first check of a model. */
  defaultWindowMs: 3600_000,
  /** The longest window a check scans (a model unchecked for longer starts from now − this). */
  maxWindowMs: 7 * 24 * 3600_000,
  /** Fewer window rows than this: verdict 'insufficient-data', no events. */
  minRows: 30,
  /** Online accuracy below this raises PerformanceDegraded. */
  accuracyThreshold: 0.8,
  /** Window feedback needed before online accuracy is judged. */
  minFeedback: 30,
  /** Labelled window samples of an attack class needed before its recall is judged. */
  minClassFeedback: 20,
} as const;

export interface DriftCheckOptions {
  readonly model: string;
  /** Window start; default the previous report's windowEnd. */
  readonly since?: string;
  readonly now: Date;
  readonly drift?: DatasetDriftOptions;
  readonly defaultWindowMs?: number;
  readonly maxWindowMs?: number;
  readonly minRows?: number;
  readonly accuracyThreshold?: number;
  readonly minFeedback?: number;
  /** An attack class whose recall on the window's labelled feedback falls below this degrades performance (0 = off). */
  readonly recallFloor?: number;
}

export interface DriftCheckDeps {
  readonly telemetry: ObjectStore;
  readonly artefacts: ObjectStore;
  /** The model registry (only alias resolution and version lookup are used). */
  readonly registry: Pick<ModelRegistry, 'resolveAlias' | 'getVersion'>;
  /** The `drift` table. */
  readonly reports: ItemTable;
  /** Feedback records of the model (PredictionLog.feedbackFor(model)). */
  readonly feedback: () => Promise<readonly FeedbackRecord[]>;
}

export interface DetectorVerdict {
  readonly fired: boolean;
  /** 0-based index (in the version's feedback stream) of the detections inside the window. */
  readonly detectionsInWindow: readonly number[];
}

export interface PerformanceReport {
  readonly feedbackTotal: number;
  readonly windowFeedback: number;
  readonly windowCorrect: number;
  readonly onlineAccuracy: number | null;
  readonly accuracyThreshold: number;
  readonly accuracyBelowThreshold: boolean;
  readonly detectors: { readonly ddm: DetectorVerdict; readonly adwin: DetectorVerdict; readonly pageHinkley: DetectorVerdict };
  /** Recall of each attack class on the window's labelled feedback, against the floor. */
  readonly classRecall: Readonly<Record<string, { readonly support: number; readonly recall: number; readonly belowFloor: boolean }>>;
  readonly recallFloor: number;
  /** Attack classes whose recall fell below the floor (with enough feedback to say). */
  readonly classesBelowFloor: readonly string[];
  readonly degraded: boolean;
}

export type DriftVerdict = 'drift' | 'no-drift' | 'insufficient-data';

/** One stored drift-check report (JSON; non-finite numbers stored as null). */
export interface DriftCheckReport {
  readonly reportId: string;
  readonly model: string;
  readonly version: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  /** When the check ran (= windowEnd). */
  readonly checkedAt: string;
  readonly samples: number;
  readonly rows: number;
  readonly verdict: DriftVerdict;
  readonly datasetDrift: boolean;
  readonly predictionDrift: boolean;
  readonly driftShare: number;
  readonly data: DriftReport | null;
  readonly performance: PerformanceReport;
  /** Detail types emitted for this report. */
  readonly events: readonly string[];
}

export interface DriftEvent {
  readonly detailType: 'DriftDetected' | 'PerformanceDegraded';
  readonly detail: Record<string, unknown>;
}

export interface DriftCheckResult {
  readonly report: DriftCheckReport;
  readonly events: readonly DriftEvent[];
}

async function verifiedJson<T>(store: ObjectStore, v: ModelVersion, role: Exclude<BundleRole, 'evaluation' | 'replay'>): Promise<T> {
  const ref = v.artefacts[role];
  const bytes = await store.get(ref.key);
  const actual = sha256Hex(bytes);
  if (actual !== ref.sha256) {
    throw new UnprocessableError(
      `${v.model} v${v.version}: ${role} artefact ${ref.key} is corrupt or was replaced (sha256 ${actual.slice(0, 12)}…, registry says ${ref.sha256.slice(0, 12)}…)`,
    );
  }
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

function runDetector(detector: DriftDetector, errors: Uint8Array, windowFrom: number): DetectorVerdict {
  const hits: number[] = [];
  for (let i = 0; i < errors.length; i++) if (detector.update(errors[i]).driftDetected && i >= windowFrom) hits.push(i);
  return { fired: hits.length > 0, detectionsInWindow: hits };
}

/** Performance drift from the version's feedback (see the module header). */
export function performanceDrift(
  feedback: readonly FeedbackRecord[],
  version: number,
  windowStart: string,
  windowEnd: string,
  accuracyThreshold: number,
  minFeedback: number,
  recallFloor = 0,
  minClassFeedback: number = DRIFT_CHECK_DEFAULTS.minClassFeedback,
): PerformanceReport {
  const stream = feedback.filter((r) => r.version === version && r.at <= windowEnd).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const errors = new Uint8Array(stream.length);
  let windowFrom = stream.length;
  let windowCorrect = 0;
  for (let i = 0; i < stream.length; i++) {
    errors[i] = stream[i].correct ? 0 : 1;
    if (stream[i].at > windowStart) {
      if (windowFrom === stream.length) windowFrom = i;
      if (stream[i].correct) windowCorrect += 1;
    }
  }
  const windowFeedback = stream.length - windowFrom;
  const onlineAccuracy = windowFeedback > 0 ? windowCorrect / windowFeedback : null;
  const accuracyBelowThreshold = onlineAccuracy !== null && windowFeedback >= minFeedback && onlineAccuracy < accuracyThreshold;
  // per attack class: recall on the window's labelled feedback (how many of its flows were caught)
  const perClass = new Map<string, { support: number; correct: number }>();
  for (let i = windowFrom; i < stream.length; i++) {
    if (isBenignLabel(stream[i].actual)) continue;
    const c = perClass.get(stream[i].actual) ?? { support: 0, correct: 0 };
    c.support += 1;
    if (stream[i].correct) c.correct += 1;
    perClass.set(stream[i].actual, c);
  }
  const classRecall: Record<string, { support: number; recall: number; belowFloor: boolean }> = {};
  const classesBelowFloor: string[] = [];
  for (const [label, c] of [...perClass].sort(([a], [b]) => a.localeCompare(b))) {
    const recall = c.correct / c.support;
    const belowFloor = recallFloor > 0 && c.support >= minClassFeedback && recall < recallFloor;
    classRecall[label] = { support: c.support, recall, belowFloor };
    if (belowFloor) classesBelowFloor.push(label);
  }
  const detectors = {
    ddm: runDetector(new Ddm(), errors, windowFrom),
    adwin: runDetector(new Adwin(), errors, windowFrom),
    pageHinkley: runDetector(new PageHinkley({ mode: 'up' }), errors, windowFrom),
  };
  return {
    feedbackTotal: stream.length,
    windowFeedback,
    windowCorrect,
    onlineAccuracy,
    accuracyThreshold,
    accuracyBelowThreshold,
    detectors,
    classRecall,
    recallFloor,
    classesBelowFloor,
    degraded: accuracyBelowThreshold || classesBelowFloor.length > 0 || detectors.ddm.fired || detectors.adwin.fired || detectors.pageHinkley.fired,
  };
}

/** JSON with non-finite numbers as null (DynamoDB stores no NaN). */
function storable<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as T;
}

/**
 * Runs one drift check for a model's production version, stores the report and answers the events
 * to publish (see {@link publishDriftEvents}).
 * @throws UnknownResourceError when the model has no production version
 * @example
 * const { report, events } = await runDriftCheck({ telemetry, artefacts, registry, reports: stores.tables.drift,
 *   feedback: () => log.feedbackFor('general') }, { model: 'general', now: new Date() });
 */
export async function runDriftCheck(deps: DriftCheckDeps, options: DriftCheckOptions): Promise<DriftCheckResult> {
  const { model, now } = options;
  const production = await deps.registry.resolveAlias(model, 'production');
  if (!production) throw new UnknownResourceError(`model ${model} has no production version to check for drift`, { details: { model } });
  const version = await deps.registry.getVersion(model, production.version);
  const [profile, document] = await Promise.all([
    verifiedJson<ReferenceProfile>(deps.artefacts, version, 'reference'),
    verifiedJson<{ schema: FeatureSchema }>(deps.artefacts, version, 'model'),
  ]);

  const windowEnd = now.toISOString();
  const maxWindowMs = options.maxWindowMs ?? DRIFT_CHECK_DEFAULTS.maxWindowMs;
  const [previous] = await deps.reports.query({ model }, { descending: true, limit: 1 });
  let start =
    options.since ??
    (typeof previous?.windowEnd === 'string'
      ? previous.windowEnd
      : new Date(now.getTime() - (options.defaultWindowMs ?? DRIFT_CHECK_DEFAULTS.defaultWindowMs)).toISOString());
  if (now.getTime() - Date.parse(start) > maxWindowMs) start = new Date(now.getTime() - maxWindowMs).toISOString();
  const windowStart = new Date(start).toISOString();

  // Window rows: the schema's columns of the telemetry objects in the window
  const telemetry = await readTelemetry(deps.telemetry, { model, from: windowStart, to: windowEnd, features: document.schema.features.map((f) => f.name) });
  const classIndex = new Map((profile.prediction?.classes ?? []).map((c, i) => [c, i]));
  const predicted = new Float64Array(classIndex.size);
  const requests = new Set<string>();
  for (let i = 0; i < telemetry.rows; i++) {
    requests.add(telemetry.requestId[i]);
    if (telemetry.version[i] !== version.version) continue;
    const c = classIndex.get(telemetry.label[i]);
    if (c !== undefined) predicted[c] += 1;
  }
  const samples = requests.size;
  const rows = { length: telemetry.rows };

  const minRows = options.minRows ?? DRIFT_CHECK_DEFAULTS.minRows;
  let data: DriftReport | null = null;
  if (rows.length >= minRows) {
    const window = telemetryFeatureColumns(document.schema, telemetry);
    const hasPredictions = predicted.some((n) => n > 0);
    data = detectDatasetDrift(profile, window, { ...options.drift, ...(hasPredictions ? { predictedClassCounts: predicted } : {}) });
  }
  const performance = performanceDrift(
    await deps.feedback(),
    version.version,
    windowStart,
    windowEnd,
    options.accuracyThreshold ?? DRIFT_CHECK_DEFAULTS.accuracyThreshold,
    options.minFeedback ?? DRIFT_CHECK_DEFAULTS.minFeedback,
    options.recallFloor ?? 0,
  );

  const datasetDrift = data?.datasetDrift ?? false;
  const predictionDrift = data?.prediction?.drifted ?? false;
  const reportId = `drift-${randomUUID().slice(0, 13)}`;
  const events: DriftEvent[] = [];
  if (datasetDrift || predictionDrift) {
    events.push({
      detailType: 'DriftDetected',
      detail: { model, windowStart, windowEnd, reportId, driftShare: data?.driftShare ?? 0, predictionDrift, version: version.version },
    });
  }
  if (performance.degraded) {
    const fired = Object.entries(performance.detectors)
      .filter(([, d]) => d.fired)
      .map(([name]) => name);
    events.push({
      detailType: 'PerformanceDegraded',
      detail: {
        model,
        windowEnd,
        reportId,
        onlineAccuracy: performance.onlineAccuracy,
        detectors: [
          ...fired,
          ...(performance.accuracyBelowThreshold ? ['online-accuracy'] : []),
          ...performance.classesBelowFloor.map((c) => `recall-floor:${c}`),
        ],
        version: version.version,
      },
    });
  }
  const report: DriftCheckReport = storable({
    reportId,
    model,
    version: version.version,
    windowStart,
    windowEnd,
    checkedAt: windowEnd,
    samples,
    rows: rows.length,
    verdict: data === null ? 'insufficient-data' : datasetDrift || predictionDrift ? 'drift' : 'no-drift',
    datasetDrift,
    predictionDrift,
    driftShare: data?.driftShare ?? 0,
    data,
    performance,
    events: events.map((e) => e.detailType),
  });
  await deps.reports.put(report as unknown as Item);
  return { report, events };
}

/** Publishes a check's events (each detail carries what the retrain launcher's schema needs). */
export async function publishDriftEvents(publisher: EventPublisher, result: DriftCheckResult): Promise<void> {
  for (const e of result.events) await publisher.publish(e.detailType, e.detail);
}

/** One feature's drift over the checks of {@link DriftStatus.features} (oldest first). */
export interface FeatureDriftSeries {
  readonly name: string;
  /** The test each check used (the last check's). */
  readonly method: string;
  /** The test's score per check; null where a check had too few rows or lacked the feature. */
  readonly scores: readonly (number | null)[];
  /** The test's threshold per check (null as for `scores`). */
  readonly thresholds: readonly (number | null)[];
  /** Whether the feature drifted per check (null as for `scores`). */
  readonly drifted: readonly (boolean | null)[];
  /** PSI per check (null as for `scores`): one scale across features, for comparing them. */
  readonly psi: readonly (number | null)[];
  /** How many of the checks found it drifted. */
  readonly driftedChecks: number;
}

export interface DriftStatus {
  readonly model: string;
  readonly latest: DriftCheckReport | null;
  /** Newest first, without the per-feature details (see `latest` and `features` for those). */
  readonly history: readonly Omit<DriftCheckReport, 'data'>[];
  /**
   * Per-feature drift over the same checks, oldest first: `checkedAt[i]` is check i, and each
   * feature's arrays have one entry per check. Bounded by the schema's feature count × `limit`.
   */
  readonly features: { readonly checkedAt: readonly string[]; readonly series: readonly FeatureDriftSeries[] };
}

/** Per-feature series of reports given newest first (see {@link DriftStatus.features}). */
export function featureDriftSeries(newestFirst: readonly DriftCheckReport[]): DriftStatus['features'] {
  const reports = [...newestFirst].reverse();
  const byName = new Map<
    string,
    { method: string; scores: (number | null)[]; thresholds: (number | null)[]; drifted: (boolean | null)[]; psi: (number | null)[] }
  >();
  const order: string[] = [];
  reports.forEach((r, i) => {
    for (const f of r.data?.features ?? []) {
      let s = byName.get(f.name);
      if (!s) {
        const empty = () => new Array<null>(reports.length).fill(null);
        s = { method: f.method, scores: empty(), thresholds: empty(), drifted: empty(), psi: empty() };
        byName.set(f.name, s);
        order.push(f.name);
      }
      s.method = f.method;
      s.scores[i] = typeof f.score === 'number' ? f.score : null;
      s.thresholds[i] = typeof f.threshold === 'number' ? f.threshold : null;
      s.drifted[i] = typeof f.drifted === 'boolean' ? f.drifted : null;
      s.psi[i] = typeof f.psi === 'number' ? f.psi : null;
    }
  });
  return {
    checkedAt: reports.map((r) => r.checkedAt),
    series: order.map((name) => {
      const s = byName.get(name)!;
      return { name, ...s, driftedChecks: s.drifted.filter((d) => d === true).length };
    }),
  };
}

/**
 * The latest report, the history of a model and each feature's drift over that history (for
 * GET /api/ml/drift/status). Each stored report keeps every feature's statistic and flag
 * (`data.features`, one entry per schema feature), so the series need no extra writes.
 * @example const status = await driftStatus(stores.tables.drift, 'general');
 */
export async function driftStatus(reports: ItemTable, model: string, limit = 50): Promise<DriftStatus> {
  const items = (await reports.query({ model }, { descending: true, limit })) as unknown as DriftCheckReport[];
  return { model, latest: items[0] ?? null, history: items.map(({ data: _data, ...rest }) => rest), features: featureDriftSeries(items) };
}
