// Telemetry encoding off the serving thread: the worker's objects read back exactly like those
// encoded in place, and rows waiting for a worker that goes away are still written.
import { MemoryObjectStore } from '../datasets/testing/memory-stores';
import { decodeTelemetry, encodeTelemetry, readTelemetry, TelemetryBuffer, telemetryRowsOf, type TelemetryRow } from './telemetry';
import { INLINE_MAX_CELLS, TelemetryEncoder } from './telemetry-encoder';

const AT = '2026-03-01T10:00:00.000Z';

/** `n` flows of `features` numeric features and one text feature, from a seeded generator. */
function sample(n: number, features: number, requestId = 'r1'): TelemetryRow[] {
  let s = 42;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 1000;
  const flows = Array.from({ length: n }, (_, i) => {
    const flow: Record<string, number | string | null> = { proto: i % 3 ? 'tcp' : 'udp' };
    for (let j = 0; j < features; j++) flow[`f${j}`] = j === 0 && i % 7 === 0 ? null : next();
    return flow;
  });
  return telemetryRowsOf({
    model: 'm',
    version: 2,
    at: AT,
    requestId,
    flows,
    labels: flows.map((_, i) => (i % 2 ? 'attack' : 'benign')),
    confidences: flows.map(() => 0.75),
  });
}

describe('TelemetryEncoder', () => {
  let encoder: TelemetryEncoder;
  beforeEach(() => (encoder = new TelemetryEncoder()));
  afterEach(() => encoder.close());

  it('starts its worker on warmUp (a server, once listening), not on the first large object', async () => {
    expect(encoder.running).toBe(false);
    await encoder.encode(sample(10, 3)); // a small object is encoded in place: no worker for it
    expect(encoder.running).toBe(false);
    encoder.warmUp();
    expect(encoder.running).toBe(true);
    const rows = sample(2000, 40);
    const bytes = await encoder.encode(rows);
    expect(Buffer.from(bytes).equals(Buffer.from(encodeTelemetry(rows)))).toBe(true);
  });

  it('encodes a large object on its worker thread, byte for byte what the calling thread would write', async () => {
    const rows = sample(2000, 40);
    expect(rows.length * 48).toBeGreaterThan(INLINE_MAX_CELLS);

    const pending = encoder.encode(rows);
    expect(encoder.pending).toBe(1); // handed to the worker, not encoded on this thread
    const bytes = await pending;

    expect(encoder.offThread).toBe(true);
    expect(Buffer.from(bytes).equals(Buffer.from(encodeTelemetry(rows)))).toBe(true);
    const t = await decodeTelemetry(bytes);
    expect(t.rows).toBe(2000);
    expect(t.features.get('proto')?.[3]).toBe('udp');
    expect((t.features.get('f0') as Float64Array)[7]).toBeNaN();
    expect((t.features.get('f5') as Float64Array)[1999]).toBe(rows[1999].flow.f5);
  });

  it('encodes a small object (a Lambda request sample) in place', async () => {
    const pending = encoder.encode(sample(3, 5));
    expect(encoder.pending).toBe(0);
    expect((await decodeTelemetry(await pending)).rows).toBe(3);
  });

  it('still writes the rows that were waiting when the worker stops', async () => {
    const rows = sample(1500, 40);
    const pending = encoder.encode(rows);
    await encoder.close();

    const t = await decodeTelemetry(await pending);
    expect(t.rows).toBe(1500);
    expect(encoder.offThread).toBe(false);
    expect((await decodeTelemetry(await encoder.encode(sample(1500, 40, 'r2')))).requestId[0]).toBe('r2');
  });

  it('is what a TelemetryBuffer writes with: every buffered row is read back', async () => {
    const store = new MemoryObjectStore();
    const buffer = new TelemetryBuffer({ store, maxRows: 1000, maxDelayMs: 0, encoder });
    buffer.add(sample(1200, 30, 'a'));
    buffer.add(sample(900, 30, 'b'));
    await buffer.flush();

    const t = await readTelemetry(store, { model: 'm', from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' });
    expect(t.rows).toBe(2100);
    expect(t.requestId.filter((r) => r === 'b')).toHaveLength(900);
  });
});
