// Bounded telemetry on the embedded cloud (no lifecycle rules, no TTL there): the prediction log
// keeps a bounded sample of each request and stamps every request and feedback record with its
// expiry; the local sweeper removes expired samples and, past the size bound, the oldest ones, and
// deletes expired inference items.
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import {
  INFERENCE_TTL_ATTRIBUTE,
  PredictionLog,
  readTelemetry,
  SAMPLES_PREFIX,
  telemetryKeyTimes,
  telemetryObjectKey,
  TelemetryRetention,
  type PredictResult,
} from '../../core/serving';
import { closeStores, testStores, uniqueId } from '../support/platform';

const DAY = 86_400_000;

function result(model: string, requestId: string, flows: number): PredictResult {
  return {
    model,
    modelVersion: 1,
    requestId,
    latencyMs: 3,
    predictions: Array.from({ length: flows }, (_, i) => ({
      predictionId: `${requestId}:${i}`,
      label: 'BENIGN',
      confidence: 0.9,
      probabilities: {},
      alert: false,
    })),
  } as unknown as PredictResult;
}

describe('bounded telemetry', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));
  // a bucket of its own: the sweeper counts (and may delete) every sample in it, and other suites share the platform's
  const bucket = uniqueId('telemetry-retention').toLowerCase();
  const telemetry = new S3ObjectStore(stores.clients.s3, bucket);
  beforeAll(async () => {
    await stores.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it('samples at most maxSampleFlows evenly spaced flows and stamps records with their expiry', async () => {
    const model = uniqueId('tm').toLowerCase();
    const now = new Date('2026-05-01T12:00:00Z');
    const written: number[] = [];
    const log = new PredictionLog({
      inference: stores.tables.inference,
      telemetry,
      maxSampleFlows: 10,
      retentionDays: 7,
      onSample: (bytes) => written.push(bytes),
      clock: () => now,
    });
    const flows = Array.from({ length: 1000 }, (_, i) => ({ i }));
    const requestId = uniqueId('req');
    await log.record(result(model, requestId, 1000), flows);
    const sample = await readTelemetry(telemetry, { model, from: new Date(now.getTime() - 1), to: now });
    expect(sample.objects).toBe(1);
    expect([...(sample.features.get('i') as Float64Array)]).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect([...sample.flowIndex]).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(sample.requestId).toEqual(Array(10).fill(requestId));
    expect(sample.label).toHaveLength(10);
    expect(written).toHaveLength(1);
    const expires = Math.floor(now.getTime() / 1000) + 7 * 86_400;
    expect(await stores.tables.inference.get({ pk: `REQ#${requestId}`, sk: 'PRED' })).toMatchObject({ [INFERENCE_TTL_ATTRIBUTE]: expires });
    await log.feedback([{ predictionId: `${requestId}:3`, label: 'BENIGN' }]);
    expect(await stores.tables.inference.get({ pk: `FB#${model}`, sk: `${requestId}:3` })).toMatchObject({ [INFERENCE_TTL_ATTRIBUTE]: expires });
  });

  it('sweeps expired samples, keeps the bucket under its bound, and deletes expired inference items', async () => {
    const model = uniqueId('tr').toLowerCase();
    // the real time: the inference sweep sees every suite's items, and theirs expire in days, not now
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 45 * 60_000);
    let now = start;
    const clock = () => now;
    const body = 'x'.repeat(10_000);
    // 40 samples, one a minute, over an old one from 40 days ago
    const key = (at: Date, id: string) => telemetryObjectKey(model, new Date(at.getTime() - 30_000).toISOString(), at.toISOString(), id);
    await telemetry.put(key(new Date(now.getTime() - 40 * DAY), 'old'), body);
    for (let i = 0; i < 40; i++) await telemetry.put(key(new Date(now.getTime() + i * 60_000), `r${i}`), body);
    now = new Date(now.getTime() + 41 * 60_000);
    const maxBytes = 200_000;
    await stores.tables.inference.put({ pk: `REQ#${model}-expired`, sk: 'PRED', [INFERENCE_TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) - 1 });
    await stores.tables.inference.put({ pk: `REQ#${model}-live`, sk: 'PRED', [INFERENCE_TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + 3600 });
    const retention = new TelemetryRetention({ telemetry, inference: stores.tables.inference, maxBytes, retentionMs: 30 * DAY, clock });

    const swept = await retention.sweep();

    const left = (await telemetry.listObjects(SAMPLES_PREFIX)).map((o) => o.key).filter((k) => k.includes(`model=${model}/`));
    expect(left.some((k) => k.includes('_old.parquet'))).toBe(false);
    // past the bound: the oldest went until the bucket held half of it
    expect(swept.bytesBefore).toBeGreaterThan(maxBytes);
    expect(swept.bytesAfter).toBeLessThanOrEqual(maxBytes / 2);
    expect(left.length).toBeLessThan(40);
    expect(left.every((k) => telemetryKeyTimes(k)[1] >= start.toISOString())).toBe(true);
    expect(left).toContain(key(new Date(now.getTime() - 2 * 60_000), 'r39'));
    expect(swept.inferenceDeleted).toBeGreaterThanOrEqual(1);
    expect(await stores.tables.inference.get({ pk: `REQ#${model}-expired`, sk: 'PRED' })).toBeUndefined();
    expect(await stores.tables.inference.get({ pk: `REQ#${model}-live`, sk: 'PRED' })).toBeDefined();
  });
});
