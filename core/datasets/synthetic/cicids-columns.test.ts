import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { datasetPath, describeWithData } from '../../../test/support/datasets';
import { CICIDS2017_COLUMN_INDEX, CICIDS2017_DUPLICATE_COLUMN, CICIDS2017_FEATURE_COLUMNS, CICIDS2017_LABEL_COLUMN } from './cicids-columns';

describe('CICIDS2017 canonical columns', () => {
  it('has 77 distinct features without the duplicate or the label', () => {
    expect(CICIDS2017_FEATURE_COLUMNS).toHaveLength(77);
    expect(new Set(CICIDS2017_FEATURE_COLUMNS).size).toBe(77);
    expect(CICIDS2017_COLUMN_INDEX.get('Destination Port')).toBe(0);
    expect(CICIDS2017_COLUMN_INDEX.has(CICIDS2017_DUPLICATE_COLUMN)).toBe(false);
    expect(CICIDS2017_COLUMN_INDEX.has(CICIDS2017_LABEL_COLUMN)).toBe(false);
  });
});

describeWithData('CICIDS2017 canonical columns vs the official header', ['cicids2017/cic_ids2017_multiclass.csv.gz'], () => {
  it('equals the trimmed header of the official file minus Fwd Header Length.1 and Label', () => {
    const text = gunzipSync(readFileSync(datasetPath('cicids2017/cic_ids2017_multiclass.csv.gz')))
      .subarray(0, 4096)
      .toString('utf8');
    const header = text
      .slice(0, text.indexOf('\n'))
      .split(',')
      .map((c) => c.trim());
    expect(header.filter((c) => c !== CICIDS2017_DUPLICATE_COLUMN && c !== CICIDS2017_LABEL_COLUMN)).toEqual([...CICIDS2017_FEATURE_COLUMNS]);
  });
});
