import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatasetError } from './errors';
import { isGzipFile, openLineStream, readHeadLines } from './line-reader';
import { TmpDir } from './testing/tmp-files';

async function readAll(file: string): Promise<{ lines: string[]; bytes: number; total: number }> {
  const stream = await openLineStream(file);
  const lines: string[] = [];
  for await (const line of stream.lines) lines.push(line);
  return { lines, bytes: stream.bytesRead(), total: stream.totalBytes };
}

describe('line reader', () => {
  const tmp = new TmpDir();
  afterAll(() => tmp.cleanup());
  const text = '\uFEFFa,b\r\n1,2\r\n\r\n3,4';

  it('reads plain and gzip files alike (gzip told by its magic bytes, not its name), CRLF and BOM handled', async () => {
    const plain = tmp.write('plain.csv', text);
    const gz = path.join(tmp.dir, 'compressed-without-extension.csv');
    writeFileSync(gz, gzipSync(Buffer.from(text)));
    expect(await isGzipFile(plain)).toBe(false);
    expect(await isGzipFile(gz)).toBe(true);
    const a = await readAll(plain);
    const b = await readAll(gz);
    expect(a.lines).toEqual(['a,b', '1,2', '', '3,4']);
    expect(b.lines).toEqual(a.lines);
    expect(a.bytes).toBe(a.total);
    expect(b.bytes).toBe(b.total);
    expect(b.total).toBeLessThan(a.total + 40);
  });

  it('reads only the first lines when asked', async () => {
    const file = tmp.write('many.txt.gz', Array.from({ length: 100_000 }, (_, i) => `line ${i}`).join('\n'));
    expect(await readHeadLines(file, 3)).toEqual(['line 0', 'line 1', 'line 2']);
  });

  it('turns a missing file and a truncated gzip into DatasetErrors', async () => {
    await expect(openLineStream(path.join(tmp.dir, 'nope.csv'))).rejects.toThrow(DatasetError);
    const whole = gzipSync(Buffer.from(Array.from({ length: 50_000 }, (_, i) => `${i},${i * 7}`).join('\n')));
    const truncated = path.join(tmp.dir, 'truncated.csv.gz');
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(readAll(truncated)).rejects.toThrow(DatasetError);
  });
});
