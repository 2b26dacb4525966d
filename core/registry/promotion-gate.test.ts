// Unit tests of the promotion gate (pure): like with like, and never a pass on nothing.
import { evaluateGate, type GateSubject, type SameRowsComparison } from './promotion-gate';

const thresholds = { minMacroF1: 0.8, maxRecallDrop: 0.05 };
const dataset = { name: 'cicids2017', version: 3, sha256: 'a'.repeat(64) };
const features = [
  { name: 'rate', kind: 'numeric' as const },
  { name: 'proto', kind: 'categorical' as const },
];
const classes = ['Normal', 'Brute Force', 'Web Attack'];

function subject(macroF1: number, extra: Partial<GateSubject> = {}): GateSubject {
  return { metrics: { macroF1, perClass: {} }, dataset, classes, features, ...extra };
}

/** Both versions scored on the same rows: recall per class (support 200 unless given). */
function sameRows(current: Record<string, number>, candidate: Record<string, number>, support: Record<string, number> = {}): SameRowsComparison {
  const scores = (recalls: Record<string, number>) => ({
    macroF1: 0.9,
    perClass: Object.fromEntries(Object.entries(recalls).map(([label, recall]) => [label, { recall, support: support[label] ?? 200 }])),
  });
  return { rows: 600, rowsDescription: "v5's evaluation set (600 held-out rows of cicids2017 v3)", current: scores(current), candidate: scores(candidate) };
}

