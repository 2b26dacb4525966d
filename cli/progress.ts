// A dependency-free progress bar for long CLI operations: drawn on a terminal (stderr by default),
// silent when the stream is not a TTY so pipes and logs stay clean.

/** The stream a progress bar draws on. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

/** A progress bar over a byte count (or any count), redrawn at most every `intervalMs`. */
export interface ProgressBar {
  /** True when the bar draws (the stream is a terminal). */
  readonly enabled: boolean;
  update(done: number, total: number | undefined, detail?: string): void;
  /** Clears the bar's line. */
  finish(): void;
}

/** Formats a byte count as B / KiB / MiB / GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** The text of one bar line (`unit` formats the counts; bytes by default): `label [#####-----]  42% 1.2 MiB / 3.0 MiB detail`. */
export function renderProgress(
  label: string,
  done: number,
  total: number | undefined,
  width: number,
  detail = '',
  unit: (n: number) => string = formatBytes,
): string {
  const tail = detail.length > 0 ? ` ${detail}` : '';
  if (total === undefined || !(total > 0)) return `${label} ${unit(done)}${tail}`;
  const share = Math.min(1, Math.max(0, done / total));
  const barWidth = Math.max(10, Math.min(40, width - label.length - 40));
  const filled = Math.round(share * barWidth);
  const pct = `${Math.floor(share * 100)}`.padStart(3);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${pct}% ${unit(done)} / ${unit(total)}${tail}`;
}

/**
 * Creates a progress bar on `stream` (default process.stderr); it draws only when the stream is a TTY.
 * @example
 * const bar = createProgressBar('ingest'); bar.update(bytesRead, totalBytes, `${rows} rows`); bar.finish();
 */
export function createProgressBar(
  label: string,
  stream: ProgressStream = process.stderr,
  options: { intervalMs?: number; unit?: (n: number) => string } = {},
): ProgressBar {
  const intervalMs = options.intervalMs ?? 100;
  const enabled = stream.isTTY === true;
  let last = 0;
  let drawn = false;
  return {
    enabled,
    update(done, total, detail) {
      if (!enabled) return;
      const now = Date.now();
      if (drawn && now - last < intervalMs && !(total !== undefined && done >= total)) return;
      last = now;
      drawn = true;
      const width = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
      stream.write(`\r${renderProgress(label, done, total, width, detail, options.unit).slice(0, width - 1)}\x1b[K`);
    },
    finish() {
      if (enabled && drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
