// The prediction log's write path on the embedded cloud (dynalite + s3rver): concurrent requests
// share group commits (BatchWriteItem of their records, one counter update per version), every
// record is stored when record() resolves, and buffered telemetry is written on its time bound or
// on flush().
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import type { Item, ItemTable } from '../../core/ports';
import { PredictionLog, readTelemetry, type PredictResult } from '../../core/serving';
import { closeStores, testStores, uniqueId } from '../support/platform';

function result(model: string, requestId: string, flows: number, version = 1): PredictResult {
  return {
    model,
    modelVersion: version,
    requestId,
    latencyMs: 2,
    predictions: Array.from({ length: flows }, (_, i) => ({
      predictionId: `${requestId}:${i}`,
      label: i % 2 ? 'attack' : 'benign',
      confidence: 0.75,
      probabilities: {},
      alert: false,
    })),
  } as unknown as PredictResult;
}

/** The real table, counting the writes that reach it. */
function counting(table: ItemTable): { table: ItemTable; batches: number[]; adds: number } {
  const seen = { batches: [] as number[], adds: 0 };
  const wrapped: ItemTable = Object.create(table) as ItemTable;
  wrapped.batchPut = async (items: readonly Item[]) => {
    seen.batches.push(items.length);
    await table.batchPut(items);
  };
  wrapped.add = async (key, deltas) => {
    seen.adds++;
    return table.add(key, deltas);
  };
  return {
    table: wrapped,
    get batches() {
      return seen.batches;
    },
    get adds() {
      return seen.adds;
    },
  };
}

describe('prediction log write path', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));
  const bucket = uniqueId('prediction-log').toLowerCase();
  const telemetry = new S3ObjectStore(stores.clients.s3, bucket);
  beforeAll(async () => {
    await stores.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it('group-commits concurrent requests: every record stored when record() resolves, counters summed, fewer writes than requests', async () => {
    const model = uniqueId('pl').toLowerCase();
    const inference = counting(stores.tables.inference);
    const log = new PredictionLog({ inference: inference.table, telemetry, telemetryFlushMs: 60_000 });
    const ids = Array.from({ length: 120 }, (_, i) => `${model}-r${i}`);

    await Promise.all(
      ids.map((id, i) =>
        log.record(
          result(model, id, 1 + (i % 3), 1 + (i % 2)),
          Array.from({ length: 1 + (i % 3) }, () => ({ x: i })),
        ),
      ),
    );

    for (const id of ids) expect(await stores.tables.inference.get({ pk: `REQ#${id}`, sk: 'PRED' })).toMatchObject({ model, sk: 'PRED' });
    expect(inference.batches.reduce((a, b) => a + b, 0)).toBe(120);
    expect(inference.batches.every((n) => n <= 25)).toBe(true);
    expect(inference.batches.length).toBeLessThan(120);
    expect(inference.adds).toBeLessThan(120);
    const stats = await log.versionStats(model);
    const flowsOf = (v: number) => ids.reduce((n, _, i) => n + (1 + (i % 2) === v ? 1 + (i % 3) : 0), 0);
    expect(stats.map((s) => [s.version, s.requests, s.flows])).toEqual([
      [1, 60, flowsOf(1)],
      [2, 60, flowsOf(2)],
    ]);
    // joinable at once
    const outcome = await log.feedback([{ predictionId: `${ids[7]}:0`, label: 'attack' }]);
    expect(outcome.accepted).toBe(1);
  });

  it('keeps telemetry in memory until its time bound or flush(), then writes one object for the batch of requests', async () => {
    const model = uniqueId('pt').toLowerCase();
    const written: number[] = [];
    const log = new PredictionLog({ inference: stores.tables.inference, telemetry, telemetryFlushMs: 60_000, onSample: (b) => written.push(b) });
    const from = new Date(Date.now() - 1000);
    for (let i = 0; i < 10; i++) await log.record(result(model, `${model}-q${i}`, 2), [{ x: i }, { x: -i - 1 }]);
    expect(written).toEqual([]);
    expect(log.telemetry.pendingRows).toBe(20);

    await log.flush();

    expect(written).toHaveLength(1);
    const t = await readTelemetry(telemetry, { model, from, to: new Date(Date.now() + 1000) });
    expect(t.rows).toBe(20);
    expect([...(t.features.get('x') as Float64Array)].sort((a, b) => a - b)).toEqual([-10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const timed = new PredictionLog({ inference: stores.tables.inference, telemetry, telemetryFlushMs: 50, onSample: (b) => written.push(b) });
    await timed.record(result(model, `${model}-timed`, 1), [{ x: 42 }]);
    const deadline = Date.now() + 10_000;
    while (written.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(written).toHaveLength(2);
  });

  it('writes the telemetry sample before record() resolves when telemetryFlushMs is 0 (Lambda)', async () => {
    const model = uniqueId('pz').toLowerCase();
    const log = new PredictionLog({ inference: stores.tables.inference, telemetry, telemetryFlushMs: 0 });
    const from = new Date(Date.now() - 1000);
    await log.record(result(model, `${model}-z`, 3), [{ x: 1 }, { x: 2 }, { x: 3 }]);
    expect(log.telemetry.pendingRows).toBe(0);
    expect((await readTelemetry(telemetry, { model, from, to: new Date(Date.now() + 1000) })).rows).toBe(3);
  });
});
