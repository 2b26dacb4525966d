import { ingestDataset } from '../ingest';
import { IngestError } from '../errors';
import { MemoryItemTable, MemoryObjectStore } from '../testing/memory-stores';
import { ScenarioError } from './scenario';
import { openSyntheticSource } from './synthetic-source';
import { findManifest, parseDatasetRef, synthesizeDataset } from './synthesize';

function stores(): { objects: MemoryObjectStore; manifests: MemoryItemTable } {
  return { objects: new MemoryObjectStore(), manifests: new MemoryItemTable() };
}

describe('parseDatasetRef', () => {
  it('reads name and name@version, refuses the rest', () => {
    expect(parseDatasetRef('cicids2017')).toEqual({ name: 'cicids2017' });
    expect(parseDatasetRef('nsl-kdd@3')).toEqual({ name: 'nsl-kdd', version: 3 });
    expect(() => parseDatasetRef('a@0')).toThrow(IngestError);
    expect(() => parseDatasetRef('a@b')).toThrow(IngestError);
    expect(() => parseDatasetRef('')).toThrow(IngestError);
  });
});

describe('synthesizeDataset', () => {
  it('ingests a synthetic version and dedupes identical requests; seed, rows or scenarios change it', async () => {
    const s = stores();
    const opts = { name: 'syn', scenarios: ['port-scan', 'syn-flood'], rows: 300, seed: 9 } as const;
    const first = await synthesizeDataset(s, opts);
    expect(first.created).toBe(true);
    expect(first.manifest).toMatchObject({ version: 1, format: 'synthetic', synthetic: true, rowCount: 300 });
    expect(first.manifest.rowsPerLabel).toEqual({ DDoS: 150, PortScan: 150 });
    const again = await synthesizeDataset(s, opts);
    expect(again.created).toBe(false);
    expect(again.manifest.version).toBe(1);
    expect((await synthesizeDataset(s, { ...opts, seed: 10 })).manifest.version).toBe(2);
    expect((await synthesizeDataset(s, { ...opts, rows: 301 })).manifest.version).toBe(3);
    expect((await synthesizeDataset(s, { ...opts, scenarios: ['syn-flood', 'port-scan'] })).manifest.version).toBe(4);
    expect(s.manifests.items.size).toBe(4);
  });

  it('fits scenarios to the fit dataset rows of the same label, else of the same class', async () => {
    const s = stores();
    await synthesizeDataset(s, { name: 'base', scenarios: ['ssh-brute-force'], rows: 200, seed: 1 });
    // ftp-brute-force has no FTP-Patator rows in "base", but SSH-Patator shares its class (Brute Force).
    const fitted = await synthesizeDataset(s, {
      name: 'fitted',
      scenarios: ['ssh-brute-force', 'ftp-brute-force', 'port-scan'],
      rows: 30,
      seed: 2,
      fit: { name: 'base' },
    });
    expect(fitted.fits).toEqual([
      { scenario: 'ssh-brute-force', rows: 200, matchedBy: 'fine' },
      { scenario: 'ftp-brute-force', rows: 200, matchedBy: 'class' },
      { scenario: 'port-scan', rows: 0, matchedBy: 'none' },
    ]);
    expect(fitted.manifest.lineage).toMatchObject({ synthetic: { fit: { name: 'base', version: 1 } } });
    const unfitted = await synthesizeDataset(s, { name: 'unfitted', scenarios: ['ssh-brute-force', 'ftp-brute-force', 'port-scan'], rows: 30, seed: 2 });
    expect(unfitted.manifest.sourceSha256).not.toBe(fitted.manifest.sourceSha256);
  });

  it('refuses an unknown fit dataset or version, and unknown scenarios', async () => {
    const s = stores();
    await expect(synthesizeDataset(s, { name: 'x', scenarios: ['port-scan'], rows: 5, seed: 1, fit: { name: 'nope' } })).rejects.toThrow(
      /fit dataset "nope" does not exist/,
    );
    await synthesizeDataset(s, { name: 'base', scenarios: ['port-scan'], rows: 5, seed: 1 });
    await expect(synthesizeDataset(s, { name: 'x', scenarios: ['port-scan'], rows: 5, seed: 1, fit: { name: 'base', version: 2 } })).rejects.toThrow(
      /version 2/,
    );
    await expect(synthesizeDataset(s, { name: 'x', scenarios: ['no-such-scenario'], rows: 5, seed: 1 })).rejects.toBeInstanceOf(ScenarioError);
    expect(await findManifest(s, { name: 'x' })).toBeUndefined();
  });
});

describe('ingestDataset with a sourceIdentity', () => {
  const sha = 'a'.repeat(64);
  const open = async () => openSyntheticSource({ scenarios: ['port-scan'], rows: 10, seed: 1 });

  it('never reads the path and dedupes on the identity', async () => {
    const s = stores();
    const opts = { name: 'ident', sourcePath: 'synthetic:not-a-file', sourceIdentity: { sha256: sha }, format: 'synthetic' as const, open };
    const first = await ingestDataset(s, opts);
    expect(first.manifest).toMatchObject({ sourceSha256: sha, sourcePath: 'synthetic:not-a-file', synthetic: true, rowCount: 10 });
    expect((await ingestDataset(s, opts)).created).toBe(false);
    expect((await ingestDataset(s, { ...opts, sourceIdentity: { sha256: 'b'.repeat(64) } })).manifest.version).toBe(2);
  });

  it('requires a hex sha256, a declared format and an open function', async () => {
    const s = stores();
    await expect(ingestDataset(s, { name: 'i', sourcePath: 'x', sourceIdentity: { sha256: 'xyz' }, format: 'synthetic', open })).rejects.toThrow(/64 hex/);
    await expect(ingestDataset(s, { name: 'i', sourcePath: 'x', sourceIdentity: { sha256: sha }, open })).rejects.toThrow(/declared format/);
    await expect(ingestDataset(s, { name: 'i', sourcePath: 'x', sourceIdentity: { sha256: sha }, format: 'synthetic' })).rejects.toThrow(/open/);
  });
});
