// An ensemble job end to end: the members' documents (sha256-verified from their bundles) → the
// compatibility check → their shared held-out rows split in two (seeded, stratified, duplicates on
// one side): the weights and thresholds are found on one half, the other half is the candidate's
// evaluation set, which the gate compares it with production on → one model.onnx, explanations,
// summary → every file stored under its content-addressed key → the candidate registered LAST
// with trainingKind 'ensemble'. Members must share their held-out rows (the same `evaluation`
// file: the same dataset version, seed and split), so no member has trained on the rows that
// weigh it.
import { sha256Hex, type ArtefactRef, type BundleRefs, type BundleRole } from '../artefacts/bundle';
import { takeLabels, takeRows, type FeatureMatrix, type LabelledData } from '../data/table';
import { evaluate, predictWithThresholds } from '../evaluation';
import { stratifiedGroupSplit } from '../evaluation/split';
import { ENSEMBLE_FAMILY, modelFamily } from '../families';
import type { ModelDocument } from '../learners/learner';
import { alignFeatures, loadDataset, loadManifest, loadModelDocument, registeredMetrics, type ClassSpace, type TrainingJobDeps } from '../pipeline';
import { decodeEvaluationSet, encodeEvaluationSet } from '../pipeline/evaluation-set';
import { storeBundle } from '../pipeline/train-job';
import type { RegisteredMetrics } from '../pipeline/types';
import { checkMemberCompatibility, memberId } from './compatibility';
import { EnsembleInputError, EnsembleMemberMismatchError } from './errors';
import { extraMemberRecipes, trainExtraMembers } from './extra-members';
import { ENSEMBLE_FORMAT, ENSEMBLE_FORMAT_VERSION, type EnsembleModelDocument } from './model-document';
import { mixProbabilities, optimiseEnsemble, type EnsembleMethod, type EnsembleOptimisation } from './optimize';

/** The trainingKind of a registered ensemble version. */
export const ENSEMBLE_KIND = 'ensemble';

/** A member version as the registry holds it. */
export interface EnsembleMemberVersion {
  readonly model: string;
  readonly version: number;
  readonly algorithm: string;
  readonly artefacts: BundleRefs;
  readonly dataset: { readonly name: string; readonly version: number; readonly sha256: string };
  readonly classSpace?: ClassSpace;
  /** The seed it was trained with (its split); extra members reuse the first member's. */
  readonly seed?: number;
}

export interface EnsembleJobRequest {
  /** The lineage that receives the candidate. */
  readonly model: string;
  readonly members: readonly EnsembleMemberVersion[];
  /** Methods tried besides the best member. Default both. */
  readonly methods?: readonly EnsembleMethod[];
  readonly seed: number;
  readonly author: string;
  readonly trainingJobId?: string;
  /** Extra members to train on the first member's dataset version and split (extra-members.ts), 1..MAX_EXTRA_MEMBERS. */
  readonly extraMembers?: number;
}

/** One member in the result: who, its weight, and its figures on the gate half. */
export interface EnsembleJobMember {
  readonly model: string;
  /** 0 for an extra member (trained by this job, not registered). */
  readonly version: number;
  readonly weight: number;
  readonly metrics: { readonly macroF1: number; readonly accuracy: number; readonly logLoss: number };
}

export interface EnsembleJobResult {
  readonly model: string;
  readonly version: number;
  readonly members: readonly EnsembleJobMember[];
  /** The ensemble's figures on the gate half (under its thresholds). */
  readonly metrics: RegisteredMetrics;
  readonly bestMember: EnsembleJobMember;
  readonly method: EnsembleOptimisation['chosen']['name'];
  readonly artefacts: BundleRefs;
  readonly summary: Readonly<Record<string, unknown>>;
}

/** Share of the shared held-out rows the weights are found on; the rest is the candidate's evaluation set. */
export const OPTIMISATION_SHARE = 0.5;

async function verifiedBytes(deps: TrainingJobDeps, ref: ArtefactRef, what: string): Promise<Uint8Array> {
  const bytes = await deps.artefactsBucket.get(ref.key);
  if (sha256Hex(bytes) !== ref.sha256) throw new EnsembleInputError(`${what} ${ref.key} is corrupt or was replaced`);
  return bytes;
}

