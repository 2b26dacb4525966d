// Stages an adaptation's parent version for a training container: the container reads neither the
// registry nor the artefacts bucket, so the launcher copies the parent's registry record
// (parent.json) and the three bundle files an adaptation reads (model.json, replay.parquet,
// evaluation.parquet) under `parents/<model>/v<version>/` in the datasets bucket — once: the prefix
// is per version, and versions never change. The backends hand that prefix to the container as its
// `parent` input channel.
import { BUNDLE_FILES, type BundleRefs } from '../artefacts/bundle';
import type { ObjectStore } from '../ports';
import { PARENT_INPUT_FILES, type ParentInput } from './backend';
import { TrainingRefusedError } from './launcher';

/** The parent version as the registry holds it (the part an adaptation reads). */
export interface ParentRecord {
  readonly model: string;
  readonly version: number;
  readonly algorithm: string;
  readonly artefacts: BundleRefs;
}

/** Key prefix of every staged parent (a model version, never a tenant's rows; tenant jobs may read it). */
export const STAGED_PARENT_ROOT = 'parents/';

/** Key prefix of a staged parent. */
export function stagedParentPrefix(model: string, version: number): string {
  return `${STAGED_PARENT_ROOT}${model}/v${version}/`;
}

/**
 * Copies the parent's record and files into the datasets bucket (skipped when already staged).
 * @throws TrainingRefusedError (409 not-adaptable) when the version has no replay or evaluation rows
 */
export async function stageParentInput(
  stores: { readonly artefacts: ObjectStore; readonly datasets: ObjectStore },
  parent: ParentRecord,
  /** A tenant variant reads the parent's model only (its rows are the tenant's own): a parent without replay rows is staged too. */
  options: { readonly tenantVariant?: boolean } = {},
): Promise<ParentInput> {
  const { replay, evaluation, model } = parent.artefacts;
  if ((!replay || !evaluation) && !options.tenantVariant) {
    throw new TrainingRefusedError(
      `${parent.model} v${parent.version} has no replay or evaluation rows (it was trained before online learning): retrain it once to make it adaptable`,
      'not-adaptable',
      409,
    );
  }
  const prefix = stagedParentPrefix(parent.model, parent.version);
  const [record] = PARENT_INPUT_FILES;
  if (!(await stores.datasets.exists(`${prefix}${record}`))) {
    for (const [file, ref] of [
      [BUNDLE_FILES.model, model],
      [BUNDLE_FILES.replay, replay],
      [BUNDLE_FILES.evaluation, evaluation],
    ] as const) {
      if (ref) await stores.datasets.put(`${prefix}${file}`, await stores.artefacts.get(ref.key));
    }
    // the record last: its presence says the prefix is complete
    await stores.datasets.put(`${prefix}${record}`, JSON.stringify(parent), { contentType: 'application/json' });
  }
  // a tenant variant's parent without rows (a federated version): the channel carries its record and model only
  const files = replay && evaluation ? undefined : [record, BUNDLE_FILES.model];
  return { model: parent.model, version: parent.version, prefix, ...(files ? { files } : {}) };
}

/** The members file of a staged ensemble job: the members' registry records, keys pointing at the staged files. */
export const ENSEMBLE_MEMBERS_FILE = 'members.json';

/** Key prefix of an ensemble job's staged members. */
export function stagedMembersPrefix(jobId: string): string {
  return `ensembles/${jobId}/`;
}

/**
 * Copies an ensemble job's members for the container: every member's model.json and held-out rows,
 * and the first member's drift reference and replay rows (the candidate's), each as `m<i>-<file>`
 * (the channel is flat), and members.json — the members' records with their artefact keys
 * rewritten to those names (sha256 kept, so the container still verifies every byte).
 */
export async function stageEnsembleMembers(
  stores: { readonly artefacts: ObjectStore; readonly datasets: ObjectStore },
  jobId: string,
  members: readonly (ParentRecord & { readonly dataset: unknown; readonly classSpace?: string; readonly seed?: number })[],
): Promise<ParentInput> {
  const prefix = stagedMembersPrefix(jobId);
  const files: string[] = [];
  const records = [];
  for (const [i, m] of members.entries()) {
    const artefacts: Record<string, unknown> = { ...m.artefacts };
    const roles = i === 0 ? (['model', 'evaluation', 'reference', 'replay'] as const) : (['model', 'evaluation'] as const);
    for (const role of roles) {
      const ref = m.artefacts[role];
      if (!ref) continue;
      const name = `m${i}-${BUNDLE_FILES[role]}`;
      await stores.datasets.put(`${prefix}${name}`, await stores.artefacts.get(ref.key));
      artefacts[role] = { ...ref, key: name };
      files.push(name);
    }
    records.push({
      model: m.model,
      version: m.version,
      algorithm: m.algorithm,
      artefacts,
      dataset: m.dataset,
      ...(m.classSpace ? { classSpace: m.classSpace } : {}),
      // the split seed: extra members trained by the job reuse the first member's
      ...(m.seed !== undefined ? { seed: m.seed } : {}),
    });
  }
  await stores.datasets.put(`${prefix}${ENSEMBLE_MEMBERS_FILE}`, JSON.stringify(records), { contentType: 'application/json' });
  files.push(ENSEMBLE_MEMBERS_FILE);
  const [first] = members;
  return { model: first.model, version: first.version, prefix, files };
}
