import { createProgressBar, formatBytes, renderProgress, type ProgressStream } from './progress';

function stream(isTTY: boolean): ProgressStream & { text: string } {
  const s = { isTTY, columns: 100, text: '', write: (t: string) => ((s.text += t), true) };
  return s;
}

describe('progress bar', () => {
  it('renders share, done and total', () => {
    expect(renderProgress('ingest', 512 * 1024, 1024 * 1024, 100, '1000 rows')).toMatch(
      /^ingest \[#{10,20}-{10,20}\] {2}50% 512\.0 KiB \/ 1\.0 MiB 1000 rows$/,
    );
    expect(renderProgress('ingest', 2048, undefined, 100)).toBe('ingest 2.0 KiB');
    expect(renderProgress('x', 10, 10, 60, '', (n) => `${n} rows`)).toContain('100% 10 rows / 10 rows');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });

  it('draws on a terminal and clears its line at the end', () => {
    const tty = stream(true);
    const bar = createProgressBar('ingest', tty, { intervalMs: 0 });
    bar.update(10, 100);
    bar.update(100, 100);
    bar.finish();
    expect(bar.enabled).toBe(true);
    expect(tty.text).toContain('  10%');
    expect(tty.text).toContain('100%');
    expect(tty.text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const pipe = stream(false);
    const bar = createProgressBar('ingest', pipe, { intervalMs: 0 });
    bar.update(10, 100);
    bar.finish();
    expect(bar.enabled).toBe(false);
    expect(pipe.text).toBe('');
  });
});
