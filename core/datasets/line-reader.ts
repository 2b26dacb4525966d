// Streams the lines of a text file, plain or gzip (detected from the magic bytes), with bounded
// memory: fs read stream → optional createGunzip → node:readline. Counts the raw bytes read.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DatasetError } from './errors';

/** An opened line stream: iterate `lines` once; `bytesRead()` counts raw (possibly compressed) bytes. */
export interface LineStream {
  readonly lines: AsyncIterable<string>;
  bytesRead(): number;
  readonly totalBytes: number;
  /** Stops reading and releases the file (safe to call twice). */
  close(): void;
}

/** True when the file starts with the gzip magic bytes 1f 8b. */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** An opened byte stream: the file's (decompressed) bytes in buffers, iterated once. */
export interface ByteStream {
  readonly chunks: AsyncIterable<Buffer>;
  /** Raw (possibly compressed) bytes read so far. */
  bytesRead(): number;
  readonly totalBytes: number;
  /** Stops reading and releases the file (safe to call twice). */
  close(): void;
}

/** Read and gunzip buffer size: large buffers mean fewer, larger parse blocks. */
const BYTE_CHUNK = 1 << 20;

/**
 * Opens a file as a stream of byte buffers, plain or gzip (detected from the magic bytes); no line
 * splitting (the columnar CSV parser finds lines in the bytes itself).
 *
 * @example
 * const s = await openByteStream('cicids2017.csv.gz');
 * for await (const buf of s.chunks) { ... }
 */
export async function openByteStream(path: string): Promise<ByteStream> {
  const { input, bytesRead, totalBytes, close } = await openInput(path, BYTE_CHUNK);
  async function* chunks(): AsyncGenerator<Buffer> {
    let total = 0;
    try {
      for await (const chunk of input) {
        total += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    } catch (err) {
      throw new DatasetError(`cannot read ${path} after ${total} bytes: ${(err as Error).message}`, { cause: err });
    } finally {
      close();
    }
  }
  return { chunks: chunks(), bytesRead, totalBytes, close };
}

/**
 * Opens a file as a stream of lines (without line terminators; CRLF handled; a leading UTF-8 BOM
 * removed).
 *
 * @example
 * const s = await openLineStream('KDDTrain+.txt.gz');
 * for await (const line of s.lines) { ... }
 */
export async function openLineStream(path: string): Promise<LineStream> {
  const opened = await openInput(path, 1 << 16);
  const rl = createInterface({ input: opened.input, crlfDelay: Infinity });
  const close = (): void => {
    rl.close();
    opened.close();
  };
  async function* lines(): AsyncGenerator<string> {
    let first = true;
    let count = 0;
    try {
      for await (const line of rl) {
        count++;
        if (first) {
          first = false;
          yield line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
        } else {
          yield line;
        }
      }
    } catch (err) {
      throw new DatasetError(`cannot read ${path} after line ${count}: ${(err as Error).message}`, { cause: err });
    } finally {
      close();
    }
  }
  return { lines: lines(), bytesRead: opened.bytesRead, totalBytes: opened.totalBytes, close };
}

/**
 * A file's bytes, gunzipped when it is gzip (detected from the magic bytes), with the file bytes
 * read so far (progress against its size) and a close that stops both streams.
 */
async function openInput(path: string, chunkBytes: number) {
  let gzip: boolean;
  let info: { size: number };
  try {
    [gzip, info] = await Promise.all([isGzipFile(path), stat(path)]);
  } catch (err) {
    throw new DatasetError(`cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  const raw = createReadStream(path, { highWaterMark: chunkBytes });
  let bytes = 0;
  raw.on('data', (chunk: Buffer | string) => {
    bytes += chunk.length;
  });
  let input: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: chunkBytes });
    raw.on('error', (err) => gunzip.destroy(err));
    input = raw.pipe(gunzip);
  }
  const close = (): void => {
    if (input !== raw) input.destroy();
    raw.destroy();
  };
  return { input, bytesRead: () => bytes, totalBytes: info.size, close };
}

/** Reads at most `n` first lines of a file (plain or gzip) and closes it. */
export async function readHeadLines(path: string, n: number): Promise<string[]> {
  const stream = await openLineStream(path);
  const out: string[] = [];
  try {
    for await (const line of stream.lines) {
      out.push(line);
      if (out.length >= n) break;
    }
  } finally {
    stream.close();
  }
  return out;
}
