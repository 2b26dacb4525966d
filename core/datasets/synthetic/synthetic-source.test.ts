import type { ParsedRow } from '../source';
import { CICIDS2017_FEATURE_COLUMNS, type CicidsColumn } from './cicids-columns';
import { ACTIVITY_TIMEOUT_US } from './flow-generator';
import { loadScenarios } from './scenario';
import { generateSyntheticRows, openSyntheticSource } from './synthetic-source';

const at = new Map<string, number>(CICIDS2017_FEATURE_COLUMNS.map((c, i) => [c, i]));
const v = (row: ParsedRow, c: CicidsColumn): number => row.values[at.get(c) as number] as number;

async function take(options: Parameters<typeof openSyntheticSource>[0]): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  for await (const r of openSyntheticSource(options).rows()) {
    if (r.kind === 'row') out.push(r);
  }
  return out;
}

function close(actual: number, expected: number, rel = 1e-9): boolean {
  return Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected));
}

/** Every violated invariant of one generated flow, as readable strings. */
function violations(r: ParsedRow): string[] {
  const bad: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) bad.push(what);
  };
  const fwd = v(r, 'Total Fwd Packets');
  const bwd = v(r, 'Total Backward Packets');
  const n = fwd + bwd;
  const fwdBytes = v(r, 'Total Length of Fwd Packets');
  const bwdBytes = v(r, 'Total Length of Bwd Packets');
  const dur = v(r, 'Flow Duration');
  const secs = dur / 1e6;
  check(
    r.values.every((x) => typeof x === 'number' && Number.isFinite(x)),
    'all values finite',
  );
  check(fwd >= 1 && n >= 2 && dur >= 1, 'at least 2 packets and 1 µs');
  check(close(v(r, 'Flow Bytes/s'), (fwdBytes + bwdBytes) / secs), 'Flow Bytes/s = bytes / duration');
  check(close(v(r, 'Flow Packets/s'), n / secs), 'Flow Packets/s');
  check(close(v(r, 'Fwd Packets/s'), fwd / secs), 'Fwd Packets/s');
  check(close(v(r, 'Bwd Packets/s'), bwd / secs), 'Bwd Packets/s');
  check(close(v(r, 'Fwd Packet Length Mean') * fwd, fwdBytes), 'fwd mean × count = fwd total');
  check(close(v(r, 'Bwd Packet Length Mean') * bwd, bwdBytes), 'bwd mean × count = bwd total');
  check(close(v(r, 'Packet Length Mean') * n, fwdBytes + bwdBytes), 'mean × packets = total bytes');
  check(close(v(r, 'Average Packet Size'), v(r, 'Packet Length Mean')), 'Average Packet Size');
  check(
    v(r, 'Fwd Packet Length Min') <= v(r, 'Fwd Packet Length Mean') + 1e-9 && v(r, 'Fwd Packet Length Mean') <= v(r, 'Fwd Packet Length Max') + 1e-9,
    'fwd min ≤ mean ≤ max',
  );
  if (bwd > 0) {
    check(
      v(r, 'Bwd Packet Length Min') <= v(r, 'Bwd Packet Length Mean') + 1e-9 && v(r, 'Bwd Packet Length Mean') <= v(r, 'Bwd Packet Length Max') + 1e-9,
      'bwd min ≤ mean ≤ max',
    );
  }
  const maxAll = bwd > 0 ? Math.max(v(r, 'Fwd Packet Length Max'), v(r, 'Bwd Packet Length Max')) : v(r, 'Fwd Packet Length Max');
  const minAll = bwd > 0 ? Math.min(v(r, 'Fwd Packet Length Min'), v(r, 'Bwd Packet Length Min')) : v(r, 'Fwd Packet Length Min');
  check(v(r, 'Max Packet Length') === maxAll && v(r, 'Min Packet Length') === minAll, 'overall min/max from directions');
  check(close(v(r, 'Packet Length Variance'), v(r, 'Packet Length Std') ** 2), 'variance = std²');
  // The overall std follows from the per-direction means and stds (sample std, n − 1).
  const ss = (k: number, m: number, s: number): number => (k > 1 ? (k - 1) * s * s : 0) + k * m * m;
  const ssAll = ss(fwd, v(r, 'Fwd Packet Length Mean'), v(r, 'Fwd Packet Length Std')) + ss(bwd, v(r, 'Bwd Packet Length Mean'), v(r, 'Bwd Packet Length Std'));
  const meanAll = v(r, 'Packet Length Mean');
  check(close(v(r, 'Packet Length Variance'), Math.max(0, (ssAll - n * meanAll * meanAll) / (n - 1)), 1e-6), 'pooled variance');
  check(close(v(r, 'Flow IAT Mean') * (n - 1), dur, 1e-9), 'Flow IAT Mean × gaps = duration');
  check(v(r, 'Flow IAT Min') >= 1 && v(r, 'Flow IAT Max') <= dur, 'flow IAT range');
  check(v(r, 'Fwd IAT Total') <= dur && v(r, 'Bwd IAT Total') <= dur, 'direction IAT totals ≤ duration');
  check(fwd < 2 || close(v(r, 'Fwd IAT Mean') * (fwd - 1), v(r, 'Fwd IAT Total')), 'Fwd IAT Mean × gaps = Fwd IAT Total');
  check(bwd < 2 || close(v(r, 'Bwd IAT Mean') * (bwd - 1), v(r, 'Bwd IAT Total')), 'Bwd IAT Mean × gaps = Bwd IAT Total');
  check(v(r, 'Subflow Fwd Packets') === fwd && v(r, 'Subflow Bwd Packets') === bwd, 'subflow packets');
  check(v(r, 'Subflow Fwd Bytes') === fwdBytes && v(r, 'Subflow Bwd Bytes') === bwdBytes, 'subflow bytes');
  check(
    close(v(r, 'Avg Fwd Segment Size'), v(r, 'Fwd Packet Length Mean')) && close(v(r, 'Avg Bwd Segment Size'), v(r, 'Bwd Packet Length Mean')),
    'segment sizes',
  );
  check(v(r, 'Fwd Header Length') === fwd * v(r, 'min_seg_size_forward') && v(r, 'Bwd Header Length') === bwd * v(r, 'min_seg_size_forward'), 'header lengths');
  check(v(r, 'Down/Up Ratio') === Math.floor(bwd / fwd), 'Down/Up Ratio');
  check(v(r, 'act_data_pkt_fwd') <= fwd && v(r, 'act_data_pkt_fwd') > 0 === fwdBytes > 0, 'act_data_pkt_fwd');
  check(v(r, 'PSH Flag Count') === v(r, 'Fwd PSH Flags') + v(r, 'Bwd PSH Flags'), 'PSH = fwd + bwd PSH');
  check(v(r, 'URG Flag Count') === v(r, 'Fwd URG Flags') + v(r, 'Bwd URG Flags'), 'URG = fwd + bwd URG');
  for (const f of ['FIN Flag Count', 'SYN Flag Count', 'RST Flag Count', 'ACK Flag Count'] as const) check(v(r, f) <= n, `${f} ≤ packets`);
  check(v(r, 'Init_Win_bytes_backward') === -1 || bwd > 0, 'backward window only with backward packets');
  if (v(r, 'Idle Max') > 0) {
    check(v(r, 'Idle Min') > ACTIVITY_TIMEOUT_US && v(r, 'Idle Max') <= dur, 'idle periods exceed the activity timeout');
    check(v(r, 'Active Max') + v(r, 'Idle Max') <= dur, 'active + idle ≤ duration');
  } else {
    check(v(r, 'Active Mean') === 0 && v(r, 'Flow IAT Max') <= ACTIVITY_TIMEOUT_US, 'no idle period → no active period');
  }
  return bad;
}

