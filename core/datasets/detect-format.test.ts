import { datasetPath, describeWithData } from '../../test/support/datasets';
import { detectFormat, detectFormatFromLines } from './detect-format';
import { DatasetError, UnknownFormatError } from './errors';
import { openDatasetSource } from './open-dataset-source';
import { TmpDir } from './testing/tmp-files';

const REAL: readonly (readonly [string, string])[] = [
  ['cicids2017/cic_ids2017_multiclass.csv.gz', 'cicids2017'],
  ['cicids2017/cicids2017_westernoc2_subset_no_webattack.csv.gz', 'cicids2017'],
  ['cicids2017_improved/cicids2017_improved_sample.csv.gz', 'cicids2017-improved'],
  ['nsl_kdd/KDDTrain+.txt.gz', 'nsl-kdd'],
  ['nsl_kdd/KDDTest-21.txt', 'nsl-kdd'],
  ['kddcup99/kddcup99_10percent.csv.gz', 'kddcup99'],
  ['honeypot_cowrie/cowrie_2018-05-06_to_2018-05-19.jsonl.gz', 'cowrie'],
  ['threat_feeds/ipsum.txt', 'threat-feed'],
];

describeWithData(
  'format detection on the real files',
  REAL.map(([f]) => f),
  () => {
    it.each(REAL)('%s is %s', async (file, format) => {
      expect(await detectFormat(datasetPath(file))).toBe(format);
    });
  },
);

describe('format detection from first lines', () => {
  const tmp = new TmpDir();
  afterAll(() => tmp.cleanup());

  it('recognises each layout', () => {
    expect(detectFormatFromLines(['{"eventid": "cowrie.session.connect", "src_ip": "1.2.3.4"}'])).toBe('cowrie');
    expect(detectFormatFromLines(['# IPsum', '#', '1.2.3.4\t3', '5.6.7.8\t1'])).toBe('threat-feed');
    expect(detectFormatFromLines(['{', '  "name": "port-scan",', '  "label": "PortScan",', '  "protocol": "tcp",'])).toBe('synthetic');
    expect(detectFormatFromLines([' Destination Port, Flow Duration, Label'])).toBe('cicids2017');
    expect(detectFormatFromLines(['Flow Duration,Total Fwd Packets,Label'])).toBe('cicids2017');
    expect(detectFormatFromLines(['id,Flow ID,Src IP,Flow Duration,Label,Attempted Category'])).toBe('cicids2017-improved');
    const kdd = '0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0.00,0.00,0.00,0.00,1.00,0.00,0.00,9,9,1.00,0.00,0.11,0.00,0.00,0.00,0.00,0.00';
    expect(detectFormatFromLines([`${kdd},normal,21`])).toBe('nsl-kdd');
    expect(detectFormatFromLines([`${kdd},normal.`])).toBe('kddcup99');
    expect(detectFormatFromLines(['id,dur,proto,service,attack_cat,label'])).toBe('csv');
    expect(detectFormatFromLines(['1,2,3', '4,5,6'])).toBeUndefined();
    expect(detectFormatFromLines([])).toBeUndefined();
  });

  it('names the file it cannot recognise, and synthetic scenarios point to their generator', async () => {
    const file = tmp.write('numbers.csv', '1,2,3\n4,5,6\n');
    await expect(detectFormat(file)).rejects.toThrow(UnknownFormatError);
    await expect(detectFormat(file)).rejects.toThrow(file);
    const scenario = tmp.write('port-scan.json', '{\n  "name": "port-scan",\n  "label": "PortScan",\n  "protocol": "tcp"\n}\n');
    expect(await detectFormat(scenario)).toBe('synthetic');
    await expect(openDatasetSource(scenario)).rejects.toThrow(DatasetError);
    await expect(openDatasetSource(scenario)).rejects.toThrow(/openSyntheticSource/);
  });
});
