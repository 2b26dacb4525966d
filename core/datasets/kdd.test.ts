import path from 'node:path';
import { datasetPath, describeWithData } from '../../test/support/datasets';
import { KDD_FEATURE_NAMES, openKddCup99Source, openNslKddSource } from './kdd';
import { readHeadLines } from './line-reader';
import { mapLabel } from './taxonomy';
import { collectSource } from './testing/collect';
import { TmpDir, editedCopy } from './testing/tmp-files';

const TRAIN = 'nsl_kdd/KDDTrain+.txt.gz';
const TRAIN20 = 'nsl_kdd/KDDTrain+_20Percent.txt';
const TEST = 'nsl_kdd/KDDTest+.txt';
const TEST21 = 'nsl_kdd/KDDTest-21.txt';
const KDDCUP = 'kddcup99/kddcup99_10percent.csv.gz';

function perCategory(perLabel: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, n] of Object.entries(perLabel)) {
    const cat = mapLabel(label, 'kdd-category');
    out[cat] = (out[cat] ?? 0) + n;
  }
  return out;
}

function parseCounts(text: string): Record<string, number> {
  return Object.fromEntries(
    text
      .split(',')
      .map((p) => p.trim().split(' '))
      .map(([l, n]) => [l, Number(n)]),
  );
}

describeWithData('NSL-KDD loader (real data)', [TRAIN, TRAIN20, TEST, TEST21], () => {
  const tmp = new TmpDir();
  afterAll(() => tmp.cleanup());

  it('reproduces the KDDTrain+ label counts of SOURCE.md, with 41 features and 3 categorical', async () => {
    const src = await openNslKddSource(datasetPath(TRAIN));
    const { rows, perLabel, rejected, kept } = await collectSource(src, [1]);
    expect(rejected).toEqual([]);
    expect(rows).toBe(125973);
    expect(perLabel).toEqual(
      parseCounts(
        'normal 67343, neptune 41214, satan 3633, ipsweep 3599, portsweep 2931, smurf 2646, nmap 1493, back 956, teardrop 892, warezclient 890, pod 201, guess_passwd 53, buffer_overflow 30, warezmaster 20, land 18, imap 11, rootkit 10, loadmodule 9, ftp_write 8, multihop 7, phf 4, perl 3, spy 2',
      ),
    );
    expect(perCategory(perLabel)).toEqual({ normal: 67343, DoS: 45927, Probe: 11656, R2L: 995, U2R: 52 });
    expect(src.columns.map((c) => c.name)).toEqual(KDD_FEATURE_NAMES);
    expect(src.columns.filter((c) => c.kind === 'categorical').map((c) => c.name)).toEqual(['protocol_type', 'service', 'flag']);
    const first = kept.get(1);
    expect(first?.values.slice(0, 6)).toEqual([0, 'tcp', 'ftp_data', 'SF', 491, 0]);
    expect(first?.values).toHaveLength(41);
  });

  it('reproduces the KDDTest+ label counts of SOURCE.md', async () => {
    const { rows, perLabel, rejected } = await collectSource(await openNslKddSource(datasetPath(TEST)));
    expect(rejected).toEqual([]);
    expect(rows).toBe(22544);
    expect(perLabel).toEqual(
      parseCounts(
        'normal 9711, neptune 4657, guess_passwd 1231, mscan 996, warezmaster 944, apache2 737, satan 735, processtable 685, smurf 665, back 359, snmpguess 331, saint 319, mailbomb 293, snmpgetattack 178, portsweep 157, ipsweep 141, httptunnel 133, nmap 73, pod 41, buffer_overflow 20, multihop 18, named 17, ps 15, sendmail 14, xterm 13, rootkit 13, teardrop 12, xlock 9, land 7, xsnoop 4, ftp_write 3, loadmodule 2, worm 2, perl 2, sqlattack 2, udpstorm 2, phf 2, imap 1',
      ),
    );
  });

  it.each([
    [TRAIN20, { normal: 13449, DoS: 9234, Probe: 2289, R2L: 209, U2R: 11 }],
    [TEST, { normal: 9711, DoS: 7458, Probe: 2421, R2L: 2754, U2R: 200 }],
    [TEST21, { normal: 2152, DoS: 4342, Probe: 2402, R2L: 2754, U2R: 200 }],
  ])('%s: the taxonomy reproduces the published category counts, every label has a Mini-XDR class', async (file, expected) => {
    const { perLabel, rejected } = await collectSource(await openNslKddSource(datasetPath(file)));
    expect(rejected).toEqual([]);
    expect(perCategory(perLabel)).toEqual(expected);
    for (const label of Object.keys(perLabel)) expect(() => mapLabel(label, 'mini-xdr')).not.toThrow();
  });

  it('rejects corrupted rows with their line number and reason, and nothing else', async () => {
    // Prepare: line 3 loses the difficulty field, line 50 has text in src_bytes, line 777 has no label
    const file = path.join(tmp.dir, 'KDDTest+corrupted.txt');
    await editedCopy(
      datasetPath(TEST),
      file,
      new Map([
        [3, (l: string) => l.slice(0, l.lastIndexOf(','))],
        [
          50,
          (l: string) =>
            l
              .split(',')
              .map((f, i) => (i === 4 ? '12kB' : f))
              .join(','),
        ],
        [
          777,
          (l: string) =>
            l
              .split(',')
              .map((f, i) => (i === 41 ? '' : f))
              .join(','),
        ],
      ]),
    );
    // Act
    const { rows, rejected } = await collectSource(await openNslKddSource(file));
    // Assess
    expect(rows).toBe(22544 - 3);
    expect(rejected).toEqual([
      { kind: 'rejected', line: 3, reason: 'expected 43 fields, got 42' },
      { kind: 'rejected', line: 50, reason: 'non-numeric value "12kB" in numeric column "src_bytes"' },
      { kind: 'rejected', line: 777, reason: 'missing label (column "label" is empty)' },
    ]);
  });
});

