import type { FeatureSchema } from '../data/table';
import { buildOnnxInputArrays, categoryValue, numericValue, onnxInputNames, rowsToFeatureMatrix } from './feeds';

const schema: FeatureSchema = {
  features: [
    { name: 'duration', kind: 'numeric' },
    { name: 'protocol_type', kind: 'categorical', vocabulary: ['icmp', 'tcp', 'udp'] },
    { name: 'src_bytes', kind: 'numeric' },
    { name: 'flag', kind: 'categorical', vocabulary: ['', 'SF'] },
  ],
};

describe('raw row encoding', () => {
  it('reads numeric values: numbers and numeric strings kept, missing / junk -> NaN', () => {
    expect([5, '3.5', ' 7 ', 'Infinity', -Infinity, null, undefined, '', 'abc'].map(numericValue)).toEqual([
      5,
      3.5,
      7,
      Infinity,
      -Infinity,
      NaN,
      NaN,
      NaN,
      NaN,
    ]);
    expect([null, undefined, 'tcp', 80].map(categoryValue)).toEqual(['', '', 'tcp', '80']);
  });

  it('lays out the ONNX inputs: numeric columns then categorical strings, in schema order', () => {
    // Prepare
    const rows = [
      { duration: 1, protocol_type: 'tcp', src_bytes: '200', flag: 'SF' },
      { duration: null, protocol_type: 'gre', flag: null },
    ];
    // Act
    const a = buildOnnxInputArrays(schema, rows);
    // Assess
    expect(onnxInputNames(schema)).toEqual(['numeric', 'categorical']);
    expect(onnxInputNames({ features: [schema.features[0]] })).toEqual(['numeric']);
    expect(Array.from(a.numeric)).toEqual([1, 200, NaN, NaN]);
    expect(a.categorical).toEqual(['tcp', 'SF', 'gre', '']);
    expect([a.nNumeric, a.nCategorical, a.rows]).toEqual([2, 2, 2]);
  });

  it('builds the matching FeatureMatrix: codes, -1 for unseen, NaN for missing unless "" is a known value', () => {
    const X = rowsToFeatureMatrix(schema, [
      { duration: 1, protocol_type: 'udp', src_bytes: 1e300, flag: 'SF' },
      { duration: 'x', protocol_type: 'gre', src_bytes: -Infinity, flag: null },
      { protocol_type: null, flag: 'RSTO' },
    ]);
    expect(Array.from(X.data)).toEqual([1, 2, 1e300, 1, NaN, -1, -Infinity, 0, NaN, NaN, NaN, -1]);
  });
});
