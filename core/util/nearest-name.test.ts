import { didYouMean, editDistance, nearestName } from './nearest-name';

describe('nearestName', () => {
  it('finds the closest candidate within a third of the name', () => {
    expect(nearestName('nRound', ['maxDepth', 'nRounds', 'learningRate'])).toBe('nRounds');
    expect(nearestName('learningrate', ['nRounds', 'learningRate'])).toBe('learningRate');
    expect(nearestName('stauts', ['status', 'serve'])).toBe('status');
  });

  it('offers nothing when no candidate is close', () => {
    expect(nearestName('zzz', ['nRounds', 'maxDepth'])).toBeUndefined();
    expect(didYouMean('zzz', ['nRounds'])).toBe('');
  });

  it('counts a transposition as one edit', () => {
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(didYouMean('maxDetph', ['maxDepth'])).toBe(" (did you mean 'maxDepth'?)");
  });
});
