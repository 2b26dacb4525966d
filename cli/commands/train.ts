// `xdr-ml train`: trains a model on a dataset version through core/pipeline (artefacts first, then the
// registry entry via ModelRegistry.registerVersion), mirrors the bundle to models/<model>/<version>/
// on the local target, and prints the new version and its held-out metrics. Thin: parse, call, print.
import path from 'node:path';
import type { Command } from 'commander';
import { parseDatasetRef } from '../../core/datasets/synthetic/synthesize';
import { isTrainableFamilyId, modelFamily, TRAINABLE_FAMILY_IDS, type TrainableFamilyId } from '../../core/families';
import { ModelName } from '../../core/names';
import { runTrainingJob, type ClassSpace, type TrainingJobProgress, type TrainingJobResult } from '../../core/pipeline';
import { CliError, cliName, printJson, printTable } from '../output';
import { cliActor, refreshLocalExports, withPlatform } from '../session';

const CLASS_SPACES: readonly ClassSpace[] = ['fine', 'taxonomy', 'mini-xdr', 'kdd-category'];

interface TrainFlags {
  readonly dataset?: string;
  readonly model?: string;
  readonly algorithm: string;
  readonly classes: string;
  readonly seed: string;
  readonly threads?: string;
  readonly param: string[];
  readonly tune?: 'off' | 'fast' | 'thorough';
  readonly json?: boolean;
}

/**
 * One `--param name=value`: true/false become booleans, numbers numbers, anything else a string.
 * @example parseParam('maxDepth=6') // ['maxDepth', 6]
 */
export function parseParam(text: string): [string, number | string | boolean] {
  const eq = text.indexOf('=');
  const name = eq > 0 ? text.slice(0, eq).trim() : '';
  const raw = eq > 0 ? text.slice(eq + 1).trim() : '';
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name) || raw === '') throw new CliError(`--param must look like name=value (e.g. maxDepth=6), got "${text}"`, 2);
  if (raw === 'true' || raw === 'false') return [name, raw === 'true'];
  const n = Number(raw);
  return [name, /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw) && Number.isFinite(n) ? n : raw];
}

/** The `--json` output of `xdr-ml train`. */
export function trainOutput(result: TrainingJobResult): { model: string; version: number; metrics: Record<string, unknown> } {
  return { model: result.model, version: result.version, metrics: { ...result.metrics } };
}

/** One progress line (rounds, validation loss) for a terminal; undefined when there is nothing to show. */
export function progressLine(p: TrainingJobProgress): string | undefined {
  const fit = p.training?.fit;
  if (fit) {
    const loss = fit.validationLoss !== undefined ? ` validation loss ${fit.validationLoss.toFixed(5)}` : '';
    const round = p.training?.round ? ` (hard-example round ${p.training.round})` : '';
    return `train ${fit.iteration}/${fit.maxIterations}${loss}${round}`;
  }
  return p.message;
}

/** Registers `xdr-ml train`. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('Train a model on a dataset version and register it as a new version')
    .option('--dataset <name[@version]>', 'dataset to train on (latest version when omitted)')
    .option('--model <name>', 'model lineage to register the version under')
    .option('--algorithm <gbdt|mlp>', 'learner', 'gbdt')
    .option('--classes <fine|taxonomy>', "class space: the dataset's fine labels or the Mini-XDR taxonomy", 'fine')
    .option('--seed <n>', 'seed of every random choice', '42')
    .option('--threads <n>', 'gbdt: threads growing trees, 0 = one per core (the model is the same for any count)')
    .option(
      '--param <name=value>',
      'a learner parameter over the pipeline preset, repeatable (e.g. --param multiOutput=false --param maxDepth=6)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--tune <off|fast|thorough>', 'search the parameters on the validation split (default off = the presets; fast, thorough)')
    .option('--json', 'machine-readable output')
    .action(async (flags: TrainFlags) => {
      if (!flags.dataset) throw new CliError('--dataset <name[@version]> is required', 2);
      if (!flags.model) throw new CliError('--model <name> is required', 2);
      cliName(ModelName, '--model', flags.model);
      if (!isTrainableFamilyId(flags.algorithm)) throw new CliError(`--algorithm must be one of ${TRAINABLE_FAMILY_IDS.join(', ')}`, 2);
      const algorithm: TrainableFamilyId = flags.algorithm;
      const family = modelFamily(algorithm);
      if (!(CLASS_SPACES as readonly string[]).includes(flags.classes)) throw new CliError(`--classes must be one of ${CLASS_SPACES.join(', ')}`, 2);
      const seed = Number(flags.seed);
      if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got "${flags.seed}"`, 2);
      const threads = flags.threads === undefined ? undefined : Number(flags.threads);
      if (threads !== undefined && !(/^\d+$/.test(flags.threads ?? '') && Number.isSafeInteger(threads)))
        throw new CliError(`--threads must be an integer >= 0, got "${flags.threads}"`, 2);
      if (threads !== undefined && !family.threaded)
        throw new CliError(`--threads applies to --algorithm ${TRAINABLE_FAMILY_IDS.filter((id) => modelFamily(id).threaded).join(', ')} only`, 2);
      const params: Record<string, number | string | boolean> = {};
      for (const text of flags.param) {
        const [name, value] = parseParam(text);
        if (name in params) throw new CliError(`--param ${name} is given twice`, 2);
        params[name] = value;
      }
      if (threads !== undefined) {
        if ('threads' in params) throw new CliError('--threads and --param threads=… are the same setting; give one', 2);
        params.threads = threads;
      }
      try {
        family.create(seed, params);
      } catch (error) {
        throw new CliError(`--param: ${(error as Error).message}`, 2);
      }
      let ref: { name: string; version?: number };
      try {
        ref = parseDatasetRef(flags.dataset);
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const tty = process.stderr.isTTY === true;
      let lastDraw = 0;
      const result = await withPlatform(async (session) => {
        const job = await runTrainingJob(session.platform.trainingJobDeps(session.target === 'embedded' ? { mirrorDir: path.resolve('models') } : {}), {
          dataset: ref.name,
          ...(ref.version !== undefined ? { datasetVersion: ref.version } : {}),
          model: flags.model as string,
          algorithm,
          classes: flags.classes as ClassSpace,
          seed,
          ...(Object.keys(params).length > 0 ? { params } : {}),
          ...(flags.tune ? { training: { tune: flags.tune } } : {}),
          author: cliActor(session.platform.config),
          onProgress: (p) => {
            if (!tty) return;
            const now = Date.now();
            if (p.training?.fit && now - lastDraw < 100) return;
            lastDraw = now;
            const line = progressLine(p);
            if (line) process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 100) - 1)}`);
          },
        });
        if (tty) process.stderr.write('\r\x1b[2K');
        await refreshLocalExports(session);
        return job;
      });
      if (flags.json) return printJson(trainOutput(result));
      const m = result.metrics;
      process.stdout.write(`${result.model} version ${result.version} registered (${flags.algorithm}, ${result.summary.classes.length} classes)\n`);
      process.stdout.write(
        `held-out: macro-F1 ${m.macroF1.toFixed(4)}  accuracy ${m.accuracy.toFixed(4)}  weighted-F1 ${m.weightedF1.toFixed(4)}  rows ${m.rows}\n`,
      );
      if (result.mirroredTo) process.stdout.write(`bundle mirrored to ${path.relative(process.cwd(), result.mirroredTo)}\n`);
      process.stdout.write('\n');
      printTable(
        ['class', 'precision', 'recall', 'f1', 'support'],
        Object.entries(m.perClass).map(([label, c]) => [label, c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), c.support]),
      );
    });
}
