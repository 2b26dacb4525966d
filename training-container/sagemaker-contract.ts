// The SageMaker training-container contract as this container reads and writes it:
//   <base>/input/config/hyperparameters.json   every value a string (parsed and validated here)
//   <base>/input/data/training/                the dataset's Parquet chunks (S3 prefix datasets/<name>/)
//   <base>/input/data/manifest/                the dataset version's manifest JSON (manifests/<name>/v<n>.json)
//   <base>/input/data/extra<i>/, manifest-extra<i>/  further datasets (hyperparameter extra_datasets), same layout
//   <base>/model/                              the bundle under content-addressed keys + registration.json
//   <base>/output/failure                      the reason, when the job fails
// <base> is /opt/ml unless SM_BASE_DIR or `--base-dir` says otherwise (tests, the local backend).
// The stores below adapt those directories to the core's ports so the pipeline runs unchanged.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { DatasetManifest } from '../core/datasets';
import { InvalidInputError } from '../core/errors';
import { MAX_EXTRA_MEMBERS } from '../core/ensemble/extra-member-count';
import { DatasetName, ModelName, TenantId } from '../core/names';
import { ConditionFailedError, NotFoundError, type Item, type ItemTable, type ObjectStore } from '../core/ports';
import { HYPERPARAMETER_KEYS as K } from '../core/retraining/backend';
import { TUNE_LEVELS, type TuneLevel } from '../core/training/learner-params';

/** Paths of the contract under a base directory. */
export function contractPaths(base: string) {
  return {
    base,
    hyperparameters: path.join(base, 'input', 'config', 'hyperparameters.json'),
    data: path.join(base, 'input', 'data'),
    training: path.join(base, 'input', 'data', 'training'),
    manifest: path.join(base, 'input', 'data', 'manifest'),
    /** An adaptation's parent version (PARENT_INPUT_FILES). */
    parent: path.join(base, 'input', 'data', 'parent'),
    model: path.join(base, 'model'),
    output: path.join(base, 'output'),
    failure: path.join(base, 'output', 'failure'),
  };
}

/** A hyperparameter file that cannot be used (names the parameter). */
export class HyperparameterError extends InvalidInputError {
  override readonly name: string = 'HyperparameterError';
}

