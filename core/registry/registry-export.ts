// The registry as `models/model_registry.json` holds it: model → versions (with status and the
// headline metrics) and aliases. Written locally after every registry change; `xdr-ml registry export`.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ItemTable } from '../ports';
import { isAliasSk, MODELS_PK, modelPk, toMove, toVersion } from './registry-items';
import { metricNumber } from './registry-validation';
import type { ExportedVersion, RegistryExport } from './types';

const ALIAS_PRIORITY = ['production', 'challenger'];

function statusOf(aliases: readonly string[]): string {
  if (aliases.length === 0) return 'archived';
  for (const a of ALIAS_PRIORITY) if (aliases.includes(a)) return a;
  return [...aliases].sort()[0];
}

/** The registry export of a registry table. */
export async function exportRegistryTable(table: ItemTable, now: Date): Promise<RegistryExport> {
  const index = await table.query({ pk: MODELS_PK });
  const models: Record<string, RegistryExport['models'][string]> = {};
  for (const entry of [...index].sort((a, b) => String(a.model).localeCompare(String(b.model)))) {
    const model = String(entry.model);
    const items = await table.query({ pk: modelPk(model) });
    const aliases: Record<string, { version: number; revision: number; updatedAt: string }> = {};
    const byVersion = new Map<number, string[]>();
    for (const i of items) {
      if (!isAliasSk(String(i.sk))) continue;
      const m = toMove(i);
      aliases[m.alias] = { version: m.version, revision: m.revision, updatedAt: m.at };
      byVersion.set(m.version, [...(byVersion.get(m.version) ?? []), m.alias]);
    }
    const versions = items
      .filter((i) => String(i.sk).startsWith('VERSION#'))
      .map(toVersion)
      .map((v): ExportedVersion => {
        const on = (byVersion.get(v.version) ?? []).sort();
        return {
          version: v.version,
          status: statusOf(on),
          aliases: on,
          algorithm: v.algorithm,
          createdAt: v.createdAt,
          author: v.author,
          parentVersion: v.parentVersion,
          dataset: v.dataset,
          metrics: {
            macroF1: metricNumber(v.metrics, 'macroF1'),
            accuracy: metricNumber(v.metrics, 'accuracy'),
            weightedF1: metricNumber(v.metrics, 'weightedF1'),
          },
          onnx: { key: v.artefacts.onnx.key, sha256: v.artefacts.onnx.sha256 },
        };
      });
    models[model] = { aliases, versions };
  }
  return { generatedAt: now.toISOString(), models };
}

/**
 * Writes the registry export as pretty JSON (parent folders created) and returns it.
 *
 * @example await writeRegistryExport(registry, 'models/model_registry.json');
 */
export async function writeRegistryExport(registry: { exportRegistry(): Promise<RegistryExport> }, file: string): Promise<RegistryExport> {
  const exported = await registry.exportRegistry();
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, `${JSON.stringify(exported, null, 2)}\n`, 'utf8');
  return exported;
}
