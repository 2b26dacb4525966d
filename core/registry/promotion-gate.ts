// The promotion gate: a pure decision on whether a candidate version may take an alias from the
// version it serves now. It compares like with like:
//   feature-schema   the candidate reads the same features (name and kind) as the current version
//   class-space      and predicts the same classes
//   min-macro-f1     its own held-out macro-F1 reaches the minimum
//   max-recall-drop  scored on THE SAME ROWS as the current version (the candidate's evaluation set:
//                    held-out rows it never trained on), no class with enough support loses more
//                    recall than allowed; a comparison with no class to compare FAILS — it never
//                    passes on nothing.
//   adaptation-learned  (online adaptations only) on the held-out slice of the new samples it
//                    adapted to, it scores at least its parent's macro-F1 — it learned something;
//                    forgetting is max-recall-drop's: the candidate's evaluation rows are its parent's.
// A failed check can be overridden only by a deploy with `force` and a reason (audited).
import { classDifferences, featureDifferences, type SpecFeature } from './lineage-spec';

/** Dataset version a set of metrics was measured on. */
export interface DatasetRef {
  readonly name: string;
  readonly version: number;
  readonly sha256: string;
}

/** What the gate looks at for one model version. */
export interface GateSubject {
  /** Evaluation metrics: `macroF1` (number) and `perClass` ({ label: { recall, support, ... } }). */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** Dataset the metrics were measured on. */
  readonly dataset?: DatasetRef;
  /** Version number, only used in the check details. */
  readonly version?: number;
  readonly classes?: readonly string[];
  readonly features?: readonly SpecFeature[];
}

/** Per-class recall and support of one model on the comparison rows. */
export interface RowScores {
  readonly macroF1: number;
  readonly perClass: Readonly<Record<string, { readonly recall: number; readonly support: number }>>;
}

/** Both versions scored on the same rows (see core/pipeline/gate-comparison.ts). */
export interface SameRowsComparison {
  /** Rows scored. */
  readonly rows: number;
  /** Which rows, in words (e.g. "v3's evaluation set: 4,210 held-out rows of cicids2017 v2"). */
  readonly rowsDescription: string;
  readonly candidate: RowScores;
  readonly current: RowScores;
}

export interface GateThresholds {
  /** Minimum macro-F1 of the candidate, in [0, 1]. */
  readonly minMacroF1: number;
  /** Largest allowed drop of any class's recall against the current version, in [0, 1]. */
  readonly maxRecallDrop: number;
  /**
   * Classes with fewer comparison rows than this are not compared: a recall measured on a handful
   * of rows moves by 1/n per row, far more than any sensible maxRecallDrop.
   * @default 30
   */
  readonly minSupport?: number;
}

/** Default of GateThresholds.minSupport. */
export const DEFAULT_GATE_MIN_SUPPORT = 30;

export type GateCheckName = 'feature-schema' | 'class-space' | 'min-macro-f1' | 'max-recall-drop' | 'adaptation-learned';

export interface GateCheck {
  readonly name: GateCheckName;
  readonly passed: boolean;
  /** A sentence a person can read in an audit log, with the figures. */
  readonly detail: string;
}

export interface GateResult {
  readonly passed: boolean;
  readonly checks: readonly GateCheck[];
}

/** Tolerance for floating-point noise when comparing recalls and thresholds. */
const EPSILON = 1e-12;

const f3 = (x: number): string => x.toFixed(3);

function describeDataset(d: DatasetRef | undefined): string {
  return d ? `${d.name} v${d.version}` : 'an unrecorded dataset';
}

function checkMacroF1(candidate: GateSubject, thresholds: GateThresholds): GateCheck {
  const macroF1 = candidate.metrics.macroF1;
  if (typeof macroF1 !== 'number' || !Number.isFinite(macroF1)) {
    return { name: 'min-macro-f1', passed: false, detail: 'the candidate has no numeric macroF1 metric' };
  }
  const passed = macroF1 + EPSILON >= thresholds.minMacroF1;
  return {
    name: 'min-macro-f1',
    passed,
    detail: `held-out macro-F1 ${f3(macroF1)} ${passed ? '>=' : '<'} minimum ${f3(thresholds.minMacroF1)} (${describeDataset(candidate.dataset)})`,
  };
}

function checkFeatures(candidate: GateSubject, current: GateSubject, against: string): GateCheck {
  const name = 'feature-schema' as const;
  if (!candidate.features || !current.features) return { name, passed: false, detail: `the feature schema of the candidate or of ${against} is unknown` };
  const diff = featureDifferences(current.features, candidate.features);
  if (diff.length === 0) return { name, passed: true, detail: `same ${candidate.features.length} features as ${against}` };
  return { name, passed: false, detail: `the candidate's features differ from ${against}: ${diff.join('; ')}` };
}

function checkClasses(candidate: GateSubject, current: GateSubject, against: string): GateCheck {
  const name = 'class-space' as const;
  if (!candidate.classes || !current.classes) return { name, passed: false, detail: `the classes of the candidate or of ${against} are unknown` };
  const diff = classDifferences(current.classes, candidate.classes);
  if (diff.length === 0) return { name, passed: true, detail: `same ${candidate.classes.length} classes as ${against}` };
  return { name, passed: false, detail: `the candidate's class space differs from ${against}: ${diff.join('; ')}` };
}