const intText = (min: number) =>
  z
    .string()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`));

const hyperparameterSchema = z
  .object({
    [K.model]: ModelName,
    [K.dataset]: DatasetName,
    [K.algorithm]: z.enum(['gbdt', 'mlp', 'ensemble']),
    [K.classes]: z.enum(['fine', 'taxonomy', 'mini-xdr', 'kdd-category']).default('taxonomy'),
    [K.seed]: intText(0).default(42),
    [K.datasetVersion]: intText(1).optional(),
    [K.jobId]: z.string().min(1).optional(),
    [K.author]: z.string().min(1).default('training-container'),
    [K.parentVersion]: intText(1).optional(),
    [K.extraDatasets]: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}@[1-9]\d*(,[A-Za-z0-9][A-Za-z0-9._-]{0,127}@[1-9]\d*)*$/, 'must be name@version[,name@version…]')
      .optional(),
    [K.mode]: z.enum(['train', 'adapt', 'ensemble', 'federated']).default('train'),
    [K.runId]: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a run id')
      .optional(),
    [K.tenant]: TenantId.optional(),
    [K.members]: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}@[1-9]\d*(,[A-Za-z0-9][A-Za-z0-9._-]{0,127}@[1-9]\d*)*$/, 'must be model@version[,model@version…]')
      .optional(),
    [K.method]: z.enum(['selection', 'weights', 'auto']).optional(),
    [K.extraMembers]: intText(1)
      .pipe(z.number().max(MAX_EXTRA_MEMBERS, `must be at most ${MAX_EXTRA_MEMBERS}`))
      .optional(),
    [K.sampleFrom]: intText(0).optional(),
    [K.sampleTo]: intText(0).optional(),
    [K.tune]: z.enum(TUNE_LEVELS).optional(),
  })
  .catchall(z.string());

export interface ContainerHyperparameters {
  readonly model: string;
  readonly algorithm: 'gbdt' | 'mlp' | 'ensemble';
  readonly classes: 'fine' | 'taxonomy' | 'mini-xdr' | 'kdd-category';
  readonly seed: number;
  readonly dataset: string;
  readonly datasetVersion?: number;
  readonly jobId?: string;
  readonly author: string;
  readonly parentVersion?: number;
  /** Further datasets to train on with `dataset`. */
  readonly extraDatasets?: readonly { readonly name: string; readonly version: number }[];
  /** 'adapt': continue the parent (the `parent` channel) on rows [sampleFrom, sampleTo) of `dataset`. */
  readonly mode: 'train' | 'adapt' | 'ensemble' | 'federated';
  /** mode=federated: the run served, and the tenant whose dataset `dataset` names. */
  readonly runId?: string;
  readonly tenant?: string;
  /** mode=ensemble: the members the `parent` channel holds (members.json), and how the weights are found. */
  readonly members?: readonly { readonly model: string; readonly version: number }[];
  readonly method?: 'selection' | 'weights' | 'auto';
  /** mode=ensemble: extra members to train on the first member's dataset version and split. */
  readonly extraMembers?: number;
  readonly sampleFrom?: number;
  readonly sampleTo?: number;
  /** The validation search (absent: the pipeline's default). */
  readonly tune?: TuneLevel;
  /** Learner parameters (`param.<name>`): numbers where the text is numeric, booleans for true/false. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
}

function paramValue(text: string): number | string | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  return /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(text) ? Number(text) : text;
}

/**
 * Parses hyperparameters.json (SageMaker passes every value as a string).
 * @throws HyperparameterError naming the offending parameter
 */
export function parseHyperparameters(json: unknown): ContainerHyperparameters {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new HyperparameterError('hyperparameters.json must hold a JSON object');
  const known = new Set<string>(Object.values(K).filter((k) => k !== K.paramPrefix));
  for (const [key, value] of Object.entries(json)) {
    if (typeof value !== 'string')
      throw new HyperparameterError(`hyperparameter "${key}" must be a string (SageMaker passes strings), got ${JSON.stringify(value)}`);
    if (!known.has(key) && !key.startsWith(K.paramPrefix))
      throw new HyperparameterError(`unknown hyperparameter "${key}" (learner parameters go as "${K.paramPrefix}<name>")`);
  }
  const parsed = hyperparameterSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? 'hyperparameters');
    throw new HyperparameterError(`hyperparameter "${key}" ${issue.message} (got ${JSON.stringify((json as Record<string, unknown>)[key])})`);
  }
  const h = parsed.data as Record<string, unknown>;
  const params: Record<string, number | string | boolean> = {};
  for (const [key, value] of Object.entries(h)) if (key.startsWith(K.paramPrefix)) params[key.slice(K.paramPrefix.length)] = paramValue(String(value));
  return {
    model: h[K.model] as string,
    algorithm: h[K.algorithm] as ContainerHyperparameters['algorithm'],
    classes: h[K.classes] as ContainerHyperparameters['classes'],
    seed: h[K.seed] as number,
    dataset: h[K.dataset] as string,
    ...(h[K.datasetVersion] !== undefined ? { datasetVersion: h[K.datasetVersion] as number } : {}),
    ...(h[K.jobId] !== undefined ? { jobId: h[K.jobId] as string } : {}),
    author: h[K.author] as string,
    ...(h[K.parentVersion] !== undefined ? { parentVersion: h[K.parentVersion] as number } : {}),
    ...(h[K.extraDatasets] !== undefined
      ? {
          extraDatasets: String(h[K.extraDatasets])
            .split(',')
            .map((ref) => ({ name: ref.slice(0, ref.lastIndexOf('@')), version: Number(ref.slice(ref.lastIndexOf('@') + 1)) })),
        }
      : {}),
    mode: h[K.mode] as ContainerHyperparameters['mode'],
    ...(h[K.members] !== undefined
      ? {
          members: String(h[K.members])
            .split(',')
            .map((ref) => ({ model: ref.slice(0, ref.lastIndexOf('@')), version: Number(ref.slice(ref.lastIndexOf('@') + 1)) })),
        }
      : {}),
    ...(h[K.method] !== undefined ? { method: h[K.method] as 'selection' | 'weights' | 'auto' } : {}),
    ...(h[K.extraMembers] !== undefined ? { extraMembers: h[K.extraMembers] as number } : {}),
    ...(h[K.runId] !== undefined ? { runId: h[K.runId] as string } : {}),
    ...(h[K.tenant] !== undefined ? { tenant: h[K.tenant] as string } : {}),
    ...(h[K.sampleFrom] !== undefined ? { sampleFrom: h[K.sampleFrom] as number } : {}),
    ...(h[K.sampleTo] !== undefined ? { sampleTo: h[K.sampleTo] as number } : {}),
    ...(h[K.tune] !== undefined ? { tune: h[K.tune] as TuneLevel } : {}),
    params,
  };
}

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out;
}

/** Read-only ObjectStore over an input channel: a key resolves to the file with its base name. */
export class ChannelObjectStore implements ObjectStore {
  private constructor(
    readonly bucket: string,
    private readonly byName: ReadonlyMap<string, string>,
  ) {}

  static async open(...dirs: string[]): Promise<ChannelObjectStore> {
    const files = (await Promise.all(dirs.map((d) => listFiles(d)))).flat();
    return new ChannelObjectStore(`channel:${dirs.join(',')}`, new Map(files.map((f) => [path.basename(f), f])));
  }

  /** Every chunk channel of the contract: `training` and the further datasets' `extra<i>`. */
  static async openAll(paths: ReturnType<typeof contractPaths>): Promise<ChannelObjectStore> {
    const extra = existsSync(paths.data) ? (await readdir(paths.data)).filter((d) => /^extra\d+$/.test(d)).map((d) => path.join(paths.data, d)) : [];
    return ChannelObjectStore.open(paths.training, ...extra);
  }

  async get(key: string): Promise<Uint8Array> {
    const file = this.byName.get(path.posix.basename(key));
    if (!file) throw new NotFoundError(`${key} is not in the input channel ${this.bucket}`);
    return readFile(file);
  }
  async exists(key: string): Promise<boolean> {
    return this.byName.has(path.posix.basename(key));
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.byName.keys()].filter((k) => k.startsWith(prefix));
  }
  async put(): Promise<void> {
    throw new Error('input channels are read-only');
  }
  async delete(): Promise<void> {
    throw new Error('input channels are read-only');
  }
}

/** Write-side ObjectStore over a directory: key `a/b/c` is the file `<dir>/a/b/c`. */
export class DirectoryObjectStore implements ObjectStore {
  constructor(readonly bucket: string) {}
  private file(key: string): string {
    const resolved = path.resolve(this.bucket, key);
    if (!resolved.startsWith(path.resolve(this.bucket) + path.sep)) throw new Error(`key ${key} escapes ${this.bucket}`);
    return resolved;
  }
  async put(key: string, body: Uint8Array | string): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, body);
  }
  async get(key: string): Promise<Uint8Array> {
    if (!existsSync(this.file(key))) throw new NotFoundError(`${key} is not in ${this.bucket}`);
    return readFile(this.file(key));
  }
  async exists(key: string): Promise<boolean> {
    return existsSync(this.file(key));
  }
  async list(prefix: string): Promise<string[]> {
    return (await listFiles(this.bucket)).map((f) => path.relative(this.bucket, f).split(path.sep).join('/')).filter((k) => k.startsWith(prefix));
  }
  async delete(): Promise<void> {
    throw new Error('the model directory is append-only');
  }
}

/** Read-only ItemTable holding the manifests of the manifest channels (the pipeline's manifest lookup). */
export class ManifestTable implements ItemTable {
  readonly tableName = 'manifest-channel';
  constructor(private readonly manifests: readonly DatasetManifest[]) {}

  /** Loads the manifest JSON of every manifest channel (`manifest`, `manifest-extra<i>`; failing that, *.json in the training channel). */
  static async open(paths: ReturnType<typeof contractPaths>): Promise<ManifestTable> {
    const channels = existsSync(paths.data)
      ? (await readdir(paths.data)).filter((d) => /^manifest(-extra\d+)?$/.test(d)).map((d) => path.join(paths.data, d))
      : [];
    let files = (await Promise.all(channels.map((d) => listFiles(d)))).flat().filter((f) => f.endsWith('.json'));
    if (files.length === 0) files = (await listFiles(paths.training)).filter((f) => f.endsWith('.json'));
    if (files.length === 0) throw new Error(`no dataset manifest (*.json) in ${paths.manifest} or ${paths.training}`);
    return new ManifestTable(await Promise.all(files.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as DatasetManifest)));
  }
  private matching(key: Item): DatasetManifest[] {
    return this.manifests.filter((m) => key.name === m.name && (key.version === undefined || key.version === m.version)).sort((a, b) => b.version - a.version);
  }
  async get(key: Item): Promise<Item | undefined> {
    return this.matching(key)[0] as unknown as Item | undefined;
  }
  async query(partitionKey: Item): Promise<Item[]> {
    return this.matching(partitionKey) as unknown as Item[];
  }
  async scan(): Promise<Item[]> {
    return [...this.manifests] as unknown as Item[];
  }
  async put(): Promise<void> {
    throw new ConditionFailedError('the manifest channel is read-only');
  }
  async batchPut(): Promise<void> {
    throw new ConditionFailedError('the manifest channel is read-only');
  }
  async putIfAbsent(): Promise<void> {
    throw new ConditionFailedError('the manifest channel is read-only');
  }
  async putIfRevision(): Promise<void> {
    throw new ConditionFailedError('the manifest channel is read-only');
  }
  async increment(): Promise<number> {
    throw new ConditionFailedError('the manifest channel is read-only');
  }
  async add(): Promise<Record<string, number>> {
    throw new ConditionFailedError('the manifest channel is read-only');
  }
  async delete(): Promise<void> {
    throw new ConditionFailedError('the manifest channel is read-only');
  }
}
