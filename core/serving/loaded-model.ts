// Loads one registered model version for serving: fetches its artefacts, verifies each against
// the sha256 the registry recorded, and opens a scoring session. A corrupt or mismatched
// artefact is refused with a clear error.
import type { FeatureSchema } from '../data/table';
import { sha256Hex, type BundleRefs, type BundleRole } from '../artefacts/bundle';
import { UnprocessableError } from '../errors';
import type { ModelDocument } from '../learners/learner';
import type { ObjectStore } from '../ports';
import type { ScoringSession, SessionFactory } from './scoring-session';

/** An artefact whose bytes do not match the registry, or that cannot be opened. */
export class CorruptArtefactError extends UnprocessableError {
  override readonly name = 'CorruptArtefactError';
}

/** The registry fields serving needs (a subset of ModelVersion). */
export interface ServableVersion {
  readonly model: string;
  readonly version: number;
  readonly algorithm: string;
  readonly classes: readonly string[];
  readonly artefacts: BundleRefs;
}

export interface LoadedModel {
  readonly model: string;
  readonly version: number;
  readonly algorithm: string;
  readonly schema: FeatureSchema;
  readonly classes: readonly string[];
  /** Per-class alert threshold, by class index. */
  readonly thresholds: Float64Array;
  /** The native model document (explanations run on it). */
  readonly document: ModelDocument;
  readonly session: ScoringSession;
  readonly loadedAt: number;
}

async function fetchVerified(store: ObjectStore, v: ServableVersion, role: BundleRole): Promise<Uint8Array> {
  const ref = v.artefacts[role];
  if (!ref) throw new CorruptArtefactError(`${v.model} v${v.version}: the registry lists no ${role} artefact`);
  let bytes: Uint8Array;
  try {
    bytes = await store.get(ref.key);
  } catch (error) {
    throw new CorruptArtefactError(`${v.model} v${v.version}: ${role} artefact ${ref.key} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const actual = sha256Hex(bytes);
  if (actual !== ref.sha256) {
    throw new CorruptArtefactError(
      `${v.model} v${v.version}: ${role} artefact ${ref.key} is corrupt or was replaced (sha256 ${actual.slice(0, 12)}…, registry says ${ref.sha256.slice(0, 12)}…); refusing to serve it`,
    );
  }
  return bytes;
}

function parseJson<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch (error) {
    throw new CorruptArtefactError(`${what} is not valid JSON`, { cause: error });
  }
}

/** Fetches, verifies and opens a version. */
export async function loadModelVersion(v: ServableVersion, artefacts: ObjectStore, sessions: SessionFactory, now = Date.now()): Promise<LoadedModel> {
  const [onnx, model, summary] = await Promise.all([
    fetchVerified(artefacts, v, 'onnx'),
    fetchVerified(artefacts, v, 'model'),
    fetchVerified(artefacts, v, 'summary'),
  ]);
  const document = parseJson<ModelDocument>(model, `${v.model} v${v.version} model.json`);
  const training = parseJson<{ thresholds?: Record<string, number> }>(summary, `${v.model} v${v.version} training_summary.json`);
  const classes = document.classes;
  const thresholds = Float64Array.from(classes, (c) => {
    const t = training.thresholds?.[c];
    return typeof t === 'number' && t > 0 && t < 1 ? t : 0.5;
  });
  let session: ScoringSession;
  try {
    session = await sessions(onnx, document.schema);
  } catch (error) {
    throw new CorruptArtefactError(`${v.model} v${v.version}: model.onnx cannot be opened: ${(error as Error).message}`, { cause: error });
  }
  return { model: v.model, version: v.version, algorithm: v.algorithm, schema: document.schema, classes, thresholds, document, session, loadedAt: now };
}