describe('synthetic source', () => {
  it('streams the requested number of rows in the CICIDS2017 layout, scenarios taking turns', async () => {
    const source = openSyntheticSource({ scenarios: ['port-scan', 'benign'], rows: 7, seed: 1 });
    expect(source.format).toBe('synthetic');
    expect(source.columns.map((c) => c.name)).toEqual([...CICIDS2017_FEATURE_COLUMNS]);
    const rows = await take({ scenarios: ['port-scan', 'benign'], rows: 7, seed: 1 });
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rows.map((r) => r.label)).toEqual(['PortScan', 'BENIGN', 'PortScan', 'BENIGN', 'PortScan', 'BENIGN', 'PortScan']);
    expect(rows.every((r) => r.values.length === 77)).toBe(true);
  });

  it('is deterministic per seed, also across iterations of one source', async () => {
    const a = await take({ scenarios: 'all', rows: 100, seed: 42 });
    const b = await take({ scenarios: 'all', rows: 100, seed: 42 });
    const c = await take({ scenarios: 'all', rows: 100, seed: 43 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const source = openSyntheticSource({ scenarios: 'all', rows: 50, seed: 42 });
    const first: unknown[] = [];
    const second: unknown[] = [];
    for await (const r of source.rows()) first.push(r);
    for await (const r of source.rows()) second.push(r);
    expect(second).toEqual(first);
    expect(first).toEqual(a.slice(0, 50));
  });

  it('keeps every derived feature consistent with the generated packets, for every row', () => {
    const scenarios = loadScenarios('all');
    const failures = new Map<string, number>();
    let rows = 0;
    for (const r of generateSyntheticRows(scenarios, 2000, 7)) {
      rows++;
      for (const what of violations(r)) failures.set(`${r.label}: ${what}`, (failures.get(`${r.label}: ${what}`) ?? 0) + 1);
    }
    expect(rows).toBe(2000);
    expect(Object.fromEntries(failures)).toEqual({});
  });

  it('reports flags as 0/1 presence when asked', () => {
    const flagCols = ['SYN Flag Count', 'FIN Flag Count', 'PSH Flag Count', 'ACK Flag Count', 'Fwd PSH Flags'] as const;
    let synSeen = 0;
    for (const r of generateSyntheticRows(loadScenarios(['syn-flood', 'http-flood']), 400, 3, 'presence')) {
      for (const c of flagCols) expect([0, 1]).toContain(v(r, c));
      synSeen += v(r, 'SYN Flag Count');
    }
    expect(synSeen).toBe(400); // every flow starts with a SYN
  });

  it('generates distinguishable flows per scenario', () => {
    const scenarios = loadScenarios('all');
    const per = 300;
    const byName = new Map<string, ParsedRow[]>();
    scenarios.forEach((s) => byName.set(s.name, []));
    let i = 0;
    for (const r of generateSyntheticRows(scenarios, per * scenarios.length, 11)) byName.get(scenarios[i++ % scenarios.length].name)?.push(r);
    const mean = (name: string, c: CicidsColumn): number => {
      const rows = byName.get(name) ?? [];
      return rows.reduce((a, r) => a + v(r, c), 0) / rows.length;
    };
    const others = (name: string): string[] => scenarios.map((s) => s.name).filter((n) => n !== name);

    // port scan: many distinct destination ports, tiny flows of ≤ 2 packets
    const scan = byName.get('port-scan') ?? [];
    expect(new Set(scan.map((r) => v(r, 'Destination Port'))).size).toBeGreaterThan(0.95 * per);
    expect(scan.every((r) => v(r, 'Total Fwd Packets') + v(r, 'Total Backward Packets') <= 2)).toBe(true);
    expect(mean('port-scan', 'Flow Duration')).toBeLessThan(1000);
    // SYN flood: by far the highest SYN count, no payload
    for (const o of others('syn-flood')) expect(mean('syn-flood', 'SYN Flag Count')).toBeGreaterThan(10 * mean(o, 'SYN Flag Count'));
    expect(mean('syn-flood', 'Total Length of Fwd Packets')).toBe(0);
    // service ports of the brute-force and web scenarios
    for (const [name, port] of [
      ['ssh-brute-force', 22],
      ['ftp-brute-force', 21],
      ['http-flood', 80],
      ['web-injection', 80],
      ['syn-flood', 80],
    ] as const) {
      expect((byName.get(name) ?? []).every((r) => v(r, 'Destination Port') === port)).toBe(true);
    }
    // exfiltration: longest flows, mostly outbound bytes
    for (const o of others('slow-exfiltration')) expect(mean('slow-exfiltration', 'Flow Duration')).toBeGreaterThan(mean(o, 'Flow Duration'));
    expect(mean('slow-exfiltration', 'Total Length of Fwd Packets')).toBeGreaterThan(10 * mean('slow-exfiltration', 'Total Length of Bwd Packets'));
    // HTTP flood answers with more bytes than it sends; web injection sends the longest requests
    expect(mean('http-flood', 'Total Length of Bwd Packets')).toBeGreaterThan(mean('http-flood', 'Total Length of Fwd Packets'));
    for (const o of ['http-flood', 'ssh-brute-force', 'ftp-brute-force', 'botnet-beaconing', 'benign']) {
      expect(mean('web-injection', 'Fwd Packet Length Max')).toBeGreaterThan(mean(o, 'Fwd Packet Length Max'));
    }
    // beaconing: the most regular inter-arrival times (lowest coefficient of variation)
    const cv = (name: string): number => mean(name, 'Flow IAT Std') / mean(name, 'Flow IAT Mean');
    for (const o of ['http-flood', 'ssh-brute-force', 'ftp-brute-force', 'web-injection', 'benign', 'slow-exfiltration']) {
      expect(cv('botnet-beaconing')).toBeLessThan(cv(o));
    }

    // A nearest-centroid classifier on log-scaled features tells the attack scenarios apart on held-out
    // flows ('benign' is deliberately broad — it overlaps every attack's centroid — so it is left out).
    const feats = (r: ParsedRow): number[] => r.values.map((x) => Math.sign(x as number) * Math.log1p(Math.abs(x as number)));
    const centroids = new Map<string, number[]>();
    byName.delete('benign');
    for (const [name, rows] of byName) {
      const train = rows.slice(0, per / 2).map(feats);
      centroids.set(
        name,
        train[0].map((_, j) => train.reduce((a, f) => a + f[j], 0) / train.length),
      );
    }
    let correct = 0;
    let total = 0;
    for (const [name, rows] of byName) {
      for (const r of rows.slice(per / 2)) {
        const f = feats(r);
        let best = '';
        let bestD = Infinity;
        for (const [c, mu] of centroids) {
          const d = mu.reduce((a, m, j) => a + (m - f[j]) ** 2, 0);
          if (d < bestD) {
            bestD = d;
            best = c;
          }
        }
        total++;
        if (best === name) correct++;
      }
    }
    expect(correct / total).toBeGreaterThan(0.93);
  });

  it('refuses bad options and unknown scenarios with a ScenarioError naming them', () => {
    expect(() => openSyntheticSource({ scenarios: 'all', rows: -1, seed: 1 })).toThrow(/invalid synthetic source options: rows: /);
    expect(() => openSyntheticSource({ scenarios: [], rows: 1, seed: 1 })).toThrow(/scenarios: /);
    expect(() => openSyntheticSource({ scenarios: ['teleport'], rows: 1, seed: 1 })).toThrow(/unknown scenario "teleport"/);
    const inline = { ...loadScenarios(['benign'])[0], fwdDataProbability: 3 };
    expect(() => openSyntheticSource({ scenarios: [inline], rows: 1, seed: 1 })).toThrow(/scenarios\[0\] \(benign\): fwdDataProbability/);
  });
});
