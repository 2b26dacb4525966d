// Every registry change has an audit record, even across a crash. A change is committed first (one
// conditional write that carries everything about it: a version item, an alias move, a spec
// revision, a quarantine), then its audit record is appended with the change's `ref`. A process
// that dies between the two leaves a change without a record; `reconcileRegistryAudit` (run by the
// maintenance sweep at local start-up and on a schedule on AWS) rolls it forward by appending the
// missing record, rebuilt from the stored change and marked `recovered`, and `auditRegistry`
// reports any change still without one.
import type { AuditEntry, AuditLog, AuditRecord } from '../audit/audit-log';
import type { ItemTable } from '../ports';
import type { LineageSpec } from './lineage-spec';
import { isVersionSk, mergeHistory, MODELS_PK, modelPk, toVersion, withoutKeys } from './registry-items';
import { metricNumber } from './registry-validation';
import type { AliasMove, ModelVersion, VersionHealth } from './types';

export const versionRef = (model: string, version: number): string => `model/${model}/version/${version}`;
export const aliasRef = (model: string, alias: string, revision: number): string => `model/${model}/alias/${alias}#${revision}`;
export const specRef = (model: string, revision: number): string => `model/${model}/spec#${revision}`;
export const healthRef = (model: string, version: number): string => `model/${model}/version/${version}/health`;

/** One stored registry change and the audit entry that records it. */
export interface RegistryChange {
  readonly ref: string;
  readonly entry: AuditEntry;
}

/** The audit entry of a registered version. */
export function registerEntry(v: ModelVersion): AuditEntry {
  return {
    actor: v.author,
    action: 'model.register',
    subject: versionRef(v.model, v.version),
    ref: versionRef(v.model, v.version),
    after: { version: v.version, algorithm: v.algorithm, onnx: v.artefacts.onnx, parentVersion: v.parentVersion, trainingJobId: v.trainingJobId },
    metrics: { macroF1: metricNumber(v.metrics, 'macroF1'), accuracy: metricNumber(v.metrics, 'accuracy') },
    dataset: { ...v.dataset },
    parameters: v.hyperparameters,
  };
}

/** The audit entry of an alias move (its own record names the deploy / rollback, with the gate). */
export function moveEntry(move: AliasMove): AuditEntry {
  return {
    actor: move.actor,
    action: move.removed ? 'alias.removed' : `alias.${move.kind}`,
    subject: `model/${move.model}/alias/${move.alias}`,
    ref: aliasRef(move.model, move.alias, move.revision),
    reason: move.reason,
    before: { version: move.fromVersion ?? null, revision: move.revision - 1 },
    after: { version: move.removed ? null : move.version, revision: move.revision },
  };
}

/** The audit entry of a spec revision. */
export function specEntry(spec: LineageSpec): AuditEntry {
  const { model: _m, revision, updatedAt: _u, updatedBy, reason, ...body } = spec;
  return {
    actor: updatedBy,
    action: revision === 1 ? 'lineage.spec.recorded' : 'lineage.spec.changed',
    subject: `model/${spec.model}/spec`,
    ref: specRef(spec.model, revision),
    reason,
    after: { revision, ...body },
  };
}

/** The audit entry of a quarantine. */
export function healthEntry(h: VersionHealth): AuditEntry {
  return {
    actor: h.actor,
    action: 'model.quarantine',
    subject: versionRef(h.model, h.version),
    ref: healthRef(h.model, h.version),
    reason: h.reason,
    after: { state: h.state },
  };
}

/** Every change stored in the registry table, oldest first per lineage. */
export async function registryChanges(table: ItemTable): Promise<RegistryChange[]> {
  const out: RegistryChange[] = [];
  for (const entry of await table.query({ pk: MODELS_PK })) {
    const model = String(entry.model);
    const items = await table.query({ pk: modelPk(model) });
    for (const i of items) if (isVersionSk(String(i.sk))) out.push(change(registerEntry(toVersion(i))));
    for (const m of mergeHistory(items, undefined)) out.push(change(moveEntry(m)));
    for (const i of items) {
      const sk = String(i.sk);
      if (sk.startsWith('SPEC#')) out.push(change(specEntry(withoutKeys<LineageSpec>(i))));
      else if (sk.startsWith('HEALTH#')) out.push(change(healthEntry(withoutKeys<VersionHealth>(i))));
    }
  }
  return out;
}

function change(entry: AuditEntry): RegistryChange {
  return { ref: entry.ref as string, entry };
}

/** The refs the audit records cover (records written before refs existed are matched by subject and revision). */
export function auditedRefs(records: readonly AuditRecord[]): Set<string> {
  const refs = new Set<string>();
  for (const r of records) {
    if (r.ref) {
      refs.add(r.ref);
      continue;
    }
    const alias = /^model\/([^/]+)\/alias\/([^/]+)$/.exec(r.subject);
    const revision = (r.after as { revision?: unknown } | undefined)?.revision;
    if (alias && typeof revision === 'number' && !r.action.endsWith('.refused')) refs.add(aliasRef(alias[1], alias[2], revision));
    else if (r.action === 'model.register') refs.add(r.subject);
  }
  return refs;
}

export interface RegistryAuditCheck {
  /** Registry changes read. */
  readonly changes: number;
  /** Changes no audit record covers. */
  readonly unaudited: readonly { readonly ref: string; readonly action: string }[];
}

/** Cross-checks registry history against the audit log: every change must have its record. */
export async function auditRegistry(table: ItemTable, audit: AuditLog): Promise<RegistryAuditCheck> {
  const [changes, records] = await Promise.all([registryChanges(table), audit.records()]);
  const covered = auditedRefs(records);
  return { changes: changes.length, unaudited: changes.filter((c) => !covered.has(c.ref)).map((c) => ({ ref: c.ref, action: c.entry.action })) };
}

/**
 * Appends the missing record of every registry change a crash left unaudited, rebuilt from the
 * stored change and marked `recovered`. Answers the refs it recorded.
 */
export async function reconcileRegistryAudit(table: ItemTable, audit: AuditLog): Promise<string[]> {
  const [changes, records] = await Promise.all([registryChanges(table), audit.records()]);
  const covered = auditedRefs(records);
  const recovered: string[] = [];
  for (const c of changes) {
    if (covered.has(c.ref)) continue;
    await audit.append({
      ...c.entry,
      reason: `${c.entry.reason ? `${c.entry.reason}; ` : ''}recorded after the fact: the change committed but its audit record was lost (crash)`,
      recovered: true,
    });
    covered.add(c.ref);
    recovered.push(c.ref);
  }
  return recovered;
}
