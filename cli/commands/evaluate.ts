// `xdr-ml evaluate`: scores a registered model version (by number or alias) on a dataset version with
// the same feature schema, through core/pipeline's evaluateModel. Thin: parse, resolve, call, print.
import type { Command } from 'commander';
import { parseDatasetRef } from '../../core/datasets/synthetic/synthesize';
import { ModelName } from '../../core/names';
import type { ModelRegistry } from '../../core/registry/model-registry';
import { evaluateModel, type ModelEvaluation } from '../../core/pipeline';
import { CliError, cliName, printJson, printTable } from '../output';
import { withPlatform } from '../session';

/** `<model>`, `<model>@<version>` or `<model>@<alias>`. */
export interface ModelRef {
  readonly model: string;
  readonly version?: number;
  readonly alias?: string;
}

/** Parses a model reference; a bare name means the latest version. */
export function parseModelRef(text: string): ModelRef {
  const m = /^([^@\s]+)(?:@([A-Za-z0-9._-]+))?$/.exec(text.trim());
  if (!m) throw new CliError(`invalid model reference "${text}" (expected <model>, <model>@<version> or <model>@<alias>)`, 2);
  cliName(ModelName, '--model', m[1]);
  if (m[2] === undefined) return { model: m[1] };
  return /^\d+$/.test(m[2]) ? { model: m[1], version: Number(m[2]) } : { model: m[1], alias: m[2] };
}

/** The version number a reference points at (alias resolved; latest when neither is given). */
export async function resolveModelVersion(registry: ModelRegistry, ref: ModelRef): Promise<number> {
  if (ref.version !== undefined) return ref.version;
  if (ref.alias !== undefined) {
    const target = await registry.resolveAlias(ref.model, ref.alias);
    if (!target) throw new CliError(`model ${ref.model} has no alias "${ref.alias}"`);
    return target.version;
  }
  const versions = await registry.listVersions(ref.model);
  if (versions.length === 0) throw new CliError(`unknown model "${ref.model}"`);
  return versions[versions.length - 1].version;
}

/** The `--json` output of `xdr-ml evaluate`. */
export function evaluateOutput(model: string, version: number, e: ModelEvaluation): Record<string, unknown> {
  return {
    model,
    version,
    dataset: e.dataset,
    macroF1: e.macroF1,
    accuracy: e.accuracy,
    perClass: e.perClass,
    confusion: e.confusion,
    classes: e.classes,
    rows: e.rows,
    unseenLabels: e.unseenLabels,
    unknownCategories: e.unknownCategories,
  };
}

/** Registers `xdr-ml evaluate`. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('Score a registered model version on a dataset version with the same feature schema')
    .option('--model <name[@version|@alias]>', 'model version to score (latest when neither is given)')
    .option('--dataset <name[@version]>', 'dataset to score on (latest version when omitted)')
    .option('--json', 'machine-readable output')
    .action(async (flags: { model?: string; dataset?: string; json?: boolean }) => {
      if (!flags.model) throw new CliError('--model <name[@version|@alias]> is required', 2);
      if (!flags.dataset) throw new CliError('--dataset <name[@version]> is required', 2);
      const modelRef = parseModelRef(flags.model);
      let datasetRef: { name: string; version?: number };
      try {
        datasetRef = parseDatasetRef(flags.dataset);
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const { version, evaluation } = await withPlatform(async (session) => {
        const v = await resolveModelVersion(session.registry, modelRef);
        const record = await session.registry.getVersion(modelRef.model, v);
        const { tables, buckets } = session.platform.stores;
        const e = await evaluateModel(
          { datasetsTable: tables.datasets, datasetsBucket: buckets.datasets, artefactsBucket: buckets.artefacts },
          { artefacts: record.artefacts, dataset: datasetRef.name, ...(datasetRef.version !== undefined ? { datasetVersion: datasetRef.version } : {}) },
        );
        return { version: v, evaluation: e };
      });
      if (flags.json) return printJson(evaluateOutput(modelRef.model, version, evaluation));
      const e = evaluation;
      process.stdout.write(`${modelRef.model} v${version} on ${e.dataset.name} v${e.dataset.version}: ${e.rows} rows scored\n`);
      process.stdout.write(`macro-F1 ${e.macroF1.toFixed(4)} (classes present in the data)  accuracy ${e.accuracy.toFixed(4)}\n`);
      const unseen = Object.entries(e.unseenLabels);
      if (unseen.length > 0) process.stdout.write(`labels the model never saw (not scored): ${unseen.map(([l, n]) => `${l} ${n}`).join(', ')}\n`);
      const unknown = Object.entries(e.unknownCategories);
      if (unknown.length > 0)
        process.stdout.write(`categorical values unseen in training (scored as unknown): ${unknown.map(([f, n]) => `${f} ${n}`).join(', ')}\n`);
      process.stdout.write('\n');
      printTable(
        ['class', 'precision', 'recall', 'f1', 'support'],
        Object.entries(e.perClass).map(([label, c]) => [label, c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), c.support]),
      );
    });
}
