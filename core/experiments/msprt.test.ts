import { SeededRandom } from '../util/random';
import { InvalidExperimentInputError } from './errors';
import { msprtLogLikelihoodRatio, msprtPValue, SequentialProportionTest } from './msprt';
import { twoProportionZTest } from './two-proportion-z-test';

/**
 * Exact Binomial(n, p) sampler by inversion of the CDF (one uniform per draw instead of n), so the
 * 1,000-experiment simulation stays fast.
 */
function binomialSampler(n: number, p: number): (rng: SeededRandom) => number {
  const cdf = new Float64Array(n + 1);
  let pmf = (1 - p) ** n;
  let acc = 0;
  for (let k = 0; k <= n; k++) {
    acc += pmf;
    cdf[k] = acc;
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
  }
  return (rng) => {
    const u = rng.next() * acc;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

describe('msprt reference values', () => {
  it('matches the closed form computed by hand (Python math module)', () => {
    // p = 450/2000 = 0.225, V = p(1-p)(2/1000) = 3.4875e-4, d = 0.05, τ² = 0.001:
    // log Λ = 0.5 ln(V/(V+τ²)) + τ² d² / (2V(V+τ²)) = 1.981156239648438
    expect(msprtLogLikelihoodRatio(200, 1000, 250, 1000, 0.001)).toBeCloseTo(1.981156239648438, 12);
    expect(msprtPValue(200, 1000, 250, 1000, 0.001)).toBeCloseTo(0.13790968844062415, 12);
  });

  it('gives no evidence without variance or data', () => {
    expect(msprtPValue(0, 100, 0, 100)).toBe(1);
    expect(msprtPValue(0, 0, 0, 0)).toBe(1);
    expect(() => msprtPValue(1, 10, 1, 10, 0)).toThrow(InvalidExperimentInputError);
  });
});

describe('SequentialProportionTest', () => {
  it('p-value never increases as data accrue and reaches significance under a real effect', () => {
    const rng = new SeededRandom(7);
    const test = new SequentialProportionTest();
    let sA = 0;
    let sB = 0;
    let previous = 1;
    for (let n = 1; n <= 5000; n++) {
      if (rng.next() < 0.8) sA++;
      if (rng.next() < 0.84) sB++;
      test.update(sA, n, sB, n);
      expect(test.pValue).toBeLessThanOrEqual(previous);
      previous = test.pValue;
    }
    expect(test.significant).toBe(true);
    expect(test.lookCount).toBe(5000);
    const copy = test.clone();
    expect(copy.pValue).toBe(1);
    expect(copy.tau2).toBe(test.tau2);
    test.reset();
    expect(test.pValue).toBe(1);
  });

  it('rejects shrinking cumulative counts', () => {
    const test = new SequentialProportionTest().update(5, 10, 5, 10);
    expect(() => test.update(4, 9, 5, 10)).toThrow(/nA/);
  });

  it('A/A simulation with peeking: mSPRT keeps the false-positive rate <= 5 %, the naive z-test does not', () => {
    // 1,000 seeded A/A experiments, true rate 0.3 in both arms, 100 new samples per arm between looks,
    // up to 2,000 per arm (20 looks). A false positive is any look with p <= 0.05.
    const rng = new SeededRandom(20261126);
    const experiments = 1000;
    const batch = 100;
    const looks = 20;
    const rate = 0.3;
    const draw = binomialSampler(batch, rate);
    let naiveFalsePositives = 0;
    let msprtFalsePositives = 0;
    for (let e = 0; e < experiments; e++) {
      const test = new SequentialProportionTest({ alpha: 0.05 });
      let sA = 0;
      let sB = 0;
      let naiveRejected = false;
      for (let look = 1; look <= looks; look++) {
        sA += draw(rng);
        sB += draw(rng);
        const n = look * batch;
        if (twoProportionZTest(sA, n, sB, n).pValue <= 0.05) naiveRejected = true;
        test.update(sA, n, sB, n);
      }
      if (naiveRejected) naiveFalsePositives++;
      if (test.significant) msprtFalsePositives++;
    }
    const naiveRate = naiveFalsePositives / experiments;
    const msprtRate = msprtFalsePositives / experiments;
    process.stdout.write(`A/A false-positive rate with 20 peeks: naive z-test ${naiveRate}, mSPRT ${msprtRate}\n`);
    expect(msprtRate).toBeLessThanOrEqual(0.05);
    expect(naiveRate).toBeGreaterThan(0.05);
  });
});
