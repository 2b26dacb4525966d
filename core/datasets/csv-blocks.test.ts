import { openCicids2017ImprovedSource, openCicids2017Source } from './cicids2017';
import { CsvBlockParser } from './csv-blocks';
import { openCsvSource, planFromHeader, type CountingDatasetSource } from './csv-source';
import { openNslKddSource } from './kdd';
import type { RejectedRow, RowBlock } from './source';
import { TmpDir } from './testing/tmp-files';
import { datasetPath, describeWithData } from '../../test/support/datasets';
import { SeededRandom } from '../util/random';

/** What a user gets from a source: every row (values compared with Object.is), rejection and skipped-line count. */
interface Read {
  rows: { line: number; label: string; values: (number | string)[] }[];
  rejected: RejectedRow[];
  skipped: { repeatedHeaders: number; blankLines: number };
}

async function byRows(src: CountingDatasetSource): Promise<Read> {
  const out: Read = { rows: [], rejected: [], skipped: { repeatedHeaders: 0, blankLines: 0 } };
  for await (const r of src.rows()) {
    if (r.kind === 'row') out.rows.push({ line: r.line, label: r.label, values: [...r.values] });
    else out.rejected.push(r);
  }
  out.skipped = src.skipped();
  return out;
}

function addBlock(out: Read, block: RowBlock): void {
  out.rejected.push(...block.rejected);
  for (let i = 0; i < block.rowCount; i++) {
    out.rows.push({ line: block.lines[i], label: block.labels[i], values: block.values.map((col) => col[i]) });
  }
}

async function byBlocks(src: CountingDatasetSource): Promise<Read> {
  const out: Read = { rows: [], rejected: [], skipped: { repeatedHeaders: 0, blankLines: 0 } };
  if (src.blocks === undefined) throw new Error('source has no bulk path');
  for await (const block of src.blocks()) addBlock(out, block);
  out.skipped = src.skipped();
  return out;
}

/** Rows compared value by value with Object.is (so -0, NaN and the last bit of every double count). */
function expectSame(a: Read, b: Read): void {
  expect(b.rejected).toEqual(a.rejected);
  expect(b.skipped).toEqual(a.skipped);
  expect(b.rows.length).toBe(a.rows.length);
  const differing: number[] = [];
  for (let i = 0; i < a.rows.length; i++) {
    const x = a.rows[i];
    const y = b.rows[i];
    const same = x.line === y.line && x.label === y.label && x.values.length === y.values.length && x.values.every((v, j) => Object.is(v, y.values[j]));
    if (!same) differing.push(i);
  }
  // the first differing row, shown in full
  expect(differing.length === 0 ? undefined : b.rows[differing[0]]).toEqual(differing.length === 0 ? undefined : a.rows[differing[0]]);
  expect(differing).toEqual([]);
}

// Every reading the byte parser has to get right: quoting, CRLF, a lone CR, blank and whitespace
// lines, repeated headers, field counts, empty labels, and numbers that Number() reads its own way.
const TRICKY = [
  '\uFEFFid,dur,proto,rate,sbytes,attack_cat',
  '1,0.121,tcp,12.5,258,Normal',
  '2,-0,udp,.5,5.,Exploits',
  '3,1e-3,tcp,1E+5,0x10,Generic',
  '4, 7 ,tcp,+3,Infinity,Generic',
  '5,-inf,icmp,NaN,inf,Normal',
  '6,12345678901234567,tcp,0.1234567890123456789,9007199254740993,Normal',
  '7,0.30000000000000004,tcp,123456789012345.6,1.7976931348623157e308,Normal',
  '8,-,tcp,1.2.3,4,Normal',
  '9,abc,tcp,1,2,Normal',
  '10,1,tcp,2,3',
  '11,1,tcp,2,3,  ',
  '',
  '   ',
  'id,dur,proto,rate,sbytes,attack_cat',
  '"12",1,"tcp, quoted",2,3,"Normal"',
  '13,1,tcp,2,3,Normal\r14,2,udp,3,4,Exploits',
  '15,1,tcp,2,3,Normal,extra',
  '16,000123,tcp,-0.0,-12.50,  Exploits  ',
  '17,1,é—✓,2,3,Généric',
  '18,,tcp,,,Normal',
  '19,1,tcp,2,3,Normal',
].join('\r\n');

