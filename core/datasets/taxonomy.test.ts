import { DatasetSchemaError, UnmappedLabelError } from './errors';
import { datasetPath, describeWithData } from '../../test/support/datasets';
import { openDatasetSource } from './open-dataset-source';
import { KDD_CATEGORIES, MINI_XDR_CLASSES, hasMapping, loadTaxonomy, mapLabel } from './taxonomy';
import { collectSource } from './testing/collect';

describe('label taxonomy', () => {
  it('declares exactly the Mini-XDR classes and the five KDD categories', () => {
    const t = loadTaxonomy();
    expect(t.schemes['mini-xdr'].classes).toEqual([...MINI_XDR_CLASSES]);
    expect(t.schemes['kdd-category'].classes).toEqual([...KDD_CATEGORIES]);
  });

  it('maps fine labels of every family to Mini-XDR classes', () => {
    expect(mapLabel('BENIGN', 'mini-xdr')).toBe('Normal');
    expect(mapLabel('DoS Hulk', 'mini-xdr')).toBe('DDoS/DoS');
    expect(mapLabel('Portscan', 'mini-xdr')).toBe('Reconnaissance');
    expect(mapLabel('SSH-Patator', 'mini-xdr')).toBe('Brute Force');
    expect(mapLabel('Web Attack - Sql Injection', 'mini-xdr')).toBe('Web Attack');
    expect(mapLabel('Botnet', 'mini-xdr')).toBe('Malware/Botnet');
    expect(mapLabel('Infiltration', 'mini-xdr')).toBe('APT/Infiltration');
    expect(mapLabel('smurf', 'mini-xdr')).toBe('DDoS/DoS');
    expect(mapLabel('guess_passwd', 'mini-xdr')).toBe('Brute Force');
    expect(mapLabel('malicious-ip-3', 'mini-xdr')).toBe('Malware/Botnet');
  });

  it('maps every KDD-family label that has a Mini-XDR class to one of the five categories, and nothing else', () => {
    const t = loadTaxonomy();
    const kddLabels = Object.keys(t.schemes['kdd-category'].labels);
    expect(kddLabels).toHaveLength(40);
    for (const label of kddLabels) expect(t.schemes['mini-xdr'].labels[label]).toBeDefined();
    expect(mapLabel('mscan', 'kdd-category')).toBe('Probe');
    expect(mapLabel('xterm', 'kdd-category')).toBe('U2R');
  });

  it('names the label and the scheme when a label is unmapped', () => {
    expect(() => mapLabel('DoS Hulk', 'kdd-category')).toThrow(UnmappedLabelError);
    expect(() => mapLabel('Quantum Attack', 'mini-xdr')).toThrow(/"Quantum Attack".*"mini-xdr"/);
  });

  it('rejects a document mapping a label to an undeclared class', () => {
    const bad = structuredClone(loadTaxonomy()) as { schemes: { 'mini-xdr': { labels: Record<string, string> } } };
    bad.schemes['mini-xdr'].labels.BENIGN = 'Benign-ish';
    expect(() => loadTaxonomy(bad)).toThrow(DatasetSchemaError);
    expect(() => loadTaxonomy(bad)).toThrow(/BENIGN/);
  });
});

describeWithData(
  'taxonomy covers the weak labels of the honeypot and threat-feed loaders (real data)',
  ['honeypot_cowrie/cowrie_2018-05-06_to_2018-05-19.jsonl.gz', 'threat_feeds/ipsum.txt'],
  () => {
    it.each(['honeypot_cowrie/cowrie_2018-05-06_to_2018-05-19.jsonl.gz', 'threat_feeds/ipsum.txt'])('%s', async (file) => {
      const { perLabel, rows } = await collectSource(await openDatasetSource(datasetPath(file)));
      expect(rows).toBeGreaterThan(0);
      const unmapped = Object.keys(perLabel).filter((l) => !hasMapping(l, 'mini-xdr'));
      expect(unmapped).toEqual([]);
    });
  },
);
