// Temporary files for the dataset module's tests (removed by cleanup()).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** A temporary directory for one test file. */
export class TmpDir {
  private created: string | undefined;

  /** The directory, created on first use (so skipped or filtered suites leave nothing behind). */
  get dir(): string {
    this.created ??= mkdtempSync(path.join(tmpdir(), 'mini-xdr-datasets-'));
    return this.created;
  }

  /** Writes a file (gzip-compressed when the name ends in .gz) and returns its path. */
  write(name: string, text: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, name.endsWith('.gz') ? gzipSync(Buffer.from(text)) : text);
    return file;
  }

  cleanup(): void {
    if (this.created !== undefined) rmSync(this.created, { recursive: true, force: true });
    this.created = undefined;
  }
}

/**
 * Streams a copy of a (plain or gzip) text file to `dest` (plain), replacing the 1-based lines
 * named in `edits` by the edit's result (null removes the line). `append` lines are added at the end.
 */
export async function editedCopy(
  src: string,
  dest: string,
  edits: ReadonlyMap<number, (line: string) => string | null>,
  append: readonly string[] = [],
): Promise<void> {
  const { openLineStream } = await import('../line-reader');
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(dest);
  const stream = await openLineStream(src);
  let n = 0;
  let pending: string[] = [];
  const drain = async (): Promise<void> => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  for await (const line of stream.lines) {
    n++;
    const edit = edits.get(n);
    const next = edit === undefined ? line : edit(line);
    if (next !== null) pending.push(`${next}\n`);
    if (pending.length >= 4096) await drain();
  }
  for (const line of append) pending.push(`${line}\n`);
  await drain();
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
