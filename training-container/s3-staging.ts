// S3 staging for backends that, unlike SageMaker, do not copy channels in and out (AWS Batch): with
// XDR_ML_HYPERPARAMETERS set, the entrypoint first writes the hyperparameters, downloads the
// manifest (XDR_ML_CHANNEL_MANIFEST, one object) and the chunks it names (from the
// XDR_ML_CHANNEL_TRAINING prefix) into the SageMaker layout, and after a successful run uploads
// every file of <base>/model/ under XDR_ML_OUTPUT_URI. The variables are the ones
// adapters/training-backends/batch-backend.ts puts in the container overrides.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ENV_KEYS, type PlatformConfig } from '../config/config';
import type { ObjectStore } from '../core/ports';
import { PARENT_INPUT_FILES } from '../core/retraining/backend';
import { contractPaths } from './sagemaker-contract';

export interface S3Staging {
  readonly outputUri: string;
}

function parseS3Uri(uri: string, variable: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri ?? '');
  if (!m) throw new Error(`${variable} must be an s3:// URI (got ${JSON.stringify(uri)})`);
  return { bucket: m[1], key: m[2] };
}

/** Stages the inputs when the configuration asks for it (config.container); undefined when it does not (SageMaker, local). */
export async function stageInputsFromS3(
  container: PlatformConfig['container'],
  base: string,
  storeFor: (bucket: string) => ObjectStore,
): Promise<S3Staging | undefined> {
  if (!container.hyperparameters) return undefined;
  const paths = contractPaths(base);
  const manifestUri = parseS3Uri(container.manifestChannel ?? '', ENV_KEYS.containerManifestChannel);
  const trainingUri = parseS3Uri(container.trainingChannel ?? '', ENV_KEYS.containerTrainingChannel);
  parseS3Uri(container.outputUri ?? '', ENV_KEYS.containerOutputUri);
  await mkdir(path.dirname(paths.hyperparameters), { recursive: true });
  await mkdir(paths.manifest, { recursive: true });
  await mkdir(paths.training, { recursive: true });
  await writeFile(paths.hyperparameters, container.hyperparameters);
  await stageDataset(storeFor, manifestUri, trainingUri, paths.manifest, paths.training, container.trainingChannel ?? '');
  // further datasets (the lineage's collected incidents), laid out as SageMaker lays out its extra channels
  const extras = container.extraChannels ? (JSON.parse(container.extraChannels) as { training: string; manifest: string }[]) : [];
  for (const [i, extra] of extras.entries()) {
    const manifestDir = path.join(paths.data, `manifest-extra${i + 1}`);
    const chunkDir = path.join(paths.data, `extra${i + 1}`);
    await mkdir(manifestDir, { recursive: true });
    await mkdir(chunkDir, { recursive: true });
    await stageDataset(
      storeFor,
      parseS3Uri(extra.manifest, ENV_KEYS.containerExtraChannels),
      parseS3Uri(extra.training, ENV_KEYS.containerExtraChannels),
      manifestDir,
      chunkDir,
      extra.training,
    );
  }
  if (container.parentChannel) {
    // an adaptation's parent version (PARENT_INPUT_FILES under the prefix), or an ensemble's members (every file under it)
    const parent = parseS3Uri(container.parentChannel, ENV_KEYS.containerParentChannel);
    const store = storeFor(parent.bucket);
    await mkdir(paths.parent, { recursive: true });
    const files = (await store.exists(`${parent.key}${PARENT_INPUT_FILES[0]}`))
      ? PARENT_INPUT_FILES
      : (await store.list(parent.key)).map((k) => k.slice(parent.key.length)).filter((f) => f !== '' && !f.includes('/'));
    for (const file of files) await writeFile(path.join(paths.parent, file), await store.get(`${parent.key}${file}`));
  }
  return { outputUri: container.outputUri as string };
}

async function stageDataset(
  storeFor: (bucket: string) => ObjectStore,
  manifestUri: { bucket: string; key: string },
  trainingUri: { bucket: string; key: string },
  manifestDir: string,
  chunkDir: string,
  trainingChannel: string,
): Promise<void> {
  const manifest = await storeFor(manifestUri.bucket).get(manifestUri.key);
  await writeFile(path.join(manifestDir, path.posix.basename(manifestUri.key)), manifest);
  const { chunks } = JSON.parse(Buffer.from(manifest).toString('utf8')) as { chunks?: { key: string }[] };
  const chunkStore = storeFor(trainingUri.bucket);
  for (const c of chunks ?? []) {
    if (!c.key.startsWith(trainingUri.key)) throw new Error(`manifest chunk ${c.key} is outside ${trainingChannel}`);
    await writeFile(path.join(chunkDir, path.posix.basename(c.key)), await chunkStore.get(c.key));
  }
}

/** Uploads every file of <base>/model/ under the output URI (keys relative to the model directory). */
export async function uploadModelDir(base: string, outputUri: string, storeFor: (bucket: string) => ObjectStore): Promise<number> {
  const { bucket, key } = parseS3Uri(outputUri, ENV_KEYS.containerOutputUri);
  const prefix = key.endsWith('/') ? key : `${key}/`;
  const store = storeFor(bucket);
  const root = contractPaths(base).model;
  let n = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        await store.put(`${prefix}${path.relative(root, full).split(path.sep).join('/')}`, await readFile(full));
        n += 1;
      }
    }
  };
  await walk(root);
  return n;
}
