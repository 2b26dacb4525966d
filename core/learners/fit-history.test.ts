import { FitHistoryRecorder, offsetFitHistory } from './fit-history';

describe('FitHistoryRecorder', () => {
  it('keeps every iteration up to the cap', () => {
    const rec = new FitHistoryRecorder(10);
    for (let i = 1; i <= 10; i++) rec.add({ iteration: i, trainLoss: 1 / i, validationLoss: 2 / i });
    const h = rec.history();
    expect(h?.iteration).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(h?.trainLoss[3]).toBe(0.25);
    expect(h?.validationLoss?.[9]).toBe(0.2);
    expect(h?.stride).toBe(1);
  });

  it('thins a long fit to evenly spaced points and always keeps the last iteration', () => {
    // Prepare: 1,000 iterations into a cap of 50
    const rec = new FitHistoryRecorder(50);
    // Act
    for (let i = 1; i <= 1000; i++) rec.add({ iteration: i, trainLoss: 1000 - i });
    const h = rec.history();
    // Assess: at most cap + 1 points, a constant stride, the values of the iterations kept, the end kept
    expect(h).toBeDefined();
    const { iteration, trainLoss, stride } = h as NonNullable<typeof h>;
    expect(iteration.length).toBeLessThanOrEqual(51);
    expect(iteration.length).toBeGreaterThan(25);
    expect(stride).toBe(32);
    for (let j = 1; j < iteration.length - 1; j++) expect(iteration[j] - iteration[j - 1]).toBe(stride);
    expect(iteration[0]).toBe(1);
    expect(iteration[iteration.length - 1]).toBe(1000);
    iteration.forEach((it, j) => expect(trainLoss[j]).toBe(1000 - it));
    expect(h?.validationLoss).toBeUndefined();
  });

  it('stores a non-finite loss as null (JSON has no NaN) and offsets continued fits', () => {
    const rec = new FitHistoryRecorder();
    rec.add({ iteration: 1, trainLoss: NaN, validationLoss: Infinity });
    rec.add({ iteration: 2, trainLoss: 0.5, validationLoss: 0.6 });
    const h = rec.history();
    expect(h?.trainLoss).toEqual([null, 0.5]);
    expect(h?.validationLoss).toEqual([null, 0.6]);
    expect(JSON.parse(JSON.stringify(h))).toEqual(h);
    expect(offsetFitHistory(h as NonNullable<typeof h>, 40).iteration).toEqual([41, 42]);
    expect(new FitHistoryRecorder().history()).toBeUndefined();
    expect(() => new FitHistoryRecorder(1)).toThrow(/cap/);
  });
});
