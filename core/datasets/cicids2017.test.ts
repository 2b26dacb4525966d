import path from 'node:path';
import { datasetPath, describeWithData } from '../../test/support/datasets';
import { CICIDS2017_IMPROVED_DROPPED, normaliseCicidsLabel, openCicids2017ImprovedSource, openCicids2017Source } from './cicids2017';
import { readHeadLines } from './line-reader';
import { hasMapping } from './taxonomy';
import { collectSource } from './testing/collect';
import { TmpDir, editedCopy } from './testing/tmp-files';

const OFFICIAL = 'cicids2017/cic_ids2017_multiclass.csv.gz';
const WESTERN = 'cicids2017/cicids2017_westernoc2_subset_no_webattack.csv.gz';
const IMPROVED = 'cicids2017_improved/cicids2017_improved_sample.csv.gz';

describe('normaliseCicidsLabel', () => {
  it.each([
    ['Web Attack \uFFFD Brute Force', 'Web Attack - Brute Force'],
    ['Web Attack \u2013 XSS', 'Web Attack - XSS'],
    ['Web Attack - Sql Injection', 'Web Attack - Sql Injection'],
    ['Web Attack-Sql Injection', 'Web Attack - Sql Injection'],
    ['Web Attack  \uFFFD  SQL Injection', 'Web Attack - Sql Injection'],
    ['  Web Attack \u2013 Brute  Force ', 'Web Attack - Brute Force'],
    ['WebAttack', 'WebAttack'],
    ['DoS Hulk', 'DoS Hulk'],
    ['Web Attack - Something New', 'Web Attack - Something New'],
  ])('%j → %j', (raw, expected) => {
    expect(normaliseCicidsLabel(raw)).toBe(expected);
  });
});

describeWithData('CICIDS2017 official MachineLearningCVE files (real data)', [OFFICIAL, WESTERN], () => {
  const tmp = new TmpDir();
  afterAll(() => tmp.cleanup());

  it('reproduces SOURCE.md for file 1: labels, trimmed names, duplicate column dropped, empty/inf rates kept as NaN/Infinity', async () => {
    // Act
    const src = await openCicids2017Source(datasetPath(OFFICIAL));
    const names = src.columns.map((c) => c.name);
    const flowBytes = names.indexOf('Flow Bytes/s');
    const flowPackets = names.indexOf('Flow Packets/s');
    const missingPerLabel: Record<string, number> = {};
    let rows = 0;
    const perLabel: Record<string, number> = {};
    let rejected = 0;
    for await (const r of src.rows()) {
      if (r.kind === 'rejected') {
        rejected++;
        continue;
      }
      rows++;
      perLabel[r.label] = (perLabel[r.label] ?? 0) + 1;
      const bytes = r.values[flowBytes] as number;
      const packets = r.values[flowPackets] as number;
      if (!Number.isFinite(bytes) || !Number.isFinite(packets)) {
        const kind = `${Number.isNaN(bytes) ? 'NaN' : bytes}/${packets}`;
        missingPerLabel[`${r.label} ${kind}`] = (missingPerLabel[`${r.label} ${kind}`] ?? 0) + 1;
      }
    }
    // Assess
    expect(rejected).toBe(0);
    expect(rows).toBe(9971);
    expect(perLabel).toEqual({
      BENIGN: 4000,
      PortScan: 1500,
      'DoS Hulk': 1500,
      DDoS: 1000,
      'DoS GoldenEye': 800,
      'FTP-Patator': 500,
      'SSH-Patator': 400,
      'Web Attack - Brute Force': 150,
      'Web Attack - XSS': 100,
      'Web Attack - Sql Injection': 21,
    });
    // SOURCE.md: 9 rows (6 DoS Hulk, 2 PortScan, 1 BENIGN) without usable rates. The file holds
    // an empty Flow Bytes/s (→ NaN) or `inf` (→ Infinity), and `inf` Flow Packets/s.
    expect(missingPerLabel).toEqual({
      'DoS Hulk NaN/Infinity': 6,
      'PortScan Infinity/Infinity': 2,
      'BENIGN Infinity/Infinity': 1,
    });
    expect(src.columns).toHaveLength(77);
    expect(names[0]).toBe('Destination Port');
    expect(names.filter((n) => n.startsWith('Fwd Header Length'))).toEqual(['Fwd Header Length']);
    expect(names.every((n) => n === n.trim())).toBe(true);
    expect(src.columns.every((c) => c.kind === 'numeric')).toBe(true);
    for (const label of Object.keys(perLabel)) expect(hasMapping(label, 'mini-xdr')).toBe(true);
  });

  it('reproduces SOURCE.md for file 2: no Destination Port, grouped labels, inf kept as Infinity', async () => {
    const src = await openCicids2017Source(datasetPath(WESTERN));
    const names = src.columns.map((c) => c.name);
    const flowBytes = names.indexOf('Flow Bytes/s');
    const infinite: Record<string, number> = {};
    const { rows, perLabel, rejected } = await collectSource(src);
    for await (const r of src.rows()) {
      if (r.kind === 'row' && r.values[flowBytes] === Infinity) infinite[r.label] = (infinite[r.label] ?? 0) + 1;
    }
    expect(rejected).toEqual([]);
    expect(rows).toBe(4131);
    expect(perLabel).toEqual({ Bot: 1966, DoS: 952, BruteForce: 553, PortScan: 397, BENIGN: 227, Infiltration: 36 });
    expect(infinite).toEqual({ Bot: 10 });
    expect(names).not.toContain('Destination Port');
    expect(names).not.toContain('Fwd Header Length.1');
    expect(src.columns).toHaveLength(76);
    for (const label of Object.keys(perLabel)) expect(hasMapping(label, 'mini-xdr')).toBe(true);
  });

  it('skips and counts header lines repeated inside concatenated day files, and normalises dash variants', async () => {
    // Prepare: file 1 + its header again + three rows with other dash spellings
    const [header, firstRow] = await readHeadLines(datasetPath(OFFICIAL), 2);
    const row = (label: string): string => `${firstRow.slice(0, firstRow.lastIndexOf(','))},${label}`;
    const file = path.join(tmp.dir, 'concatenated.csv');
    await editedCopy(datasetPath(OFFICIAL), file, new Map(), [
      header,
      row('Web Attack \u2013 XSS'),
      row(' Web Attack-Brute Force'),
      header.trim(),
      row('Web Attack  \uFFFD  Sql Injection'),
    ]);
    // Act
    const src = await openCicids2017Source(file);
    const { rows, perLabel, rejected } = await collectSource(src);
    // Assess
    expect(rejected).toEqual([]);
    expect(rows).toBe(9974);
    expect(src.skipped().repeatedHeaders).toBe(2);
    expect(perLabel['Web Attack - XSS']).toBe(101);
    expect(perLabel['Web Attack - Brute Force']).toBe(151);
    expect(perLabel['Web Attack - Sql Injection']).toBe(22);
  });

  it('rejects corrupted rows with their line number and reason, and nothing else', async () => {
    // Prepare: line 5 loses a field, line 100 gets text in Flow Duration, line 200 loses its label
    const file = path.join(tmp.dir, 'corrupted.csv');
    await editedCopy(
      datasetPath(OFFICIAL),
      file,
      new Map([
        [5, (l: string) => l.slice(l.indexOf(',') + 1)],
        [100, (l: string) => l.replace(/^(\d+),(\d+),/, '$1,twelve,')],
        [200, (l: string) => l.slice(0, l.lastIndexOf(',') + 1)],
      ]),
    );
    // Act
    const { rows, rejected } = await collectSource(await openCicids2017Source(file));
    // Assess
    expect(rows).toBe(9971 - 3);
    expect(rejected).toEqual([
      { kind: 'rejected', line: 5, reason: 'expected 79 fields, got 78' },
      { kind: 'rejected', line: 100, reason: 'non-numeric value "twelve" in numeric column "Flow Duration"' },
      { kind: 'rejected', line: 200, reason: 'missing label (column "Label" is empty)' },
    ]);
  });
});

