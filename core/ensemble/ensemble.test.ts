// Unit tests of the ensemble optimiser on seeded synthetic predictions: members that are good on
// different classes, a useless member, and the compatibility refusals.
import type { FeatureSchema } from '../data/table';
import { evaluate } from '../evaluation';
import { SeededRandom } from '../util/random';
import {
  caruanaSelection,
  checkMemberCompatibility,
  EnsembleInputError,
  EnsembleMemberMismatchError,
  mixProbabilities,
  mixtureLogLoss,
  optimiseEnsemble,
  simplexWeights,
  trueClassProbabilities,
} from './index';
import { balancedRows, takeProbabilityRows } from './balanced-rows';
import { extraMemberRecipes, MAX_EXTRA_MEMBERS } from './extra-members';

const CLASSES = ['Normal', 'DDoS/DoS', 'Reconnaissance'];
const K = CLASSES.length;

/** Seeded labels and a member's probabilities: softmax(strength[y] · onehot(y) + noise). */
function labels(n: number, seed: number): Int32Array {
  const rng = new SeededRandom(seed);
  return Int32Array.from({ length: n }, () => rng.int(K));
}
function member(y: Int32Array, strength: readonly number[], seed: number): Float64Array {
  const rng = new SeededRandom(seed);
  const p = new Float64Array(y.length * K);
  for (let i = 0; i < y.length; i++) {
    const z = Array.from({ length: K }, (_, c) => (c === y[i] ? strength[y[i]] : 0) + 2 * (rng.next() - 0.5) * 2);
    const mx = Math.max(...z);
    const e = z.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, c) => (p[i * K + c] = v / s));
  }
  return p;
}

const y = labels(3000, 1);
const strongOnFirst = member(y, [3, 3, 0.3], 2); // knows Normal and DDoS, guesses Reconnaissance
const strongOnLast = member(y, [0.3, 0.5, 3], 3); // knows Reconnaissance
const useless = new Float64Array(y.length * K).fill(1 / K);

describe('checkMemberCompatibility', () => {
  const schema: FeatureSchema = {
    features: [
      { name: 'duration', kind: 'numeric' },
      { name: 'protocol', kind: 'categorical', vocabulary: ['tcp', 'udp'] },
    ],
  };
  const a = { model: 'ids', version: 1, schema, classes: CLASSES };

  it('accepts members that share the features and the class space, and answers them', () => {
    const shared = checkMemberCompatibility([a, { ...a, model: 'ids-mlp', version: 3 }]);
    expect(shared.classes).toEqual(CLASSES);
    expect(shared.schema.features.map((f) => f.name)).toEqual(['duration', 'protocol']);
  });

  it('refuses a member with another feature, naming the member and the feature', () => {
    const other = { ...a, model: 'other', version: 2, schema: { features: [schema.features[0], { name: 'service', kind: 'numeric' as const }] } };
    const error = catchError(() => checkMemberCompatibility([a, other]));
    expect(error).toBeInstanceOf(EnsembleMemberMismatchError);
    expect(error).toMatchObject({ mismatch: 'feature-schema', member: 'other@2', statusCode: 409 });
    expect(error.message).toMatch(/other@2 reads other features than ids@1: feature 1 is numeric "service" where the first member has categorical "protocol"/);
  });

  it('refuses a member with fewer features or another vocabulary', () => {
    expect(() => checkMemberCompatibility([a, { ...a, version: 2, schema: { features: [schema.features[0]] } }])).toThrow(
      /1 features where the first member has 2 \(missing: protocol\)/,
    );
    const vocab = { features: [schema.features[0], { name: 'protocol', kind: 'categorical' as const, vocabulary: ['tcp', 'icmp'] }] };
    expect(() => checkMemberCompatibility([a, { ...a, version: 2, schema: vocab }])).toThrow(/"protocol" has vocabulary \[tcp, icmp\]/);
  });

  it('refuses a member of another class space, naming the classes that differ', () => {
    const error = catchError(() => checkMemberCompatibility([a, { ...a, version: 4, classes: ['Normal', 'DDoS/DoS', 'Brute Force'] }]));
    expect(error).toMatchObject({ mismatch: 'class-space', member: 'ids@4' });
    expect(error.message).toMatch(/lacks Reconnaissance and adds Brute Force/);
    expect(() => checkMemberCompatibility([a, { ...a, version: 5, classes: [...CLASSES].reverse() }])).toThrow(/another order/);
  });

  it('refuses no member and a member listed twice', () => {
    expect(() => checkMemberCompatibility([])).toThrow(EnsembleInputError);
    expect(() => checkMemberCompatibility([a, a])).toThrow(/ids@1 is listed twice/);
  });
});

