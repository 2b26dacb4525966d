import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    for (let i = 0; i < 3e6; i++) x += Math.sqrt(i);
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

describe('GPU figures', () => {
  it("are nvidia-smi's peak readings while the meter runs, and absent when the tool fails", async () => {
    // a stand-in for the CUDA tool (this machine has no GPU): it answers a rising reading each time it is asked
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xdr-smi-'));
    const counter = path.join(dir, 'n');
    const tool = path.join(dir, 'nvidia-smi');
    writeFileSync(counter, '0');
    writeFileSync(tool, `#!/bin/sh\nn=$(cat ${counter}); n=$((n+1)); echo $n > ${counter}\necho "NVIDIA H200, 143771, $((n*100)), $((n*10))"\n`);
    chmodSync(tool, 0o755);
    try {
      const meter = new ResourceMeter({ nvidiaSmi: tool, sampleMs: 20 }).start();
      await new Promise((r) => setTimeout(r, 400));
      const usage = await meter.stop();
      const gpu = usage.gpus?.[0];
      expect(gpu?.model).toBe('NVIDIA H200');
      expect(gpu?.memoryTotalMiB).toBe(143771);
      expect(gpu?.peakMemoryUsedMiB).toBeGreaterThanOrEqual(200); // at least two readings, the peak kept
      expect(gpu?.peakUtilisationPercent).toBe((gpu?.peakMemoryUsedMiB ?? 0) / 10);

      writeFileSync(tool, '#!/bin/sh\necho "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver" >&2\nexit 9\n');
      const failing = await new ResourceMeter({ nvidiaSmi: tool, sampleMs: 20 }).start().stop();
      expect(failing.gpus).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
