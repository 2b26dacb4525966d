// One version in full, for the console and the model card: the registry's record plus the two
// small artefacts people look at — the training summary (metrics, thresholds, training curves,
// phases) and the explanations (feature importance) — each checked against its sha256.
import { sha256Hex, type ArtefactRef } from '../artefacts/bundle';
import { UnprocessableError } from '../errors';
import { NotFoundError, type ObjectStore } from '../ports';
import type { ModelRegistry } from './model-registry';
import type { ModelVersion } from './types';

/** A version, its training summary and its explanations (null when the bundle lacks the file). */
export interface VersionDetails {
  readonly model: string;
  readonly version: number;
  /** Aliases pointing at this version now. */
  readonly aliases: readonly string[];
  readonly record: ModelVersion;
  readonly summary: Readonly<Record<string, unknown>> | null;
  readonly explanations: Readonly<Record<string, unknown>> | null;
}

/** The artefact's JSON, or null when it is missing; a changed or unreadable file is a 422 naming it. */
async function readJsonArtefact(store: ObjectStore, ref: ArtefactRef | undefined, what: string): Promise<Record<string, unknown> | null> {
  if (!ref) return null;
  let bytes: Uint8Array;
  try {
    bytes = await store.get(ref.key);
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
  if (sha256Hex(bytes) !== ref.sha256) throw new UnprocessableError(`${what} (${ref.key}) does not match its recorded sha256`);
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UnprocessableError(`${what} (${ref.key}) is not a JSON object`);
}

/**
 * Reads one version in full (404 for an unknown model or version).
 * @example const { record, summary } = await versionDetails({ registry, artefacts }, 'general', 2);
 */
export async function versionDetails(
  deps: { readonly registry: ModelRegistry; readonly artefacts: ObjectStore },
  model: string,
  version: number,
): Promise<VersionDetails> {
  const record = await deps.registry.getVersion(model, version);
  const description = await deps.registry.describeModel(model);
  const aliases = Object.entries(description.aliases)
    .filter(([, a]) => a.version === version && !a.removed)
    .map(([alias]) => alias)
    .sort();
  const [summary, explanations] = await Promise.all([
    readJsonArtefact(deps.artefacts, record.artefacts.summary, 'training_summary.json'),
    readJsonArtefact(deps.artefacts, record.artefacts.explanations, 'explanations.json'),
  ]);
  return { model, version, aliases, record, summary, explanations };
}
