// Readers of a finished job's output for the CompletionHandler: files by path relative to the
// job's /opt/ml/model directory. A local directory (local backend), an s3:// URI of SageMaker's
// model.tar.gz (gunzip + a minimal ustar reader), or an s3:// prefix (Batch uploads the files).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ObjectStore } from '../../core/ports';
import type { JobOutputFiles } from '../../core/retraining/completion';
import { JobOutputError } from '../../core/retraining/errors';

/** Every file under a directory, keyed by its '/'-separated relative path. */
export async function readDirectoryOutput(dir: string): Promise<JobOutputFiles> {
  const out = new Map<string, Uint8Array>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.set(path.relative(dir, full).split(path.sep).join('/'), await readFile(full));
    }
  };
  await walk(dir);
  return out;
}

const text = (b: Uint8Array, start: number, length: number): string => {
  let end = start;
  while (end < start + length && b[end] !== 0) end++;
  return Buffer.from(b.subarray(start, end)).toString('utf8');
};

/** Regular files of an (uncompressed) tar archive: ustar/GNU headers, PAX long names honoured. */
export function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(text(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    longName = undefined;
    if (type === 'L') longName = text(body, 0, size);
    else if (type === 'x') {
      const m = /\d+ path=([^\n]+)\n/.exec(Buffer.from(body).toString('utf8'));
      if (m) longName = m[1];
    } else if (type === '0' || type === '\0' || type === '7') files.set(name.replace(/^\.\//, ''), Uint8Array.from(body));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new JobOutputError(`not an s3:// URI: ${uri}`);
  return { bucket: m[1], key: m[2] };
}

/**
 * A reader for any output location: local directories, s3://…/model.tar.gz, s3://…/prefix/.
 * @param bucketStore the ObjectStore of a bucket by name (only the artefacts bucket in practice)
 * @example const readOutput = jobOutputReader((b) => new S3ObjectStore(clients.s3, b));
 */
export function jobOutputReader(bucketStore: (bucket: string) => ObjectStore): (location: string) => Promise<JobOutputFiles> {
  return async (location) => {
    if (!location.startsWith('s3://')) return readDirectoryOutput(location);
    const { bucket, key } = parseS3Uri(location);
    const store = bucketStore(bucket);
    if (key.endsWith('.tar.gz') || key.endsWith('.tgz')) {
      const archive = await store.get(key);
      return untar(gunzipSync(archive));
    }
    const prefix = key.endsWith('/') ? key : `${key}/`;
    const out = new Map<string, Uint8Array>();
    for (const k of await store.list(prefix)) out.set(k.slice(prefix.length), await store.get(k));
    return out;
  };
}
