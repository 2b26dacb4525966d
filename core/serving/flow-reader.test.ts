import type { FeatureSchema } from '../data/table';
import { InvalidInputError } from '../errors';
import { FlowReader } from './flow-reader';

const schema: FeatureSchema = {
  features: [
    { name: 'Flow Bytes/s', kind: 'numeric' },
    { name: 'proto', kind: 'categorical', vocabulary: ['tcp', 'udp'] },
    { name: 'Fwd Header Length', kind: 'numeric' },
  ],
};

describe('FlowReader', () => {
  it('reads CSV values as ingest does: inf, NaN and empty (missing), trimmed names, the first of a repeated column', () => {
    // Prepare
    const reader = new FlowReader(schema);
    // Act
    const { ignored } = reader.csvHeader([' Flow Bytes/s', 'proto', 'Fwd Header Length', 'Fwd Header Length', 'Label']);
    // Assess
    expect(ignored).toEqual(['Fwd Header Length', 'Label']);
    expect(reader.csvRow(2, ['inf', 'tcp', '20', '99', 'BENIGN'])).toEqual({
      line: 2,
      flow: { 'Flow Bytes/s': Infinity, proto: 'tcp', 'Fwd Header Length': 20 },
    });
    expect(reader.csvRow(3, ['NaN', '', '-Infinity', '1', 'x'])).toEqual({
      line: 3,
      flow: { 'Flow Bytes/s': NaN, proto: null, 'Fwd Header Length': -Infinity },
    });
    expect(reader.csvRow(4, ['', 'udp', ' 7 ', '1', 'x'])).toEqual({ line: 4, flow: { 'Flow Bytes/s': null, proto: 'udp', 'Fwd Header Length': 7 } });
  });

  it('answers a bad row with its line and reason, and reads the next one', () => {
    const reader = new FlowReader(schema);
    reader.csvHeader(['Flow Bytes/s', 'proto', 'Fwd Header Length']);
    expect(reader.csvRow(5, ['oops', 'tcp', '1'])).toEqual({ line: 5, error: '"Flow Bytes/s" must be a number (got "oops")' });
    expect(reader.csvRow(6, ['1', 'tcp'])).toEqual({ line: 6, error: '2 fields, the header has 3' });
    expect(reader.csvRow(7, ['1', 'tcp', '2'])).toEqual({ line: 7, flow: { 'Flow Bytes/s': 1, proto: 'tcp', 'Fwd Header Length': 2 } });
  });

  it('refuses a header without the features, naming them', () => {
    const reader = new FlowReader(schema);
    expect(() => reader.csvHeader(['proto'])).toThrow(InvalidInputError);
    expect(() => reader.csvHeader(['proto'])).toThrow(/lacks feature column\(s\) the model needs: Flow Bytes\/s, Fwd Header Length/);
  });

  it('reads JSON Lines objects: numbers, numeric text, null; other keys ignored', () => {
    const reader = new FlowReader(schema);
    expect(reader.jsonRow(1, '{"Flow Bytes/s":"inf","proto":"tcp","Fwd Header Length":3,"Label":"x"}')).toEqual({
      line: 1,
      flow: { 'Flow Bytes/s': Infinity, proto: 'tcp', 'Fwd Header Length': 3 },
    });
    expect(reader.jsonRow(2, '{"Flow Bytes/s":null,"proto":6,"Fwd Header Length":"1e3"}')).toEqual({
      line: 2,
      flow: { 'Flow Bytes/s': null, proto: '6', 'Fwd Header Length': 1000 },
    });
    expect(reader.jsonRow(3, '{"proto":"tcp"}')).toEqual({ line: 3, error: '"Flow Bytes/s" is missing' });
    expect(reader.jsonRow(4, '[1]')).toMatchObject({ line: 4, error: expect.stringMatching(/JSON object/) });
    expect(reader.jsonRow(5, '{')).toMatchObject({ line: 5, error: expect.stringMatching(/^not JSON/) });
    expect(reader.jsonRow(6, '{"Flow Bytes/s":true,"proto":"tcp","Fwd Header Length":1}')).toEqual({
      line: 6,
      error: '"Flow Bytes/s" must be a number or text (got true)',
    });
  });
});
