// The process's resident memory for the per-invocation usage records and metrics. Reading it opens
// /proc/self/stat (a syscall, ~0.5 ms under load, on every request at thousands a second); memory
// moves far slower than requests arrive, so one reading serves every invocation of RSS_REUSE_MS.

/** How long one RSS reading is reused, in ms. */
export const RSS_REUSE_MS = 100;

let readAt = -Infinity;
let rss = 0;

/** The process's RSS in bytes, read at most once per RSS_REUSE_MS. */
export function processRss(now: number = Date.now()): number {
  if (now - readAt >= RSS_REUSE_MS) {
    rss = process.memoryUsage.rss();
    readAt = now;
  }
  return rss;
}
