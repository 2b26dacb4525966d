import { BASE_PROCESS_BYTES, BYTES_PER_CELL, checkMachineCapacity, estimateNeed, MiB } from './capacity';
import { mergeResourceUsage, parseResourceUsage } from './usage';

describe('estimateNeed', () => {
  it("sizes from the lineage's last measured peak RSS with 20 % headroom, and says so", () => {
    const need = estimateNeed({ lastJob: { jobId: 'train-1', peakRssBytes: 500 * MiB }, rows: 10, features: 2 });
    expect(need.memoryBytes).toBe(600 * MiB);
    expect(need.basis).toBe("job train-1's measured peak RSS (500 MiB) + 20 %");
  });
  it('estimates from rows × features when nothing was measured', () => {
    const need = estimateNeed({ rows: 22_544, features: 41 });
    expect(need.memoryBytes).toBe(BASE_PROCESS_BYTES + 22_544 * 41 * BYTES_PER_CELL);
    expect(need.basis).toBe('estimate: 22,544 rows × 41 features (no job of this lineage was measured yet)');
  });
});

describe('checkMachineCapacity', () => {
  const need = { memoryBytes: 2048 * MiB, cores: 1, basis: 'estimate' };
  it('fits when the available memory covers the need', () => {
    const v = checkMachineCapacity(need, { cores: 2, availableMemoryBytes: 4096 * MiB, totalMemoryBytes: 8192 * MiB });
    expect(v.fits).toBe(true);
  });
  it('refuses a need above the available memory, naming both figures', () => {
    const v = checkMachineCapacity(need, { cores: 2, availableMemoryBytes: 1024 * MiB, totalMemoryBytes: 8192 * MiB });
    expect(v).toMatchObject({ fits: false, reason: 'the job needs about 2,048 MiB of memory (estimate); this machine has 1,024 MiB available of 8,192 MiB' });
  });
  it('refuses when the machine has fewer cores than the job needs', () => {
    expect(checkMachineCapacity({ ...need, cores: 4 }, { cores: 2, availableMemoryBytes: 1e12, totalMemoryBytes: 1e12 }).reason).toBe(
      'the job needs 4 cores, this machine has 2',
    );
  });
});

describe('resource usage documents', () => {
  it('keep the process figures first and add what only the backend knows', () => {
    expect(
      mergeResourceUsage({ wallSeconds: 10, cpuSeconds: 9, source: 'process' }, { wallSeconds: 12, instanceType: 'ml.m5.xlarge', source: 'sagemaker' }),
    ).toEqual({
      wallSeconds: 10,
      cpuSeconds: 9,
      instanceType: 'ml.m5.xlarge',
      source: 'process',
    });
    expect(mergeResourceUsage(undefined, undefined)).toBeUndefined();
  });
  it('refuse a document with a wrong figure instead of storing it', () => {
    expect(parseResourceUsage({ cpuSeconds: -1 })).toBeUndefined();
    expect(parseResourceUsage({ peakRssBytes: 1.5 })).toBeUndefined();
    expect(parseResourceUsage({ cpuSeconds: 1 })).toEqual({ cpuSeconds: 1 });
  });
});
