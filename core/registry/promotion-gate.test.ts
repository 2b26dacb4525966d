// Unit tests of the promotion gate (pure).
import { evaluateGate, type GateSubject } from './promotion-gate';

const thresholds = { minMacroF1: 0.8, maxRecallDrop: 0.05 };
const dataset = { name: 'cicids2017', version: 3, sha256: 'a'.repeat(64) };

function subject(macroF1: number, recalls: Record<string, number>, extra: Partial<GateSubject> = {}): GateSubject {
  const perClass = Object.fromEntries(Object.entries(recalls).map(([label, recall]) => [label, { precision: 0.9, recall, f1: 0.9, support: 100 }]));
  return { metrics: { macroF1, perClass }, dataset, ...extra };
}

describe('evaluateGate', () => {
  it('passes a candidate above the macro-F1 minimum when nothing serves the alias yet', () => {
    const gate = evaluateGate(subject(0.91, { Normal: 0.99, 'DDoS/DoS': 0.95 }), undefined, thresholds);

    expect(gate.passed).toBe(true);
    expect(gate.checks.map((c) => [c.name, c.passed])).toEqual([
      ['min-macro-f1', true],
      ['max-recall-drop', true],
    ]);
    expect(gate.checks[1].detail).toMatch(/no current version/);
  });

  it('refuses a candidate below the macro-F1 minimum and says by how much', () => {
    const gate = evaluateGate(subject(0.72, { Normal: 0.99 }), undefined, thresholds);

    expect(gate.passed).toBe(false);
    expect(gate.checks[0]).toEqual({ name: 'min-macro-f1', passed: false, detail: 'macro-F1 0.720 < minimum 0.800' });
  });

  it('refuses a candidate whose recall of one class drops more than allowed, naming the class', () => {
    const production = subject(0.9, { Normal: 0.99, 'Brute Force': 0.95, 'Web Attack': 0.8 }, { version: 4 });
    const candidate = subject(0.93, { Normal: 0.995, 'Brute Force': 0.83, 'Web Attack': 0.79 });

    const gate = evaluateGate(candidate, production, thresholds);

    expect(gate.passed).toBe(false);
    const drop = gate.checks.find((c) => c.name === 'max-recall-drop');
    expect(drop?.passed).toBe(false);
    expect(drop?.detail).toContain('recall of Brute Force drops 0.120 (0.950 -> 0.830) > 0.050 allowed');
    expect(drop?.detail).not.toContain('Web Attack drops');
  });

  it('passes a drop exactly at the limit and reports the largest drop', () => {
    const gate = evaluateGate(
      subject(0.9, { Normal: 0.9, Reconnaissance: 0.75 }),
      subject(0.9, { Normal: 0.95, Reconnaissance: 0.75 }, { version: 2 }),
      thresholds,
    );

    expect(gate.passed).toBe(true);
    expect(gate.checks[1].detail).toMatch(/largest per-class recall drop against version 2 is 0.050 \(Normal\)/);
  });

  it('says when the evaluations used different datasets and compares only the shared classes', () => {
    const production = subject(0.9, { Normal: 0.99, Malware: 0.9 }, { dataset: { ...dataset, version: 2, sha256: 'b'.repeat(64) } });
    const candidate = subject(0.9, { Normal: 0.99, 'APT/Infiltration': 0.1 });

    const gate = evaluateGate(candidate, production, thresholds);

    expect(gate.passed).toBe(true);
    const detail = gate.checks[1].detail;
    expect(detail).toMatch(/evaluated on different data \(candidate: cicids2017 v3 .* cicids2017 v2/);
    expect(detail).toContain('only in the candidate): APT/Infiltration');
    expect(detail).toContain('Malware');
  });

  it('does not compare a class measured on too few rows', () => {
    const small = (recall: number, support: number) => ({
      metrics: { macroF1: 0.9, perClass: { Normal: { recall: 0.99, support: 500 }, U2R: { recall, support } } },
    });
    const gate = evaluateGate(small(0.333, 3), small(0.667, 3), { minMacroF1: 0.5, maxRecallDrop: 0.05 });
    expect(gate.passed).toBe(true);
    expect(gate.checks[1].detail).toContain('not compared (fewer than 30 evaluation rows): U2R (3)');
    const strict = evaluateGate(small(0.333, 3), small(0.667, 3), { minMacroF1: 0.5, maxRecallDrop: 0.05, minSupport: 1 });
    expect(strict.passed).toBe(false);
    expect(strict.checks[1].detail).toMatch(/recall of U2R drops 0\.33\d \(0\.667 -> 0\.333\)/);
  });

  it('does not count a class absent from an evaluation (support 0) as a recall drop', () => {
    const production = subject(0.9, { Normal: 0.99, 'Web Attack': 0.9 });
    const candidate: GateSubject = {
      dataset,
      metrics: { macroF1: 0.9, perClass: { Normal: { recall: 0.99, support: 50 }, 'Web Attack': { recall: 0, support: 0 } } },
    };

    const gate = evaluateGate(candidate, production, thresholds);

    expect(gate.passed).toBe(true);
    expect(gate.checks[1].detail).toContain('no support in one evaluation): Web Attack');
  });

  it('fails closed when the candidate reports no metrics to check', () => {
    const gate = evaluateGate({ metrics: {} }, subject(0.9, { Normal: 0.9 }), thresholds);

    expect(gate.passed).toBe(false);
    expect(gate.checks.map((c) => c.passed)).toEqual([false, false]);
  });
});