describe('evaluateGate', () => {
  it("passes a first deploy on the candidate's own held-out macro-F1", () => {
    const gate = evaluateGate(subject(0.91), undefined, thresholds);

    expect(gate.passed).toBe(true);
    expect(gate.checks.map((c) => [c.name, c.passed])).toEqual([['min-macro-f1', true]]);
    expect(gate.checks[0].detail).toBe('held-out macro-F1 0.910 >= minimum 0.800 (cicids2017 v3)');
  });

  it('refuses a candidate below the macro-F1 minimum and says by how much', () => {
    const gate = evaluateGate(subject(0.72), undefined, thresholds);

    expect(gate.passed).toBe(false);
    expect(gate.checks[0]).toMatchObject({ name: 'min-macro-f1', passed: false, detail: 'held-out macro-F1 0.720 < minimum 0.800 (cicids2017 v3)' });
  });

  it('compares recall on the same rows and refuses a drop above the limit, naming the class and the rows', () => {
    const comparison = sameRows({ Normal: 0.99, 'Brute Force': 0.95, 'Web Attack': 0.8 }, { Normal: 0.995, 'Brute Force': 0.83, 'Web Attack': 0.79 });

    const gate = evaluateGate(subject(0.93, { version: 5 }), subject(0.9, { version: 4 }), thresholds, comparison);

    expect(gate.passed).toBe(false);
    expect(gate.checks.map((c) => c.name)).toEqual(['feature-schema', 'class-space', 'min-macro-f1', 'max-recall-drop']);
    const drop = gate.checks.find((c) => c.name === 'max-recall-drop');
    expect(drop?.passed).toBe(false);
    expect(drop?.detail).toContain("recall of Brute Force drops 0.120 (0.950 -> 0.830) > 0.050 allowed on v5's evaluation set (600 held-out rows");
    expect(drop?.detail).not.toContain('Web Attack drops');
  });

  it('passes a drop exactly at the limit and reports the largest drop with both macro-F1s', () => {
    const gate = evaluateGate(
      subject(0.9),
      subject(0.9, { version: 2 }),
      thresholds,
      sameRows({ Normal: 0.95, 'Brute Force': 0.75 }, { Normal: 0.9, 'Brute Force': 0.75 }),
    );

    expect(gate.passed).toBe(true);
    const drop = gate.checks[3].detail;
    expect(drop).toMatch(/largest per-class recall drop against version 2 is 0.050 \(Normal\)/);
    expect(drop).toContain('macro-F1 0.900 (version 2) -> 0.900 (candidate)');
  });

  it('refuses a candidate that reads other features, naming them', () => {
    const other = subject(0.95, {
      features: [
        { name: 'rate', kind: 'numeric' },
        { name: 'bytes', kind: 'numeric' },
      ],
    });

    const gate = evaluateGate(other, subject(0.9, { version: 1 }), thresholds, sameRows({ Normal: 0.9 }, { Normal: 0.9 }));

    expect(gate.passed).toBe(false);
    expect(gate.checks[0]).toMatchObject({ name: 'feature-schema', passed: false });
    expect(gate.checks[0].detail).toBe("the candidate's features differ from version 1: 1 feature(s) dropped: proto; 1 feature(s) added: bytes");
  });

  it('refuses a candidate that predicts other classes, naming them', () => {
    const fine = subject(0.95, { classes: ['Normal', 'SSH-Patator', 'FTP-Patator'] });

    const gate = evaluateGate(fine, subject(0.9, { version: 1 }), thresholds, sameRows({ Normal: 0.9 }, { Normal: 0.9 }));

    expect(gate.passed).toBe(false);
    expect(gate.checks[1].detail).toBe(
      "the candidate's class space differs from version 1: class(es) dropped: Brute Force, Web Attack; class(es) added: SSH-Patator, FTP-Patator",
    );
  });

  it('never passes without rows common to both versions', () => {
    const gate = evaluateGate(subject(0.95), subject(0.9, { version: 1 }), thresholds);

    expect(gate.passed).toBe(false);
    expect(gate.checks[3]).toMatchObject({ name: 'max-recall-drop', passed: false });
    expect(gate.checks[3].detail).toMatch(/no evaluation rows common to the candidate and version 1: nothing to compare, so the gate cannot pass/);
  });

  it('never passes when no class has enough rows to compare', () => {
    const gate = evaluateGate(
      subject(0.95),
      subject(0.9, { version: 1 }),
      thresholds,
      sameRows({ Normal: 0.9, U2R: 0.5 }, { Normal: 0.9, U2R: 0.5 }, { Normal: 12, U2R: 3 }),
    );

    expect(gate.passed).toBe(false);
    expect(gate.checks[3].detail).toMatch(
      /^no class has 30 or more rows on v5's evaluation set .*nothing to compare, so the gate cannot pass; not compared \(fewer than 30 rows\): Normal \(12\), U2R \(3\)$/,
    );
  });

  it('leaves out a class measured on too few rows and compares the rest', () => {
    const comparison = sameRows({ Normal: 0.99, U2R: 0.667 }, { Normal: 0.99, U2R: 0.333 }, { U2R: 3 });
    const gate = evaluateGate(subject(0.9), subject(0.9), { minMacroF1: 0.5, maxRecallDrop: 0.05 }, comparison);
    expect(gate.passed).toBe(true);
    expect(gate.checks[3].detail).toContain('not compared (fewer than 30 rows): U2R (3)');
    const strict = evaluateGate(subject(0.9), subject(0.9), { minMacroF1: 0.5, maxRecallDrop: 0.05, minSupport: 1 }, comparison);
    expect(strict.passed).toBe(false);
    expect(strict.checks[3].detail).toMatch(/recall of U2R drops 0\.33\d \(0\.667 -> 0\.333\)/);
  });

  it('fails closed when the candidate reports no metrics and no schema', () => {
    const gate = evaluateGate({ metrics: {} }, subject(0.9), thresholds, sameRows({ Normal: 0.9 }, { Normal: 0.9 }));

    expect(gate.passed).toBe(false);
    expect(gate.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(['feature-schema', 'class-space', 'min-macro-f1']);
  });
});

describe('evaluateGate: online adaptations', () => {
  const subject = (learned?: unknown) => ({
    metrics: { macroF1: 0.9, perClass: {}, ...(learned ? { adaptation: { learned } } : {}) },
    classes: ['a', 'b'],
    features: [{ name: 'x', kind: 'numeric' as const }],
  });
  const thresholds = { minMacroF1: 0.5, maxRecallDrop: 0.05 };

  it('passes an adaptation that improved on its held-out new samples, and says by how much', () => {
    const gate = evaluateGate(subject({ rows: 200, parent: { macroF1: 0.61 }, adapted: { macroF1: 0.93 } }), undefined, thresholds);
    const check = gate.checks.find((c) => c.name === 'adaptation-learned');
    expect(check).toMatchObject({ passed: true, detail: 'on 200 held-out new samples macro-F1 0.610 (parent) -> 0.930 (adapted)' });
  });

  it('refuses an adaptation that got worse on them, or that recorded none', () => {
    const worse = evaluateGate(subject({ rows: 200, parent: { macroF1: 0.8 }, adapted: { macroF1: 0.7 } }), undefined, thresholds);
    expect(worse.passed).toBe(false);
    expect(worse.checks.find((c) => c.name === 'adaptation-learned')?.detail).toMatch(/made it worse/);
    const none = evaluateGate(subject({ rows: 0, parent: {}, adapted: {} }), undefined, thresholds);
    expect(none.passed).toBe(false);
  });

  it('adds no such check for a fresh fit', () => {
    expect(evaluateGate(subject(), undefined, thresholds).checks.map((c) => c.name)).toEqual(['min-macro-f1']);
  });
});