function classIndexOf(labels: readonly string[], classes: readonly string[]): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  return Int32Array.from(labels, (l) => {
    const c = index.get(l);
    if (c === undefined) throw new EnsembleInputError(`held-out label "${l}" is not one of the members' classes (${classes.join(', ')})`);
    return c;
  });
}

/**
 * Optimises an ensemble of registered versions and registers it as a candidate (last).
 * @throws EnsembleMemberMismatchError (409) when the members read other features, answer in another class space, or were tested on other rows
 * @throws EnsembleInputError (400) when a member is an ensemble, has no held-out rows, or is listed twice
 * @example await runEnsembleJob(deps, { model: 'ids', members: [gbdtV1, mlpV2], seed: 42, author: 'alice' });
 */
export async function runEnsembleJob(deps: TrainingJobDeps, request: EnsembleJobRequest): Promise<EnsembleJobResult> {
  const { members } = request;
  if (members.length === 0) throw new EnsembleInputError('an ensemble needs at least one member', { details: [{ field: 'members', message: 'empty' }] });
  for (const m of members) {
    if (m.algorithm === ENSEMBLE_FORMAT) throw new EnsembleInputError(`member ${memberId(m)} is itself an ensemble; list its members instead`);
    if (!m.artefacts.evaluation)
      throw new EnsembleInputError(`member ${memberId(m)} was registered without held-out rows (trained before the gate's evaluation set); retrain it once`);
  }
  const documents: ModelDocument[] = [];
  for (const m of members) documents.push(await loadModelDocument(deps.artefactsBucket, m.artefacts.model));
  const { schema, classes } = checkMemberCompatibility(
    members.map((m, i) => ({ model: m.model, version: m.version, schema: documents[i].schema, classes: documents[i].classes })),
  );
  const [first] = members;
  const heldOutSha = first.artefacts.evaluation!.sha256;
  for (const m of members.slice(1))
    if (m.artefacts.evaluation!.sha256 !== heldOutSha)
      throw new EnsembleMemberMismatchError(
        `member ${memberId(m)} was tested on other held-out rows than ${memberId(first)} (another dataset version, seed or split), so one may have trained on the rows that would weigh the other; ensemble versions trained on the same split`,
        'held-out-rows',
        memberId(m),
      );

  // extra members: trained here on the first member's dataset version and split (checked against its held-out rows)
  const combined: { readonly model: string; readonly version: number; readonly algorithm: string }[] = [...members];
  const extraRecipes: Record<string, unknown>[] = [];
  if (request.extraMembers !== undefined) {
    const recipes = extraMemberRecipes(first.algorithm, request.extraMembers);
    const manifest = await loadManifest(deps.datasetsTable, first.dataset.name, first.dataset.version);
    const { data } = await loadDataset(manifest, deps.datasetsBucket, first.classSpace ?? 'fine');
    const extras = trainExtraMembers(data, recipes, {
      splitSeed: first.seed ?? request.seed,
      heldOutSha256: heldOutSha,
      ...(deps.codeVersion ? { codeVersion: deps.codeVersion } : {}),
    });
    for (const extra of extras) {
      checkMemberCompatibility([
        { model: first.model, version: first.version, schema, classes },
        { model: extra.model, version: extra.version, schema: extra.document.schema, classes: extra.document.classes },
      ]);
      combined.push({ model: extra.model, version: extra.version, algorithm: extra.algorithm });
      documents.push(extra.document);
      extraRecipes.push({ member: memberId(extra), ...extra.recipe });
    }
  }

  // the shared held-out rows, split: weights on one half, the gate on the other
  const heldOut = await decodeEvaluationSet(await verifiedBytes(deps, first.artefacts.evaluation!, 'the held-out rows'));
  const X = alignFeatures(schema, heldOut.schema, heldOut.X).X;
  const y = classIndexOf(heldOut.labels, classes);
  const halves = stratifiedGroupSplit(X, y, { testFraction: 1 - OPTIMISATION_SHARE, seed: request.seed });
  if (halves.train.length === 0 || halves.test.length === 0) throw new EnsembleInputError(`too few held-out rows (${y.length}) to optimise an ensemble`);
  const XOpt = takeRows(X, halves.train);
  const yOpt = takeLabels(y, halves.train);
  const XGate = takeRows(X, halves.test);
  const yGate = takeLabels(y, halves.test);
  const predict = (doc: ModelDocument, M: FeatureMatrix): Float64Array => modelFamily(doc.format).predictProba(doc, M);
  const opt = optimiseEnsemble(
    documents.map((d) => predict(d, XOpt)),
    yOpt,
    classes,
    request.methods ? { methods: request.methods } : {},
  );

  const document: EnsembleModelDocument = {
    format: ENSEMBLE_FORMAT,
    formatVersion: ENSEMBLE_FORMAT_VERSION,
    schema,
    classes,
    method: opt.chosen.name,
    members: combined
      .map((m, i) => ({ model: m.model, version: m.version, algorithm: m.algorithm, weight: opt.chosen.weights[i], document: documents[i] }))
      .filter((m) => m.weight > 0),
  };
  const gateProbas = documents.map((d) => predict(d, XGate));
  const figures = (proba: Float64Array, thresholds: readonly number[]) =>
    evaluate(yGate, proba, classes, { predicted: predictWithThresholds(proba, thresholds) });
  const report = figures(mixProbabilities(gateProbas, opt.chosen.weights), opt.chosen.thresholds);
  const memberResults: EnsembleJobMember[] = combined.map((m, i) => {
    const r = figures(gateProbas[i], opt.memberThresholds[i]);
    return { model: m.model, version: m.version, weight: opt.chosen.weights[i], metrics: { macroF1: r.macroF1, accuracy: r.accuracy, logLoss: r.logLoss } };
  });
  const best = memberResults[opt.bestMember];
  const metrics = registeredMetrics(report);
  const classSpace = first.classSpace ?? 'fine';
  const summary = {
    model: request.model,
    trainingKind: ENSEMBLE_KIND,
    algorithm: ENSEMBLE_FORMAT,
    classes,
    classSpace,
    seed: request.seed,
    author: request.author,
    method: opt.chosen.name,
    members: memberResults.map((m, i) => ({ ...m, algorithm: combined[i].algorithm })),
    bestMember: best,
    metrics,
    thresholds: Object.fromEntries(classes.map((c, k) => [c, opt.chosen.thresholds[k]])),
    rows: { optimisation: yOpt.length, evaluation: yGate.length },
    candidates: opt.candidates.map((c) => ({ name: c.name, weights: c.weights, validation: c.validation })),
    ...(extraRecipes.length ? { extraMembers: extraRecipes } : {}),
  };
  const gateSet: LabelledData = { schema, X, y, classes };
  const files: Partial<Record<BundleRole, Uint8Array | string>> = {
    onnx: ENSEMBLE_FAMILY.exportOnnx(document, { ...deps.onnx }),
    model: JSON.stringify(document),
    summary: JSON.stringify(summary, null, 2),
    explanations: JSON.stringify(ENSEMBLE_FAMILY.explanations(document, XGate, { seed: request.seed }), null, 2),
    // the members' training data is the ensemble's: their drift reference and replay rows serve it
    reference: await verifiedBytes(deps, first.artefacts.reference, "the first member's drift reference"),
    evaluation: encodeEvaluationSet(gateSet, halves.test),
    ...(first.artefacts.replay ? { replay: await verifiedBytes(deps, first.artefacts.replay, "the first member's replay rows") } : {}),
  };
  const artefacts = await storeBundle(deps, request.model, files);
  const { version } = await deps.register({
    model: request.model,
    algorithm: 'ensemble',
    artefacts,
    dataset: first.dataset,
    metrics: { ...metrics, ensemble: { method: opt.chosen.name, members: memberResults, bestMember: best } },
    classes: [...classes],
    hyperparameters: { method: opt.chosen.name, members: document.members.map((m) => `${memberId(m)}:${m.weight.toFixed(6)}`).join(',') },
    classSpace,
    features: schema.features.map((f) => ({ name: f.name, kind: f.kind })),
    seed: request.seed,
    trainingKind: ENSEMBLE_KIND,
    author: request.author,
    ...(request.trainingJobId !== undefined ? { trainingJobId: request.trainingJobId } : {}),
  });
  return { model: request.model, version, members: memberResults, metrics, bestMember: best, method: opt.chosen.name, artefacts, summary };
}
