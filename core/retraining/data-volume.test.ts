import { COLLECTED_SINCE_TRAINING_ATTRIBUTE, COUNTERS_KEY, markTrained } from '../datasets/collector';
import { MemoryItemTable } from '../datasets/testing/memory-stores';
import { checkDataVolume, resetDataVolumeAfter } from './data-volume';
import type { TrainingJobRecord } from './job-records';
import { parseRetrainEvent } from './events';

describe('checkDataVolume', () => {
  it('emits DataVolumeReached once the collected count reaches the threshold, and not after training reset it', async () => {
    // Prepare
    const datasets = new MemoryItemTable('datasets', 'name', 'version');
    const published: { type: string; detail: Record<string, unknown> }[] = [];
    const events = { publish: async (type: string, detail: Record<string, unknown>) => void published.push({ type, detail }) };
    const now = new Date('2026-03-01T10:00:00Z');
    await datasets.increment(COUNTERS_KEY, COLLECTED_SINCE_TRAINING_ATTRIBUTE, 999);
    // Act / Assess
    expect(await checkDataVolume({ datasets, events }, { model: 'general', threshold: 1000, now })).toMatchObject({ collected: 999, reached: false });
    await datasets.increment(COUNTERS_KEY, COLLECTED_SINCE_TRAINING_ATTRIBUTE, 1);
    expect(await checkDataVolume({ datasets, events }, { model: 'general', threshold: 1000, now })).toMatchObject({ collected: 1000, reached: true });
    expect(published).toHaveLength(1);
    expect(parseRetrainEvent(published[0].detail, published[0].type)).toEqual({
      type: 'DataVolumeReached',
      model: 'general',
      collected: 1000,
      threshold: 1000,
      at: now.toISOString(),
    });
    await markTrained(datasets);
    expect(await checkDataVolume({ datasets, events }, { model: 'general', threshold: 1000, now })).toMatchObject({ collected: 0, reached: false });
    expect(published).toHaveLength(1);
  });

  it('restarts the count only after a job that consumed the collected samples', async () => {
    const datasets = new MemoryItemTable('datasets', 'name', 'version');
    await datasets.increment(COUNTERS_KEY, COLLECTED_SINCE_TRAINING_ATTRIBUTE, 40);
    const job = (trigger: TrainingJobRecord['trigger'], dataset: string) =>
      ({
        jobId: 'j',
        model: 'general',
        trigger,
        reason: '',
        idempotencyKey: 'k',
        state: 'Completed',
        createdAt: '',
        backend: 'local',
        dataset: { name: dataset, version: 1 },
      }) as TrainingJobRecord;
    const reset = resetDataVolumeAfter(datasets);
    await reset(job('ScheduledRetrain', 'cicids2017'));
    expect((await datasets.get(COUNTERS_KEY))?.[COLLECTED_SINCE_TRAINING_ATTRIBUTE]).toBe(40);
    await reset(job('ManualRetrain', 'collected'));
    expect((await datasets.get(COUNTERS_KEY))?.[COLLECTED_SINCE_TRAINING_ATTRIBUTE]).toBe(0);
  });
});
