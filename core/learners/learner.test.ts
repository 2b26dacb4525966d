import { argmaxRows } from './learner';

describe('argmaxRows', () => {
  it('picks the most probable class per row', () => {
    const proba = Float64Array.from([0.1, 0.7, 0.2, 0.5, 0.25, 0.25]);
    expect(Array.from(argmaxRows(proba, 3))).toEqual([1, 0]);
  });
});