describeWithData('KDD Cup 99 loader (real data)', [KDDCUP], () => {
  const tmp = new TmpDir();
  afterAll(() => tmp.cleanup());

  it('reproduces the label counts of SOURCE.md (494,020 rows, header skipped)', async () => {
    const src = await openKddCup99Source(datasetPath(KDDCUP));
    const { rows, perLabel, rejected } = await collectSource(src);
    expect(rejected).toEqual([]);
    expect(rows).toBe(494020);
    expect(perLabel).toEqual(
      parseCounts(
        'smurf 280790, neptune 107201, normal 97277, back 2203, satan 1589, ipsweep 1247, portsweep 1040, warezclient 1020, teardrop 979, pod 264, nmap 231, guess_passwd 53, buffer_overflow 30, land 21, warezmaster 20, imap 12, rootkit 10, loadmodule 9, ftp_write 8, multihop 7, phf 4, perl 3, spy 2',
      ),
    );
    expect(src.columns.map((c) => c.name)).toEqual(KDD_FEATURE_NAMES);
    for (const label of Object.keys(perLabel)) {
      expect(() => mapLabel(label, 'mini-xdr')).not.toThrow();
      expect(() => mapLabel(label, 'kdd-category')).not.toThrow();
    }
  });

  it('reads the original header-less layout with labels ending in "." and rejects bad rows', async () => {
    // Prepare: the first 300 data rows, without header, labels with the original trailing dot
    const lines = (await readHeadLines(datasetPath(KDDCUP), 301)).slice(1).map((l) => `${l}.`);
    const src = tmp.write('head.txt', `${lines.join('\n')}\n`);
    const file = path.join(tmp.dir, 'kddcup.data_head');
    await editedCopy(src, file, new Map([[10, (l: string) => `${l},extra`]]));
    // Act
    const { rows, perLabel, rejected } = await collectSource(await openKddCup99Source(file));
    // Assess
    expect(rows).toBe(299);
    expect(Object.keys(perLabel).every((l) => !l.endsWith('.'))).toBe(true);
    expect(perLabel.normal).toBeGreaterThan(0);
    expect(rejected).toEqual([{ kind: 'rejected', line: 10, reason: 'expected 42 fields, got 43' }]);
  });
});