describe('caruanaSelection', () => {
  it('starts from the best single member and never ends above its log-loss', () => {
    const truth = trueClassProbabilities([useless, strongOnFirst, strongOnLast], y, K);
    const singles = [0, 1, 2].map((m) =>
      mixtureLogLoss(
        truth,
        [0, 1, 2].map((j) => (j === m ? 1 : 0)),
      ),
    );
    const result = caruanaSelection(truth, { rounds: 30 });
    expect(result.lossByRound[0]).toBeCloseTo(Math.min(...singles), 12);
    expect(result.logLoss).toBeLessThan(Math.min(...singles));
    expect(result.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
    expect(result.weights[1]).toBeGreaterThan(0);
    expect(result.weights[2]).toBeGreaterThan(0);
    // the kept weights give the reported loss
    expect(mixtureLogLoss(truth, result.weights)).toBeCloseTo(result.logLoss, 10);
  });

  it('refuses a round count out of range', () => {
    expect(() => caruanaSelection(trueClassProbabilities([useless], y, K), { rounds: 0 })).toThrow(/rounds must be an integer/);
  });
});

describe('simplexWeights', () => {
  it('finds the log-loss minimum of two members (a fine grid agrees) and stays on the simplex', () => {
    const truth = trueClassProbabilities([strongOnFirst, strongOnLast], y, K);
    const result = simplexWeights(truth, { pruneBelow: 0 });
    let grid = { loss: Infinity, w: 0 };
    for (let k = 0; k <= 1000; k++) {
      const loss = mixtureLogLoss(truth, [k / 1000, 1 - k / 1000]);
      if (loss < grid.loss) grid = { loss, w: k / 1000 };
    }
    expect(result.logLoss).toBeLessThanOrEqual(grid.loss + 1e-7);
    expect(result.weights[0]).toBeCloseTo(grid.w, 2);
    expect(result.weights.every((w) => w >= 0)).toBe(true);
    expect(result.weights[0] + result.weights[1]).toBeCloseTo(1, 12);
  });

  it('drops a member that adds nothing', () => {
    const truth = trueClassProbabilities([strongOnFirst, strongOnLast, useless], y, K);
    const result = simplexWeights(truth);
    expect(result.weights[2]).toBe(0);
    expect(result.weights[0] + result.weights[1]).toBeCloseTo(1, 12);
  });
});

describe('optimiseEnsemble', () => {
  it('keeps a mixture that beats the best member on validation log-loss and macro-F1, with thresholds tuned on its output', () => {
    const opt = optimiseEnsemble([strongOnFirst, strongOnLast, useless], y, CLASSES);
    const best = opt.members[opt.bestMember];
    expect(opt.bestMember).not.toBe(2);
    expect(opt.chosen.name).not.toBe('best-member');
    expect(opt.chosen.validation.logLoss).toBeLessThan(best.logLoss);
    expect(opt.chosen.validation.macroF1).toBeGreaterThanOrEqual(best.macroF1);
    expect(opt.candidates.map((c) => c.name)).toEqual(['best-member', 'selection', 'weights']);
    expect(opt.chosen.thresholds).toHaveLength(K);
    // the reported figures are those of the mixed probabilities
    const mixed = mixProbabilities([strongOnFirst, strongOnLast, useless], opt.chosen.weights);
    expect(evaluate(y, mixed, CLASSES).logLoss).toBeCloseTo(opt.chosen.validation.logLoss, 10);
  });

  it('with classBalanced, weighs every class alike: a member that knows only the rare class outweighs one that knows only the common ones', () => {
    // 90 % Normal, 9 % DDoS/DoS, 1 % Reconnaissance
    const rng = new SeededRandom(5);
    const skewed = Int32Array.from({ length: 4000 }, () => {
      const u = rng.next();
      return u < 0.9 ? 0 : u < 0.99 ? 1 : 2;
    });
    const common = member(skewed, [3, 3, 0], 6);
    const rare = member(skewed, [2, 2, 4], 7);
    const rowWise = optimiseEnsemble([common, rare], skewed, CLASSES);
    const balanced = optimiseEnsemble([common, rare], skewed, CLASSES, { classBalanced: true });
    expect(rowWise.bestMember).toBe(0);
    expect(balanced.bestMember).toBe(1);
    const weightOfRare = (o: typeof balanced) => o.chosen.weights[1];
    expect(weightOfRare(balanced)).toBeGreaterThan(weightOfRare(rowWise));
  });

  it('balanced rows: every class the same count, small classes repeated and large ones thinned evenly, within the cap', () => {
    expect(Array.from(balancedRows(Int32Array.from([0, 0, 0, 1]), 2))).toEqual([0, 1, 2, 3, 3, 3]);
    expect(Array.from(balancedRows(Int32Array.from([2, 0, 2, 2, 2]), 3, 4))).toEqual([1, 1, 0, 3]); // cap 4: two per present class
    const p = Float64Array.from([0.1, 0.9, 0.8, 0.2]);
    expect(Array.from(takeProbabilityRows(p, Int32Array.from([1, 1, 0]), 2))).toEqual([0.8, 0.2, 0.8, 0.2, 0.1, 0.9]);
  });

  it('keeps the best member when mixing cannot help (a member with itself)', () => {
    const opt = optimiseEnsemble([strongOnFirst, strongOnFirst, useless], y, CLASSES);
    expect(opt.chosen.validation.logLoss).toBeLessThanOrEqual(opt.members[0].logLoss + 1e-12);
    expect(opt.chosen.validation.macroF1).toBeGreaterThanOrEqual(opt.members[0].macroF1);
  });

  it('tries only the requested method and refuses an unknown one', () => {
    expect(optimiseEnsemble([strongOnFirst, strongOnLast], y, CLASSES, { methods: ['selection'] }).candidates.map((c) => c.name)).toEqual([
      'best-member',
      'selection',
    ]);
    expect(() => optimiseEnsemble([strongOnFirst], y, CLASSES, { methods: ['stacking' as never] })).toThrow(/method must be one of selection, weights/);
    expect(() => optimiseEnsemble([strongOnFirst.subarray(3)], y, CLASSES)).toThrow(/predictions have/);
  });
});

function catchError(fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn();
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('expected a throw');
}

describe('extraMemberRecipes', () => {
  it('gives the most diverse first: the other family, a loss-guided GBDT, then the anchor family reseeded', () => {
    expect(extraMemberRecipes('gbdt', 3).map((r) => r.name)).toEqual(['mlp', 'gbdt-lossguide', 'gbdt-reseeded']);
    expect(extraMemberRecipes('mlp', 1).map((r) => `${r.name}:${r.algorithm}`)).toEqual(['gbdt:gbdt']);
  });
  it('refuses a count outside 1..MAX_EXTRA_MEMBERS, naming extraMembers', () => {
    expect(() => extraMemberRecipes('gbdt', 0)).toThrow(/extraMembers must be an integer in \[1, 3\], got 0/);
    expect(() => extraMemberRecipes('gbdt', MAX_EXTRA_MEMBERS + 1)).toThrow(EnsembleInputError);
  });
});
