// End to end, the documented second schema: a UNSW-NB15-shaped CSV (its column names, its attack
// categories, none of which but "DoS" the taxonomy knows), written by a seeded generator, goes
// through ingest → train → evaluate exactly as docs/cli.md prints it — first on its own fine
// labels, then with the shipped label map onto the Mini-XDR classes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatasetManifest } from '../../core/datasets';
import { SeededRandom } from '../../core/util/random';
import { ROOT, isolatedEnv, xdrCli } from '../support/serve';

/** Attack categories of UNSW-NB15 (training set) and each one's typical flow shape. */
const CATEGORIES: readonly { label: string; share: number; dur: number; sbytes: number; dbytes: number; sttl: number; service: string; proto: string }[] = [
  { label: 'Normal', share: 0.4, dur: 1.2, sbytes: 1800, dbytes: 9000, sttl: 31, service: 'http', proto: 'tcp' },
  { label: 'Generic', share: 0.15, dur: 0.01, sbytes: 200, dbytes: 0, sttl: 254, service: 'dns', proto: 'udp' },
  { label: 'Exploits', share: 0.15, dur: 0.9, sbytes: 1100, dbytes: 400, sttl: 62, service: 'http', proto: 'tcp' },
  { label: 'Fuzzers', share: 0.1, dur: 0.5, sbytes: 600, dbytes: 100, sttl: 254, service: '-', proto: 'tcp' },
  { label: 'DoS', share: 0.08, dur: 0.3, sbytes: 3000, dbytes: 50, sttl: 254, service: 'http', proto: 'tcp' },
  { label: 'Reconnaissance', share: 0.07, dur: 0.05, sbytes: 120, dbytes: 60, sttl: 254, service: '-', proto: 'udp' },
  { label: 'Backdoor', share: 0.05, dur: 2.0, sbytes: 400, dbytes: 2000, sttl: 62, service: 'ftp', proto: 'tcp' },
];

