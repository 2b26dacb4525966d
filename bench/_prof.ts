import { performance } from 'node:perf_hooks';
import { decodeTelemetry, encodeTelemetry, type TelemetryRow } from '../core/serving/telemetry';
async function main() {
  const rows: TelemetryRow[] = [];
  for (let i = 0; i < 5000; i++) {
    const flow: Record<string, number> = {};
    for (let j = 0; j < 80; j++) flow[`f${j}`] = Math.random();
    rows.push({ requestId: `r${i >> 6}`, flowIndex: i & 63, model: 'm', version: 1, at: new Date(1e12 + i).toISOString(), label: 'a', confidence: 0.5, flow });
  }
  for (let k = 0; k < 8; k++) {
    let t = performance.now();
    const b = encodeTelemetry(rows);
    const w = performance.now() - t;
    t = performance.now();
    await decodeTelemetry(b);
    console.log('write', w.toFixed(0), 'read', (performance.now() - t).toFixed(0), b.byteLength);
  }
}
void main();
