// The data-volume trigger per lineage: rows of the lineage's collection dataset that no version
// trained on yet, against the threshold.
import type { Item } from '../ports';
import { MemoryItemTable } from '../datasets/testing/memory-stores';
import type { LineageSpec } from '../registry/lineage-spec';
import { checkDataVolume } from './data-volume';
import { parseRetrainEvent } from './events';

function spec(rowsUsed: number): LineageSpec {
  return {
    model: 'general',
    dataset: { name: 'cicids2017', versionPolicy: 'latest' },
    classSpace: 'taxonomy',
    classes: ['Normal', 'DDoS/DoS'],
    algorithm: 'gbdt',
    params: {},
    seed: 42,
    features: [{ name: 'rate', kind: 'numeric' }],
    collection: { dataset: 'general-collected', rowsUsed },
    revision: 1,
    updatedAt: '2026-03-01T00:00:00.000Z',
    updatedBy: 'test',
  };
}

const manifest = (version: number, rowCount: number): Item => ({
  name: 'general-collected',
  version,
  sourceSha256: 'x'.repeat(64),
  rowCount,
  chunks: [],
  schema: { features: [{ name: 'rate', kind: 'numeric' }] },
});

describe('checkDataVolume', () => {
  it('emits DataVolumeReached when the rows collected since the last training reach the threshold', async () => {
    // Prepare
    const datasets = new MemoryItemTable('datasets', 'name', 'version');
    const published: { type: string; detail: Record<string, unknown> }[] = [];
    const events = { publish: async (type: string, detail: Record<string, unknown>) => void published.push({ type, detail }) };
    const now = new Date('2026-03-01T10:00:00Z');
    let used = 0;
    const deps = { datasets, events, specOf: async (model: string) => (model === 'general' ? spec(used) : undefined) };
    await datasets.put(manifest(1, 999));
    // Act / Assess
    expect(await checkDataVolume(deps, { model: 'general', threshold: 1000, now })).toMatchObject({
      collected: 999,
      reached: false,
      dataset: 'general-collected',
    });
    await datasets.put(manifest(2, 1000));
    expect(await checkDataVolume(deps, { model: 'general', threshold: 1000, now })).toMatchObject({ collected: 1000, reached: true });
    expect(published).toHaveLength(1);
    expect(parseRetrainEvent(published[0].detail, published[0].type)).toEqual({
      type: 'DataVolumeReached',
      model: 'general',
      collected: 1000,
      threshold: 1000,
      at: now.toISOString(),
    });
    // a completed job recorded the rows as used: the count starts again from there
    used = 1000;
    await datasets.put(manifest(3, 1200));
    expect(await checkDataVolume(deps, { model: 'general', threshold: 1000, now })).toMatchObject({ collected: 200, reached: false });
    expect(published).toHaveLength(1);
  });

  it("uses the lineage's own sample threshold (spec.online.minSamples) over the platform's", async () => {
    const datasets = new MemoryItemTable('datasets', 'name', 'version');
    const published: string[] = [];
    const events = { publish: async (type: string) => void published.push(type) };
    const now = new Date('2026-03-01T10:00:00Z');
    const deps = { datasets, events, specOf: async () => ({ ...spec(0), online: { minSamples: 200 } }) };
    await datasets.put(manifest(1, 250));
    expect(await checkDataVolume(deps, { model: 'general', threshold: 1000, now })).toMatchObject({ collected: 250, threshold: 200, reached: true });
    expect(published).toEqual(['DataVolumeReached']);
  });

  it('counts nothing for a lineage that does not exist', async () => {
    const datasets = new MemoryItemTable('datasets', 'name', 'version');
    const deps = { datasets, events: { publish: async () => undefined }, specOf: async () => undefined };
    expect(await checkDataVolume(deps, { model: 'nobody', threshold: 1, now: new Date() })).toEqual({ collected: 0, threshold: 1, reached: false });
  });
});
