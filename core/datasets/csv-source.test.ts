import { DatasetSchemaError } from './errors';
import { openCsvSource, parseNumericField, splitFields } from './csv-source';
import type { DatasetSource, ParsedRow, RejectedRow } from './source';
import { TmpDir } from './testing/tmp-files';

async function collect(src: DatasetSource): Promise<{ rows: ParsedRow[]; rejected: RejectedRow[] }> {
  const rows: ParsedRow[] = [];
  const rejected: RejectedRow[] = [];
  for await (const r of src.rows()) (r.kind === 'row' ? rows : rejected).push(r as never);
  return { rows, rejected };
}

const UNSW_LIKE = [
  'id,dur,proto,service,state,spkts,sbytes,attack_cat,label',
  '1,0.121,tcp,-,FIN,6,258,Normal,0',
  '2,0.649,tcp,http,FIN,14,734,Exploits,1',
  '3,abc,udp,dns,INT,2,114,Generic,1',
  '4,0.5,udp,dns,INT,2,Infinity,Generic,1',
  '5,0.5,udp,dns,INT,2,,Generic',
  '6,,udp,dns,INT,2,114, ,1',
  '',
  'id,dur,proto,service,state,spkts,sbytes,attack_cat,label',
  '"7",1e-3,"tcp","ftp,data",CON,-inf,NaN,Fuzzers,1',
].join('\r\n');

describe('generic CSV loader (declared schema)', () => {
  const tmp = new TmpDir();
  afterAll(() => tmp.cleanup());

  it('reads a UNSW-NB15-style file with label column, drop list and categorical columns', async () => {
    // Prepare
    const file = tmp.write('unsw.csv.gz', UNSW_LIKE);
    // Act
    const src = await openCsvSource(file, { labelColumn: 'attack_cat', drop: ['id', 'label'], categorical: ['proto', 'service', 'state'] });
    const { rows, rejected } = await collect(src);
    // Assess
    expect(src.format).toBe('csv');
    expect(src.columns).toEqual([
      { name: 'dur', kind: 'numeric' },
      { name: 'proto', kind: 'categorical' },
      { name: 'service', kind: 'categorical' },
      { name: 'state', kind: 'categorical' },
      { name: 'spkts', kind: 'numeric' },
      { name: 'sbytes', kind: 'numeric' },
    ]);
    expect(rows.map((r) => [r.line, r.label])).toEqual([
      [2, 'Normal'],
      [3, 'Exploits'],
      [5, 'Generic'],
      [10, 'Fuzzers'],
    ]);
    expect(rows[0].values).toEqual([0.121, 'tcp', '-', 'FIN', 6, 258]);
    expect(rows[2].values[5]).toBe(Infinity);
    expect(rows[3].values).toEqual([0.001, 'tcp', 'ftp,data', 'CON', -Infinity, NaN]);
    expect(rejected).toEqual([
      { kind: 'rejected', line: 4, reason: 'non-numeric value "abc" in numeric column "dur"' },
      { kind: 'rejected', line: 6, reason: 'expected 9 fields, got 8' },
      { kind: 'rejected', line: 7, reason: 'missing label (column "attack_cat" is empty)' },
    ]);
    expect(src.skipped()).toEqual({ repeatedHeaders: 1, blankLines: 1 });
    expect(src.bytesRead()).toBe(src.totalBytes);
  });

  it('fails loudly on a misspelt schema column', async () => {
    const file = tmp.write('unsw2.csv', UNSW_LIKE);
    await expect(openCsvSource(file, { labelColumn: 'attack_category' })).rejects.toThrow(DatasetSchemaError);
    await expect(openCsvSource(file, { labelColumn: 'attack_cat', drop: ['ID'] })).rejects.toThrow(/drop column "ID"/);
    await expect(openCsvSource(file, { labelColumn: 'attack_cat', categorical: ['protocol'] })).rejects.toThrow(/categorical column "protocol"/);
  });

  it('can stream the same source twice', async () => {
    const file = tmp.write('twice.csv', UNSW_LIKE);
    const src = await openCsvSource(file, { labelColumn: 'attack_cat', drop: ['id', 'label'], categorical: ['proto', 'service', 'state'] });
    const first = await collect(src);
    const second = await collect(src);
    expect(second).toEqual(first);
  });
});

describe('field parsing', () => {
  it('parses numbers, keeps missing and infinite values, refuses text', () => {
    expect(parseNumericField('12.5')).toBe(12.5);
    expect(parseNumericField('-3e2')).toBe(-300);
    expect(parseNumericField('')).toBeNaN();
    expect(parseNumericField('  ')).toBeNaN();
    expect(parseNumericField('NaN')).toBeNaN();
    expect(parseNumericField('inf')).toBe(Infinity);
    expect(parseNumericField('-Infinity')).toBe(-Infinity);
    expect(parseNumericField('tcp')).toBeUndefined();
    expect(parseNumericField('1.2.3')).toBeUndefined();
  });

  it('splits quoted fields with escaped quotes', () => {
    expect(splitFields('a,"b,c","d""e",', ',')).toEqual(['a', 'b,c', 'd"e', '']);
    expect(splitFields('1\t2', '\t')).toEqual(['1', '2']);
  });
});