describeWithData('CICIDS2017 improved (CNS2022) file (real data)', [IMPROVED, OFFICIAL], () => {
  it('reproduces SOURCE.md labels, maps column names to the official ones and drops identifier columns', async () => {
    // Act
    const src = await openCicids2017ImprovedSource(datasetPath(IMPROVED));
    const { rows, perLabel, rejected } = await collectSource(src);
    const official = (await openCicids2017Source(datasetPath(OFFICIAL))).columns.map((c) => c.name);
    const names = src.columns.map((c) => c.name);
    // Assess
    expect(rejected).toEqual([]);
    expect(rows).toBe(25127);
    expect(perLabel).toEqual({
      BENIGN: 2500,
      DDoS: 2500,
      'DoS GoldenEye': 2500,
      'DoS Hulk': 2500,
      'DoS Slowloris': 2500,
      'FTP-Patator': 2500,
      'Infiltration - Portscan': 2500,
      Portscan: 2500,
      'SSH-Patator': 2500,
      'DoS Slowhttptest': 1740,
      Botnet: 736,
      // SOURCE.md spells it "Web Attack - SQL Injection"; one spelling across CICIDS2017 files
      'Web Attack - Sql Injection': 13,
      'Web Attack - Brute Force': 73,
      Infiltration: 36,
      'Web Attack - XSS': 18,
      Heartbleed: 11,
    });
    for (const dropped of CICIDS2017_IMPROVED_DROPPED) expect(names).not.toContain(dropped);
    expect(names).toHaveLength(91 - CICIDS2017_IMPROVED_DROPPED.length - 1);
    expect(official.filter((n) => !names.includes(n))).toEqual([]);
    expect(names.filter((n) => !official.includes(n)).sort()).toEqual(
      ['Bwd RST Flags', 'Fwd RST Flags', 'ICMP Code', 'ICMP Type', 'Protocol', 'Total TCP Flow Time'].sort(),
    );
    for (const label of Object.keys(perLabel)) expect(hasMapping(label, 'mini-xdr')).toBe(true);
  });
});
