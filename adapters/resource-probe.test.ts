import { machineCapacity, parseNvidiaSmi, readProcessStatus, ResourceMeter } from './resource-probe';

describe('parseNvidiaSmi', () => {
  it("reads nvidia-smi's CSV and leaves out a GPU whose memory it does not report", () => {
    const out = 'NVIDIA H200, 143771, 523, 7\nNVIDIA A100-SXM4-40GB MIG 1g.5gb, [N/A], [N/A], [N/A]\n';
    expect(parseNvidiaSmi(out)).toEqual([{ model: 'NVIDIA H200', memoryTotalMiB: 143771, peakMemoryUsedMiB: 523, peakUtilisationPercent: 7 }]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });
});

describe('the probes on this machine', () => {
  it('agree with the OS about this process, and a meter measures CPU spent', async () => {
    const meter = new ResourceMeter({ nvidiaSmi: null }).start();
    let x = 0;
    for (let i = 0; i < 2e7; i++) x += Math.sqrt(i);
    const usage = await meter.stop({ rows: 1000 });
    expect(x).toBeGreaterThan(0);
    expect(usage.cpuSeconds).toBeGreaterThan(0);
    expect(usage.gpus).toBeUndefined();
    const status = readProcessStatus('self');
    if (status) {
      expect(Math.abs((usage.peakRssBytes ?? 0) - status.peakRssBytes) / status.peakRssBytes).toBeLessThan(0.1);
      expect(usage.threads).toBeGreaterThanOrEqual(1);
    }
    const machine = machineCapacity();
    expect(machine.cores).toBeGreaterThanOrEqual(1);
    expect(machine.availableMemoryBytes).toBeGreaterThan(0);
    expect(machine.availableMemoryBytes).toBeLessThanOrEqual(machine.totalMemoryBytes * 1.01 + 1);
  });
});
