// A bounded load test of local telemetry: `xdr-ml serve` with an 8 MiB telemetry bound takes
// 1-flow and 1,000-flow predicts side by side for 60 s (XDR_LOAD_SECONDS), every request sampled,
// and the telemetry bucket's directory on disk never grows past the bound while far more than the
// bound is written.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isolatedEnv, startServe, waitFor, type ServedPlatform } from '../support/serve';

const BOUND = 8 * 1024 * 1024;
const SECONDS = Number(process.env.XDR_LOAD_SECONDS ?? 60);

/** Bytes of every file under `dir` (objects and s3rver's metadata), and the largest one. */
function diskUsage(dir: string): { total: number; largest: number } {
  let total = 0;
  let largest = 0;
  const walk = (d: string) => {
    let entries: string[] = [];
    try {
      entries = readdirSync(d);
    } catch {
      return; // a directory the sweeper just emptied and s3rver removed
    }
    for (const name of entries) {
      const p = path.join(d, name);
      try {
        const s = statSync(p);
        if (s.isDirectory()) walk(p);
        else {
          total += s.size;
          largest = Math.max(largest, s.size);
        }
      } catch {
        // deleted between the listing and the stat
      }
    }
  };
  walk(dir);
  return { total, largest };
}

describe('local telemetry under sustained load', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-load-'));
  const noData = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-nodata-')); // no real data: the bootstrap synthesizes (quicker)
  const env = isolatedEnv(home, {
    XDR_ML_STAGE: 'load',
    XDR_ML_BOOTSTRAP: 'true',
    DATASETS_DIR: noData,
    XDR_ML_TELEMETRY_MAX_BYTES: String(BOUND),
    XDR_ML_SAMPLE_RATE: '1',
  });
  let platform: ServedPlatform;

  beforeAll(async () => {
    platform = await startServe(env);
    await waitFor('the bootstrap', async () => (/ready: curl|bootstrap failed/.test(platform.output()) ? true : undefined), 300_000);
    expect(platform.output()).toMatch(/ready: curl/);
  }, 320_000);
  afterAll(async () => {
    await platform?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(noData, { recursive: true, force: true });
  });

  it(`keeps the telemetry bucket under ${BOUND} bytes through ${SECONDS} s of 1-flow and 1,000-flow predicts`, async () => {
    const example = JSON.parse(readFileSync(path.join(home, 'example-predict.json'), 'utf8')) as { model: string; flows: Record<string, unknown>[] };
    const flow = example.flows[0];
    const numeric = Object.keys(flow).find((k) => typeof flow[k] === 'number')!;
    const one = JSON.stringify(example);
    const thousand = JSON.stringify({
      model: example.model,
      flows: Array.from({ length: 1000 }, (_, i) => ({ ...flow, [numeric]: (flow[numeric] as number) + i })),
    });
    const bucketDir = path.join(
      home,
      's3',
      readdirSync(path.join(home, 's3')).find((d) => d.includes('-telemetry-'))!,
    );

    const until = Date.now() + SECONDS * 1000;
    const counts = { one: 0, thousand: 0, failed: 0 };
    let observed = 0;
    let largestSample = 0;
    const load = async (body: string, key: 'one' | 'thousand') => {
      while (Date.now() < until) {
        const res = await fetch(`${platform.url}/api/ml/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        if (res.status === 200) counts[key]++;
        else counts.failed++;
      }
    };
    const watch = async () => {
      while (Date.now() < until + 2000) {
        const usage = diskUsage(bucketDir);
        observed = Math.max(observed, usage.total);
        largestSample = Math.max(largestSample, usage.largest);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await Promise.all([load(one, 'one'), load(thousand, 'thousand'), load(thousand, 'thousand'), watch()]);

    const writtenAtLeast = counts.thousand * largestSample * 0.9;
    console.log(
      `load: ${SECONDS} s, ${counts.one} 1-flow and ${counts.thousand} 1,000-flow predicts (${counts.failed} failed); ` +
        `1,000-flow sample ≈ ${largestSample} bytes, ≥ ${Math.round(writtenAtLeast / 1024 / 1024)} MiB written; telemetry on disk peaked at ${observed} bytes (bound ${BOUND})`,
    );
    expect(counts.failed).toBe(0);
    expect(counts.one).toBeGreaterThan(0);
    expect(writtenAtLeast).toBeGreaterThan(2 * BOUND); // the bound was tested, not just never reached
    expect(observed).toBeLessThanOrEqual(BOUND);
  }, 600_000);
});
