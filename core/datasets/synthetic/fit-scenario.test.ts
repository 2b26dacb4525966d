import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { datasetPath, describeWithData } from '../../../test/support/datasets';
import { CICIDS2017_FEATURE_COLUMNS } from './cicids-columns';
import { fitScenario } from './fit-scenario';
import { loadScenarios, parseScenario, type Distribution, type ScenarioDefinition } from './scenario';
import { generateSyntheticRows } from './synthetic-source';

function asRecords(scenario: ScenarioDefinition, rows: number, seed: number): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const r of generateSyntheticRows([scenario], rows, seed)) {
    out.push(Object.fromEntries(CICIDS2017_FEATURE_COLUMNS.map((c, j) => [c, r.values[j] as number])));
  }
  return out;
}

function within(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(rel);
}

function asNormal(d: Distribution): { mean: number; std: number } {
  if (d.type !== 'normal') throw new Error(`expected normal, got ${d.type}`);
  return d;
}

function asLognormal(d: Distribution): { median: number; sigma: number } {
  if (d.type !== 'lognormal') throw new Error(`expected lognormal, got ${d.type}`);
  return d;
}

const mean = (rows: Record<string, number>[], c: string): number => rows.reduce((a, r) => a + r[c], 0) / rows.length;

describe('fitScenario', () => {
  const ssh = loadScenarios(['ssh-brute-force'])[0];
  const truth = parseScenario(
    {
      ...ssh,
      destinationPort: { type: 'choice', values: [22, 2222], weights: [3, 1] },
      fwdPackets: { type: 'normal', mean: 14, std: 3, min: 4, max: 60 },
      bwdPackets: { type: 'normal', mean: 20, std: 4, min: 4, max: 60 },
      fwdPayloadBytes: { type: 'lognormal', median: 80, sigma: 0.4, min: 1, max: 1460 },
      bwdPayloadBytes: { type: 'lognormal', median: 100, sigma: 0.5, min: 1, max: 1460 },
      fwdDataProbability: 0.6,
      interArrivalUs: { type: 'lognormal', median: 120_000, sigma: 0.5, min: 1 },
      tcp: { pattern: 'handshake', finProbability: 0.8, rstProbability: 0.1, pshProbability: 0.7, urgProbability: 0 },
    },
    'truth',
  );
  // Same families, wrong parameters: the fit must move them to the truth.
  const start = parseScenario(
    {
      ...truth,
      destinationPort: { type: 'choice', values: [80] },
      fwdPackets: { type: 'normal', mean: 5, std: 1, min: 4, max: 60 },
      bwdPackets: { type: 'normal', mean: 5, std: 1, min: 4, max: 60 },
      fwdPayloadBytes: { type: 'lognormal', median: 900, sigma: 1.5, min: 1, max: 1460 },
      bwdPayloadBytes: { type: 'lognormal', median: 900, sigma: 1.5, min: 1, max: 1460 },
      fwdDataProbability: 0.1,
      interArrivalUs: { type: 'lognormal', median: 100, sigma: 2, min: 1 },
      tcp: { pattern: 'handshake', finProbability: 0.1, rstProbability: 0.9, pshProbability: 0.7, urgProbability: 0 },
    },
    'start',
  );
  const rows = asRecords(truth, 1500, 5);

  it('recovers the parameters of flows generated with known parameters', () => {
    const fitted = fitScenario(start, rows);
    within(asNormal(fitted.fwdPackets).mean, 14, 0.03);
    within(asNormal(fitted.fwdPackets).std, 3, 0.1);
    within(asNormal(fitted.bwdPackets).mean, 20, 0.03);
    within(asNormal(fitted.bwdPackets).std, 4, 0.1);
    within(asLognormal(fitted.interArrivalUs).median, 120_000, 0.1);
    within(asLognormal(fitted.interArrivalUs).sigma, 0.5, 0.1);
    within(asLognormal(fitted.fwdPayloadBytes).median, 80, 0.1);
    within(asLognormal(fitted.fwdPayloadBytes).sigma, 0.4, 0.15);
    within(asLognormal(fitted.bwdPayloadBytes).median, 100, 0.15);
    within(asLognormal(fitted.bwdPayloadBytes).sigma, 0.5, 0.15);
    expect(Math.abs(fitted.fwdDataProbability - 0.6)).toBeLessThan(0.03);
    expect(Math.abs((fitted.tcp?.finProbability ?? 0) - 0.8)).toBeLessThan(0.05);
    expect(Math.abs((fitted.tcp?.rstProbability ?? 0) - 0.1)).toBeLessThan(0.05);
    const port = fitted.destinationPort;
    expect(port.type === 'choice' && port.values).toEqual([22, 2222]);
    if (port.type === 'choice' && port.weights) within(port.weights[0] / port.weights[1], 3, 0.2);
    expect(fitted.description).toMatch(/fitted to 1500 rows/);
    expect(fitted.label).toBe('SSH-Patator');
  });

  it('gives a scenario whose generated flows look like the rows it was fitted to', () => {
    const again = asRecords(fitScenario(start, rows), 1500, 6);
    for (const c of ['Flow Duration', 'Total Fwd Packets', 'Total Length of Fwd Packets', 'Total Length of Bwd Packets', 'Flow IAT Mean']) {
      within(mean(again, c), mean(rows, c), 0.1);
    }
  });

  it('refuses rows without the needed columns, and no rows at all', () => {
    const partial = rows.slice(0, 3).map((r) => {
      const copy = { ...r };
      delete copy['Flow IAT Std'];
      delete copy['act_data_pkt_fwd'];
      return copy;
    });
    expect(() => fitScenario(start, partial)).toThrow('rows lack column(s) "Flow IAT Std", "act_data_pkt_fwd"');
    expect(() => fitScenario(start, [])).toThrow(/no rows/);
  });
});