function checkRecallDrop(comparison: SameRowsComparison | undefined, against: string, thresholds: GateThresholds): GateCheck {
  const name = 'max-recall-drop' as const;
  if (!comparison) {
    return { name, passed: false, detail: `no evaluation rows common to the candidate and ${against}: nothing to compare, so the gate cannot pass` };
  }
  const minSupport = thresholds.minSupport ?? DEFAULT_GATE_MIN_SUPPORT;
  const failures: string[] = [];
  const tooSmall: string[] = [];
  let compared = 0;
  let worst = { label: '', drop: Number.NEGATIVE_INFINITY };
  for (const [label, cur] of Object.entries(comparison.current.perClass)) {
    const cand = comparison.candidate.perClass[label];
    if (!cand) continue;
    const support = Math.min(cur.support, cand.support);
    if (support < minSupport) {
      tooSmall.push(`${label} (${support})`);
      continue;
    }
    compared += 1;
    const drop = cur.recall - cand.recall;
    if (drop > worst.drop) worst = { label, drop };
    if (drop > thresholds.maxRecallDrop + EPSILON) {
      failures.push(`recall of ${label} drops ${f3(drop)} (${f3(cur.recall)} -> ${f3(cand.recall)}) > ${f3(thresholds.maxRecallDrop)} allowed`);
    }
  }
  const on = `on ${comparison.rowsDescription}`;
  const macro = `macro-F1 ${f3(comparison.current.macroF1)} (${against}) -> ${f3(comparison.candidate.macroF1)} (candidate)`;
  const notes = tooSmall.length > 0 ? [`not compared (fewer than ${minSupport} rows): ${tooSmall.join(', ')}`] : [];
  if (compared === 0) {
    return { name, passed: false, detail: [`no class has ${minSupport} or more rows ${on}: nothing to compare, so the gate cannot pass`, ...notes].join('; ') };
  }
  let summary: string;
  if (failures.length > 0) summary = failures.join('; ');
  else if (worst.drop <= 0) summary = `no class lost recall against ${against} (${compared} compared)`;
  else summary = `largest per-class recall drop against ${against} is ${f3(worst.drop)} (${worst.label}) <= ${f3(thresholds.maxRecallDrop)} allowed`;
  return { name, passed: failures.length === 0, detail: [`${summary} ${on}`, macro, ...notes].join('; ') };
}

/** The "did it learn?" figures an adapted version registers in metrics.adaptation.learned. */
function learnedFigures(metrics: Readonly<Record<string, unknown>>): { rows: number; parent: number; adapted: number } | undefined {
  const adaptation = metrics.adaptation as { learned?: { rows?: unknown; parent?: { macroF1?: unknown }; adapted?: { macroF1?: unknown } } } | undefined;
  const learned = adaptation?.learned;
  if (!learned) return undefined;
  const rows = learned.rows;
  const parent = learned.parent?.macroF1;
  const adapted = learned.adapted?.macroF1;
  return typeof rows === 'number' && typeof parent === 'number' && typeof adapted === 'number'
    ? { rows, parent, adapted }
    : { rows: 0, parent: NaN, adapted: NaN };
}

function checkLearned(candidate: GateSubject): GateCheck | undefined {
  const learned = learnedFigures(candidate.metrics);
  if (!learned) return undefined;
  const name = 'adaptation-learned' as const;
  if (!(learned.rows > 0) || !Number.isFinite(learned.parent) || !Number.isFinite(learned.adapted)) {
    return { name, passed: false, detail: 'the adaptation recorded no held-out new samples: whether it learned is unknown' };
  }
  const passed = learned.adapted + EPSILON >= learned.parent;
  return {
    name,
    passed,
    detail: `on ${learned.rows} held-out new samples macro-F1 ${f3(learned.parent)} (parent) -> ${f3(learned.adapted)} (adapted)${passed ? '' : ': the adaptation made it worse'}`,
  };
}

/**
 * Decides whether `candidate` may replace `current` (the version the alias serves now, or
 * undefined when it serves none), given both scored on the same rows.
 *
 * @example
 * const gate = evaluateGate(v2, v1, { minMacroF1: 0.8, maxRecallDrop: 0.05 }, await compareOnSameRows(v2, v1));
 * if (!gate.passed) console.log(gate.checks.filter((c) => !c.passed).map((c) => c.detail));
 */
export function evaluateGate(
  candidate: GateSubject,
  current: GateSubject | undefined,
  thresholds: GateThresholds,
  comparison?: SameRowsComparison,
): GateResult {
  const checks: GateCheck[] = [checkMacroF1(candidate, thresholds)];
  if (current) {
    const against = current.version !== undefined ? `version ${current.version}` : 'the current version';
    checks.unshift(checkFeatures(candidate, current, against), checkClasses(candidate, current, against));
    checks.push(checkRecallDrop(comparison, against, thresholds));
  }
  const learned = checkLearned(candidate);
  if (learned) checks.push(learned);
  return { passed: checks.every((c) => c.passed), checks };
}
