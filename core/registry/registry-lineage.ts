// A lineage's spec and its versions' health on the registry table. The spec item is revision-
// checked (putIfRevision); every revision is also copied to an immutable history item (as alias
// moves are), so an audit record can be rebuilt for any change. A health item (a quarantined
// version) is written once (putIfAbsent).
import { toPlainJson } from '../audit/canonical-json';
import { ConditionFailedError, type Item, type ItemTable } from '../ports';
import { defaultCollectionDataset, type ClassSpaceName, type LineageSpec, type SpecFeature } from './lineage-spec';
import { healthSk, modelPk, SPEC_SK, specHistorySk, withoutKeys } from './registry-items';
import type { ModelVersion, VersionHealth } from './types';

/** The stored spec of a lineage, or undefined (a lineage registered before specs existed has none). */
export async function readSpec(table: ItemTable, model: string): Promise<LineageSpec | undefined> {
  const item = await table.get({ pk: modelPk(model), sk: SPEC_SK });
  return item ? withoutKeys<LineageSpec>(item) : undefined;
}

/**
 * Writes a spec revision: the spec item conditionally on the revision before it, then its
 * immutable history copy. False when another writer moved the spec first.
 */
export async function writeSpec(table: ItemTable, spec: LineageSpec): Promise<boolean> {
  const pk = modelPk(spec.model);
  const expected = spec.revision === 1 ? undefined : spec.revision - 1;
  const body = toPlainJson(spec) as unknown as Item;
  try {
    await table.putIfRevision({ pk, sk: SPEC_SK, entity: 'spec', ...body }, 'revision', expected);
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
  await writeSpecHistory(table, spec);
  return true;
}

/** The immutable copy of a spec revision (a second writer of the same revision is a no-op). */
export async function writeSpecHistory(table: ItemTable, spec: LineageSpec): Promise<void> {
  try {
    await table.putIfAbsent({ pk: modelPk(spec.model), sk: specHistorySk(spec.revision), entity: 'spec-history', ...(toPlainJson(spec) as unknown as Item) });
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
  }
}

/** Infers a class space from class names when a version did not record one. */
function inferClassSpace(classes: readonly string[]): ClassSpaceName {
  const kdd = ['Normal', 'DoS', 'Probe', 'R2L', 'U2R'];
  if (classes.length > 0 && classes.every((c) => kdd.includes(c))) return 'kdd-category';
  const miniXdr = ['Normal', 'DDoS/DoS', 'Reconnaissance', 'Brute Force', 'Web Attack', 'Malware/Botnet', 'APT/Infiltration'];
  if (classes.length > 0 && classes.every((c) => miniXdr.includes(c))) return 'taxonomy';
  return 'fine';
}

/** The first spec of a lineage, from its first registered version. */
export function specFromVersion(v: ModelVersion, at: string): LineageSpec {
  return {
    model: v.model,
    dataset: { name: v.dataset.name, versionPolicy: 'latest' },
    classSpace: v.classSpace ?? inferClassSpace(v.classes),
    classes: [...v.classes],
    algorithm: v.algorithm,
    params: { ...(v.requestedParams ?? {}) },
    seed: v.seed ?? 42,
    ...(v.tune ? { tune: v.tune } : {}),
    features: (v.features ?? []).map((f: SpecFeature) => ({ name: f.name, kind: f.kind })),
    collection: { dataset: defaultCollectionDataset(v.model), rowsUsed: 0 },
    revision: 1,
    updatedAt: at,
    updatedBy: v.author,
    reason: `recorded at the registration of version ${v.version}`,
  };
}

/** The health item of a version, if it was quarantined. */
export async function readHealth(table: ItemTable, model: string, version: number): Promise<VersionHealth | undefined> {
  const item = await table.get({ pk: modelPk(model), sk: healthSk(version) });
  return item ? withoutKeys<VersionHealth>(item) : undefined;
}

/** Writes a quarantine once; false when the version was already quarantined. */
export async function writeHealth(table: ItemTable, health: VersionHealth): Promise<boolean> {
  try {
    await table.putIfAbsent({ pk: modelPk(health.model), sk: healthSk(health.version), entity: 'health', ...(toPlainJson(health) as unknown as Item) });
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
}
