import { datasetPath, describeWithData } from '../../test/support/datasets';
import { DatasetSchemaError } from './errors';
import { openDatasetSource } from './open-dataset-source';
import { collectSource } from './testing/collect';
import { TmpDir } from './testing/tmp-files';

describe('openDatasetSource', () => {
  const tmp = new TmpDir();
  afterAll(() => tmp.cleanup());

  it('opens a generic CSV (detected) with the declared schema', async () => {
    const file = tmp.write('unsw.csv', 'id,dur,proto,attack_cat,label\n1,0.5,tcp,Normal,0\n2,x,udp,Exploits,1\n');
    const src = await openDatasetSource(file, { labelColumn: 'attack_cat', drop: ['id', 'label'], categorical: ['proto'] });
    const { perLabel, rejected } = await collectSource(src);
    expect(src.format).toBe('csv');
    expect(src.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['dur:numeric', 'proto:categorical']);
    expect(perLabel).toEqual({ Normal: 1 });
    expect(rejected).toEqual([{ kind: 'rejected', line: 3, reason: 'non-numeric value "x" in numeric column "dur"' }]);
  });

  it('uses a declared format over detection', async () => {
    const file = tmp.write('declared.csv', 'a,b,Label\n1,2,BENIGN\n');
    const src = await openDatasetSource(file, { format: 'cicids2017' });
    expect(src.format).toBe('cicids2017');
  });
});

describeWithData(
  'openDatasetSource on the real files',
  ['threat_feeds/ipsum.txt', 'honeypot_cowrie/cowrie_2018-05-06_to_2018-05-19.jsonl.gz', 'nsl_kdd/KDDTest-21.txt'],
  () => {
    it.each([
      ['threat_feeds/ipsum.txt', 'threat-feed'],
      ['honeypot_cowrie/cowrie_2018-05-06_to_2018-05-19.jsonl.gz', 'cowrie'],
      ['nsl_kdd/KDDTest-21.txt', 'nsl-kdd'],
    ])('openDatasetSource(auto) opens %s with the %s loader', async (file, format) => {
      const src = await openDatasetSource(datasetPath(file));
      expect(src.format).toBe(format);
      expect(src.columns.length).toBeGreaterThan(0);
    });

    it('refuses schema options for formats whose schema is fixed', async () => {
      await expect(openDatasetSource(datasetPath('nsl_kdd/KDDTest-21.txt'), { labelColumn: 'label' })).rejects.toThrow(DatasetSchemaError);
    });
  },
);
