// The artefact bundle of one trained model version: which files it has and how they are
// addressed. Keys are content-addressed (sha256) and therefore immutable: s3rver has no
// versioning, and a key that never changes needs none. Artefacts are written first; the
// registry entry that refers to them is written last.
import { createHash } from 'node:crypto';

/** The files of a bundle, by role. */
export const BUNDLE_FILES = {
  onnx: 'model.onnx',
  model: 'model.json',
  summary: 'training_summary.json',
  reference: 'reference_profile.json',
  explanations: 'explanations.json',
  /** The gate's evaluation set: a sample of held-out rows (core/pipeline/evaluation-set.ts). */
  evaluation: 'evaluation.parquet',
  /** A sample of the training rows an online adaptation replays so the model does not forget (core/online). */
  replay: 'replay.parquet',
} as const;

export type BundleRole = keyof typeof BUNDLE_FILES;

/** Roles a bundle may lack: versions registered before the role existed. */
export const OPTIONAL_BUNDLE_ROLES: readonly BundleRole[] = ['evaluation', 'replay'];

/** Where one artefact lives and how to verify it. */
export interface ArtefactRef {
  readonly key: string;
  readonly sha256: string;
  readonly bytes: number;
}

export type BundleRefs = Readonly<Record<Exclude<BundleRole, 'evaluation' | 'replay'>, ArtefactRef>> & {
  readonly evaluation?: ArtefactRef;
  readonly replay?: ArtefactRef;
};

/** sha256 hex digest of bytes or text. */
export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Content-addressed key of an artefact: `models/<model>/<sha256>/<file name>`. */
export function artefactKey(model: string, role: BundleRole, sha256: string): string {
  return `models/${model}/${sha256}/${BUNDLE_FILES[role]}`;
}

/**
 * True when `key` lies under the model's own prefix `models/<model>/`: no `..` or `.` segment, no
 * empty segment, no backslash. The completion handler refuses a job's artefact outside it, so one
 * lineage's job can never write over (or point the registry at) another's objects.
 * @example isModelArtefactKey('general', 'models/general/ab12…/model.onnx') // true
 */
export function isModelArtefactKey(model: string, key: string): boolean {
  const prefix = `models/${model}/`;
  if (!key.startsWith(prefix) || key.includes('\\')) return false;
  const rest = key.slice(prefix.length).split('/');
  return rest.length > 0 && rest.every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