describeWithData('fitScenario on real CICIDS2017 flows', ['cicids2017/cic_ids2017_multiclass.csv.gz'], () => {
  const byLabel = new Map<string, Record<string, number>[]>();
  beforeAll(() => {
    const lines = gunzipSync(readFileSync(datasetPath('cicids2017/cic_ids2017_multiclass.csv.gz')))
      .toString('utf8')
      .split('\n');
    const header = lines[0].split(',').map((c) => c.trim());
    const label = header.indexOf('Label');
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      const l = cells[label]?.trim();
      if (l === undefined) continue;
      const rows = byLabel.get(l) ?? [];
      rows.push(Object.fromEntries(header.map((h, j) => [h, Number(cells[j])])));
      byLabel.set(l, rows);
    }
  });

  it('keeps families and matches moments by default, widening clamps to the observed range', () => {
    const real = byLabel.get('SSH-Patator') ?? [];
    expect(real).toHaveLength(400); // SOURCE.md
    const fitted = fitScenario(loadScenarios(['ssh-brute-force'])[0], real);
    expect(fitted.destinationPort).toEqual({ type: 'constant', value: 22 });
    within(asNormal(fitted.fwdPackets).mean, mean(real, 'Total Fwd Packets'), 1e-9);
    expect(fitted.fwdPackets).toMatchObject({ min: 1, max: 40 }); // observed 1 … 33, shipped clamp 6 … 40
  });

  it.each([
    ['SSH-Patator', 'ssh-brute-force'],
    ['FTP-Patator', 'ftp-brute-force'],
    ['DoS Hulk', 'http-flood'],
  ])('fits %s flows (empirical counts) and generates flows with their packet counts, bytes and durations', (label, scenario) => {
    const real = byLabel.get(label) ?? [];
    const fitted = fitScenario(loadScenarios([scenario])[0], real, { empiricalCounts: true });
    const generated = asRecords(fitted, 800, 9);
    within(mean(generated, 'Total Fwd Packets'), mean(real, 'Total Fwd Packets'), 0.05);
    within(mean(generated, 'Total Backward Packets'), mean(real, 'Total Backward Packets'), 0.05);
    within(mean(generated, 'Total Length of Fwd Packets'), mean(real, 'Total Length of Fwd Packets'), 0.15);
    within(mean(generated, 'Total Length of Bwd Packets'), mean(real, 'Total Length of Bwd Packets'), 0.15);
    within(mean(generated, 'Flow Duration'), mean(real, 'Flow Duration'), 0.25);
  });
});