describe('columnar CSV blocks read exactly what the row path reads', () => {
  const tmp = new TmpDir();
  afterAll(() => tmp.cleanup());

  it.each([
    ['plain CRLF', 'tricky.csv', TRICKY],
    ['gzip', 'tricky.csv.gz', TRICKY],
    ['LF, final line without a terminator', 'lf.csv', TRICKY.replace(/\r\n/g, '\n')],
    ['a final line feed', 'final-lf.csv', `${TRICKY}\n`],
  ])('%s', async (_, name, text) => {
    // Prepare
    const file = tmp.write(name, text);
    const open = () => openCsvSource(file, { labelColumn: 'attack_cat', drop: ['id'], categorical: ['proto'] });
    // Act
    const rows = await byRows(await open());
    const blocks = await byBlocks(await open());
    // Assess
    expectSame(rows, blocks);
    expect(rows.rows.length).toBeGreaterThan(8);
    expect(rows.rejected.length).toBeGreaterThan(4);
    expect(rows.skipped).toEqual({ repeatedHeaders: 1, blankLines: 2 });
  });

  it('gives the same rows whatever the buffer boundaries (seeded random splits, inside CRLF and multi-byte characters)', () => {
    // Prepare
    const bytes = Buffer.from(TRICKY.split('\r\n').slice(1).join('\r\n'), 'utf8');
    const header = TRICKY.split('\r\n')[0].slice(1);
    const plan = planFromHeader('tricky.csv', header, { format: 'csv', labelColumn: 'attack_cat', drop: ['id'], categorical: ['proto'] });
    const read = (cuts: number[]): Read => {
      const parser = new CsvBlockParser({ ...plan, headerLines: 0 });
      const out: Read = { rows: [], rejected: [], skipped: { repeatedHeaders: 0, blankLines: 0 } };
      let from = 0;
      for (const cut of [...cuts, bytes.length]) {
        const block = parser.push(bytes.subarray(from, cut));
        if (block !== undefined) addBlock(out, block);
        from = cut;
      }
      const last = parser.end();
      if (last !== undefined) addBlock(out, last);
      out.skipped = { ...parser.skipped };
      return out;
    };
    const whole = read([]);
    const rng = new SeededRandom(11);
    // Act + Assess
    for (let trial = 0; trial < 20; trial++) {
      const cuts = Array.from({ length: 1 + rng.int(12) }, () => rng.int(bytes.length)).sort((a, b) => a - b);
      expectSame(whole, read(cuts));
    }
    expectSame(whole, read(Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))); // one byte at a time
  });
});

const REAL = {
  cicids: 'cicids2017/cic_ids2017_multiclass.csv.gz',
  improved: 'cicids2017_improved/cicids2017_improved_sample.csv.gz',
  nsl: 'nsl_kdd/KDDTest+.txt',
};

describeWithData('columnar CSV blocks on the real datasets', Object.values(REAL), () => {
  it.each([
    ['CICIDS2017 sample', () => openCicids2017Source(datasetPath(REAL.cicids))],
    ['CICIDS2017 improved sample', () => openCicids2017ImprovedSource(datasetPath(REAL.improved))],
    ['NSL-KDD KDDTest+', () => openNslKddSource(datasetPath(REAL.nsl))],
  ])(
    '%s: same rows, values, labels and rejections as the row path',
    async (_, open) => {
      // Act
      const rows = await byRows(await open());
      const blocks = await byBlocks(await open());
      // Assess
      expect(rows.rows.length).toBeGreaterThan(5_000);
      expectSame(rows, blocks);
    },
    120_000,
  );
});
