// The registry's item layout on its one DynamoDB table (pk / sk single-table design; see
// model-registry.ts for the write protocol):
//   MODELS            / MODEL#<model>                  lineage index (one per model, first registration)
//   MODEL#<model>     / COUNTER                        `lastVersion`, incremented to allocate numbers
//   MODEL#<model>     / VERSION#<version, 10 digits>   immutable version (written with putIfAbsent)
//   MODEL#<model>     / ALIAS#<alias>                  the alias: version, revision and its last move
//   MODEL#<model>     / ALIAS#<alias>#<rev, 10 digits> immutable history entry of the move to `rev`
//   MODEL#<model>     / SPEC                           the lineage's training spec (revision-checked)
//   MODEL#<model>     / SPEC#<rev, 10 digits>          immutable history entry of spec revision `rev`
//   MODEL#<model>     / HEALTH#<version, 10 digits>    a quarantined version (written once)
import type { Item } from '../ports';
import type { AliasMove, ModelVersion } from './types';

export const MODELS_PK = 'MODELS';
export const COUNTER_SK = 'COUNTER';

export const pad = (n: number): string => String(n).padStart(10, '0');
export const modelPk = (model: string): string => `MODEL#${model}`;
export const modelIndexSk = (model: string): string => `MODEL#${model}`;
export const versionSk = (version: number): string => `VERSION#${pad(version)}`;
export const aliasSk = (alias: string): string => `ALIAS#${alias}`;
export const historySk = (alias: string, revision: number): string => `ALIAS#${alias}#${pad(revision)}`;
export const SPEC_SK = 'SPEC';
export const specHistorySk = (revision: number): string => `SPEC#${pad(revision)}`;
export const healthSk = (version: number): string => `HEALTH#${pad(version)}`;

export function toVersion(item: Item): ModelVersion {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest as unknown as ModelVersion;
}

export function toMove(item: Item): AliasMove {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest as unknown as AliasMove;
}

export function isAliasSk(sk: string): boolean {
  return sk.startsWith('ALIAS#') && sk.split('#').length === 2;
}

export function isHistorySk(sk: string): boolean {
  return sk.startsWith('ALIAS#') && sk.split('#').length === 3;
}

/**
 * The version a rollback returns to: history replayed as a stack (a forward move pushes its
 * version, a rollback pops back to the version it returned to); the answer is the entry below
 * the top. Deploy 1, 2, 3 → rollback goes to 2, a second rollback to 1.
 */
export function previousVersion(history: readonly AliasMove[]): number | undefined {
  const stack: number[] = [];
  for (const move of [...history].sort((a, b) => a.revision - b.revision)) {
    if (move.kind === 'rollback') {
      const at = stack.lastIndexOf(move.version);
      if (at >= 0) stack.length = at + 1;
      else stack.push(move.version);
    } else if (stack[stack.length - 1] !== move.version) {
      stack.push(move.version);
    }
  }
  return stack.length >= 2 ? stack[stack.length - 2] : undefined;
}

/** History entries of the items of one model partition, with the alias items merged in (see model-registry.ts). */
export function mergeHistory(items: readonly Item[], alias: string | undefined): AliasMove[] {
  const byKey = new Map<string, AliasMove>();
  for (const i of items) {
    const sk = String(i.sk);
    if (!isHistorySk(sk) && !isAliasSk(sk)) continue;
    const m = toMove(i);
    if (alias !== undefined && m.alias !== alias) continue;
    byKey.set(`${m.alias}#${pad(m.revision)}`, m);
  }
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, m]) => m);
}

/** True for a version item's sort key. */
export function isVersionSk(sk: string): boolean {
  return sk.startsWith('VERSION#');
}

/** Strips the table's key attributes off an item. */
export function withoutKeys<T>(item: Item): T {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest as unknown as T;
}
