// An experiment's results history on the embedded DynamoDB (dynalite): one point per time bucket,
// the latest figures of a bucket kept (never older ones over newer, even when writers race), and at
// most maxPoints points, the oldest dropped. Conditional single-item writes only (no transactions).
import { ExperimentStore, type ResultsPoint } from '../../core/experiments';
import { closeStores, testStores, uniqueId } from '../support/platform';

/** A point at `at` with `labelled` labelled samples per arm (the figures follow from it). */
function point(at: string, labelled: number): ResultsPoint {
  return {
    at,
    trafficSplit: 0.5,
    championRouted: 2 * labelled,
    challengerRouted: 2 * labelled,
    championLabelled: labelled,
    challengerLabelled: labelled,
    championCorrect: Math.floor(0.8 * labelled),
    challengerCorrect: Math.floor(0.9 * labelled),
    pValue: 1 / (1 + labelled),
    effect: 0.1,
    csLow: 0.1 - 1 / Math.sqrt(labelled),
    csHigh: 0.1 + 1 / Math.sqrt(labelled),
    srmPValue: 0.5,
    srmMismatch: false,
  };
}

describe('experiment results history on the embedded cloud', () => {
  const stores = testStores();
  const store = new ExperimentStore(stores.tables.experiments);
  afterAll(() => closeStores(stores));
  const bounds = { intervalMs: 60_000, maxPoints: 3 };

  it('keeps one point per interval, the latest figures of each', async () => {
    const id = uniqueId('exp-history');
    expect(await store.recordPoint(id, point('2026-03-01T10:00:05.000Z', 10), bounds)).toBe(true);
    expect(await store.recordPoint(id, point('2026-03-01T10:00:40.000Z', 20), bounds)).toBe(true); // same minute: replaces
    expect(await store.recordPoint(id, point('2026-03-01T10:00:30.000Z', 15), bounds)).toBe(false); // older figures: ignored
    expect(await store.recordPoint(id, point('2026-03-01T10:01:10.000Z', 30), bounds)).toBe(true); // next minute: a new point

    const history = await store.history(id);

    expect(history).toEqual([point('2026-03-01T10:00:40.000Z', 20), point('2026-03-01T10:01:10.000Z', 30)]);
  });

  it('keeps at most maxPoints points, dropping the oldest', async () => {
    const id = uniqueId('exp-history');
    for (let m = 0; m < 5; m++) await store.recordPoint(id, point(`2026-03-01T10:0${m}:00.000Z`, 10 * (m + 1)), bounds);

    const history = await store.history(id);

    expect(history.map((p) => p.at)).toEqual(['2026-03-01T10:02:00.000Z', '2026-03-01T10:03:00.000Z', '2026-03-01T10:04:00.000Z']);
    expect(await store.history(uniqueId('exp-none'))).toEqual([]);
  });

  it('keeps the figures with the most evidence when writers of one bucket race', async () => {
    const id = uniqueId('exp-history');
    const racers = [40, 10, 50, 20, 30].map((n, i) => point(`2026-03-01T10:00:0${i}.000Z`, n));

    await Promise.all(racers.map((p) => store.recordPoint(id, p, bounds)));

    expect(await store.history(id)).toEqual([point('2026-03-01T10:00:02.000Z', 50)]);
  });
});
