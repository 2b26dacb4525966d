// Builds small but real model bundles for tests: a seeded GBDT trained on a synthetic 3-class
// problem, exported to ONNX, uploaded to the artefacts bucket under content-addressed keys.
import { artefactKey, BUNDLE_FILES, sha256Hex, type BundleRefs, type BundleRole } from '../../core/artefacts/bundle';
import { conformanceData } from '../../core/learners/conformance';
import { GbdtLearner } from '../../core/learners/gbdt';
import { exportGbdtToOnnx } from '../../core/onnx';
import { encodeEvaluationSet } from '../../core/pipeline/evaluation-set';
import type { ObjectStore } from '../../core/ports';

export interface TestBundle {
  readonly refs: BundleRefs;
  readonly classes: readonly string[];
  readonly featureNames: readonly string[];
}

/** Trains, exports and uploads a bundle; `rounds` changes the model (and so every sha256). */
export async function uploadTestBundle(store: ObjectStore, model: string, options: { seed?: number; rounds?: number } = {}): Promise<TestBundle> {
  const d = conformanceData(options.seed ?? 7, 600);
  const learner = new GbdtLearner({ seed: options.seed ?? 7, nRounds: options.rounds ?? 20, maxDepth: 3 });
  learner.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
  const document = learner.toJSON();
  const files: Partial<Record<BundleRole, Uint8Array | string>> = {
    onnx: exportGbdtToOnnx(document),
    model: JSON.stringify(document),
    summary: JSON.stringify({ classes: d.classes, thresholds: { x: 0.5, y: 0.4, z: 0.6 } }),
    reference: JSON.stringify({ features: [] }),
    explanations: JSON.stringify({ featureGain: document.featureGain }),
    evaluation: encodeEvaluationSet(
      d,
      Int32Array.from({ length: 200 }, (_, i) => 400 + i),
    ),
  };
  const refs = {} as Record<BundleRole, { key: string; sha256: string; bytes: number }>; // every role, evaluation included
  for (const role of Object.keys(BUNDLE_FILES) as BundleRole[]) {
    const body = files[role];
    if (body === undefined) continue; // an optional role this bundle leaves out
    const sha256 = sha256Hex(body);
    const key = artefactKey(model, role, sha256);
    await store.put(key, body);
    refs[role] = { key, sha256, bytes: typeof body === 'string' ? Buffer.byteLength(body) : body.length };
  }
  return { refs, classes: d.classes, featureNames: d.schema.features.map((f) => f.name) };
}
