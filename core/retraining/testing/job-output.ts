// Test support: a real, registrable training-job output built in memory — a seeded GBDT on the
// learners' synthetic 3-class conformance data, exported to ONNX, evaluated on held-out rows, with
// its drift reference profile — laid out as the training container writes /opt/ml/model/
// (bundle files under content-addressed keys plus registration.json).
import { artefactKey, BUNDLE_FILES, sha256Hex, type ArtefactRef, type BundleRole } from '../../artefacts/bundle';
import { takeRows } from '../../data/table';
import { buildReferenceProfile } from '../../drift';
import { evaluate } from '../../evaluation/metrics';
import { conformanceData } from '../../learners/conformance';
import { GbdtLearner } from '../../learners/gbdt';
import { exportGbdtToOnnx } from '../../onnx';
import { encodeEvaluationSet } from '../../pipeline/evaluation-set';
import { registeredMetrics } from '../../pipeline/train-job';
import { REGISTRATION_FILE } from '../backend';

export interface TestJobOutput {
  readonly files: Map<string, Uint8Array>;
  readonly registration: Record<string, unknown>;
  readonly featureNames: readonly string[];
  readonly classes: readonly string[];
}

/** Builds a job output for `model`; `rounds` and `seed` change the model (and every sha256). */
export function buildTestJobOutput(model: string, options: { seed?: number; rounds?: number; jobId?: string } = {}): TestJobOutput {
  const seed = options.seed ?? 7;
  const d = conformanceData(seed, 900);
  const train = Int32Array.from({ length: 600 }, (_, i) => i);
  const test = Int32Array.from({ length: 300 }, (_, i) => 600 + i);
  const XTrain = takeRows(d.X, train);
  const XTest = takeRows(d.X, test);
  const learner = new GbdtLearner({ seed, nRounds: options.rounds ?? 20, maxDepth: 3 });
  learner.fit(XTrain, d.y.subarray(0, 600), { schema: d.schema, classes: d.classes });
  const document = learner.toJSON();
  const report = evaluate(d.y.subarray(600), learner.predictProba(XTest), d.classes);
  const predicted = learner.predict(XTrain);
  const counts = new Float64Array(d.classes.length);
  for (let i = 0; i < predicted.length; i++) counts[predicted[i]] += 1;
  const profile = buildReferenceProfile(d.schema, XTrain, counts, d.classes, { seed });
  const bodies: Partial<Record<BundleRole, Uint8Array | string>> = {
    onnx: exportGbdtToOnnx(document as Parameters<typeof exportGbdtToOnnx>[0]),
    model: JSON.stringify(document),
    summary: JSON.stringify({ model, classes: d.classes }),
    reference: JSON.stringify(profile),
    explanations: JSON.stringify({ features: [] }),
    evaluation: encodeEvaluationSet(d, test),
  };
  const files = new Map<string, Uint8Array>();
  const artefacts: Record<string, ArtefactRef> = {};
  for (const role of Object.keys(BUNDLE_FILES) as BundleRole[]) {
    const raw = bodies[role];
    if (raw === undefined) continue; // an optional role this job leaves out
    const body = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const sha256 = sha256Hex(body);
    const key = artefactKey(model, role, sha256);
    files.set(key, body);
    artefacts[role] = { key, sha256, bytes: body.length };
  }
  const registration = {
    model,
    algorithm: 'gbdt',
    artefacts,
    dataset: { name: 'conformance', version: 1, sha256: 'c'.repeat(64) },
    metrics: registeredMetrics(report),
    classes: d.classes,
    hyperparameters: { nRounds: options.rounds ?? 20, maxDepth: 3 },
    classSpace: 'fine',
    features: d.schema.features.map((f) => ({ name: f.name, kind: f.kind })),
    seed,
    requestedParams: { nRounds: options.rounds ?? 20, maxDepth: 3 },
    author: 'test',
    ...(options.jobId ? { trainingJobId: options.jobId } : {}),
  };
  files.set(REGISTRATION_FILE, Buffer.from(JSON.stringify(registration)));
  return { files, registration, featureNames: d.schema.features.map((f) => f.name), classes: d.classes };
}