/** A UNSW-NB15-shaped training CSV: id, flow features, attack_cat and the binary label. */
function unswCsv(rows: number, seed: number): string {
  const rnd = new SeededRandom(seed);
  const header = 'id,dur,proto,service,state,spkts,dpkts,sbytes,dbytes,rate,sttl,dttl,sload,dload,smean,dmean,attack_cat,label';
  const lines = [header];
  for (let i = 1; i <= rows; i++) {
    let u = rnd.next();
    const c = CATEGORIES.find((k) => (u -= k.share) < 0) ?? CATEGORIES[0];
    const jitter = () => Math.exp(rnd.normal() * 0.3);
    const dur = c.dur * jitter();
    const sbytes = Math.round(c.sbytes * jitter());
    const dbytes = Math.round(c.dbytes * jitter());
    const spkts = Math.max(1, Math.round(sbytes / 120));
    const dpkts = Math.round(dbytes / 200);
    const state = c.proto === 'udp' ? 'INT' : rnd.next() < 0.8 ? 'FIN' : 'CON';
    const rate = dur > 0 ? (spkts + dpkts) / dur : 0;
    lines.push(
      [
        i,
        dur.toFixed(6),
        c.proto,
        c.service,
        state,
        spkts,
        dpkts,
        sbytes,
        dbytes,
        rate.toFixed(3),
        c.sttl,
        c.label === 'Normal' ? 29 : 0,
        ((sbytes * 8) / Math.max(dur, 1e-6)).toFixed(1),
        ((dbytes * 8) / Math.max(dur, 1e-6)).toFixed(1),
        Math.round(sbytes / spkts),
        dpkts > 0 ? Math.round(dbytes / dpkts) : 0,
        c.label,
        c.label === 'Normal' ? 0 : 1,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('a UNSW-NB15-shaped CSV, as docs/cli.md documents it', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-e2e-unsw-'));
  const env = isolatedEnv(home);
  const csv = path.join(home, 'UNSW_NB15_training-set.csv');
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('ingests with its labels kept as fine labels, trains on them and evaluates', async () => {
    // Prepare
    writeFileSync(csv, unswCsv(3000, 15));
    // Act: the documented command, verbatim but for the path
    const ingest = await xdrCli(env, [
      'datasets',
      'ingest',
      csv,
      '--name',
      'unsw',
      '--format',
      'csv',
      '--label-column',
      'attack_cat',
      '--drop',
      'id,label',
      '--categorical',
      'proto,service,state',
      '--json',
    ]);
    // Assess
    expect(ingest.stderr).toBe('');
    expect(ingest.code).toBe(0);
    const manifest = JSON.parse(ingest.stdout) as DatasetManifest;
    expect(Object.keys(manifest.rowsPerLabel).sort()).toEqual(CATEGORIES.map((c) => c.label).sort());
    // a label that names a Mini-XDR class (Normal, Reconnaissance) is that class; the others need a label map
    expect(manifest.unmappedLabels).toEqual(['Backdoor', 'Exploits', 'Fuzzers', 'Generic']);
    expect(manifest.rowsPerClass).toEqual({
      'DDoS/DoS': manifest.rowsPerLabel.DoS,
      Normal: manifest.rowsPerLabel.Normal,
      Reconnaissance: manifest.rowsPerLabel.Reconnaissance,
    });

    const train = await xdrCli(env, ['train', '--dataset', 'unsw', '--model', 'unsw', '--classes', 'fine', '--param', 'nRounds=40', '--json']);
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    const trained = JSON.parse(train.stdout) as { version: number; metrics: { macroF1: number } };
    expect(trained.version).toBe(1);
    expect(trained.metrics.macroF1).toBeGreaterThan(0.8);

    const evaluate = await xdrCli(env, ['evaluate', '--model', 'unsw', '--dataset', 'unsw', '--json']);
    expect(evaluate.code).toBe(0);
    expect((JSON.parse(evaluate.stdout) as { macroF1: number }).macroF1).toBeGreaterThan(0.8);

    // the taxonomy's classes need a label map, and the refusal says so
    const refused = await xdrCli(env, ['train', '--dataset', 'unsw', '--model', 'unsw-xdr', '--classes', 'taxonomy', '--param', 'nRounds=5']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/label "Backdoor" has no mapping in taxonomy scheme "mini-xdr".*--label-map FILE/);
  }, 240_000);

  it('maps its labels to the Mini-XDR classes with --label-map and trains on those', async () => {
    const labelMap = path.join(ROOT, 'datasets', 'label-maps', 'unsw-nb15.json');
    const ingest = await xdrCli(env, [
      'datasets',
      'ingest',
      csv,
      '--name',
      'unsw',
      '--format',
      'csv',
      '--label-column',
      'attack_cat',
      '--drop',
      'id,label',
      '--categorical',
      'proto,service,state',
      '--label-map',
      labelMap,
      '--json',
    ]);
    expect(ingest.code).toBe(0);
    const manifest = JSON.parse(ingest.stdout) as DatasetManifest;
    expect(manifest.version).toBe(2); // a label map is a different reading of the same bytes
    expect(manifest.unmappedLabels).toBeUndefined();
    expect(Object.keys(manifest.rowsPerClass).sort()).toEqual(['APT/Infiltration', 'DDoS/DoS', 'Malware/Botnet', 'Normal', 'Reconnaissance', 'Web Attack']);

    const train = await xdrCli(env, ['train', '--dataset', 'unsw@2', '--model', 'unsw-xdr', '--classes', 'taxonomy', '--param', 'nRounds=40', '--json']);
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    expect((JSON.parse(train.stdout) as { metrics: { perClass: Record<string, unknown> } }).metrics.perClass).toHaveProperty('Malware/Botnet');

    const badMap = path.join(home, 'bad-map.json');
    writeFileSync(badMap, JSON.stringify({ Exploits: 'Web Atack' }));
    const refused = await xdrCli(env, ['datasets', 'ingest', csv, '--name', 'unsw', '--format', 'csv', '--label-column', 'attack_cat', '--label-map', badMap]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/"Exploits" maps to "Web Atack", not a Mini-XDR class \(did you mean 'Web Attack'\?\)/);
  }, 240_000);
});
