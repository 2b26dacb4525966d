// The promotion gate: a pure decision on whether a candidate model version may take an alias.
// Two checks: a minimum macro-F1, and a maximum per-class recall drop against the version the
// alias serves now (compared class by class, on the classes both evaluations hold).

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
  /** Dataset the metrics were measured on; used to say whether the comparison is like for like. */
  readonly dataset?: DatasetRef;
  /** Version number, only used in the check details. */
  readonly version?: number;
}

export interface GateThresholds {
  /** Minimum macro-F1 of the candidate, in [0, 1]. */
  readonly minMacroF1: number;
  /** Largest allowed drop of any class's recall against the current version, in [0, 1]. */
  readonly maxRecallDrop: number;
  /**
   * Classes with fewer evaluation rows than this (in either evaluation) are not compared: a recall
   * measured on a handful of rows moves by 1/n per row, far more than any sensible maxRecallDrop.
   * @default 30
   */
  readonly minSupport?: number;
}

/** Default of GateThresholds.minSupport. */
export const DEFAULT_GATE_MIN_SUPPORT = 30;

export interface GateCheck {
  readonly name: 'min-macro-f1' | 'max-recall-drop';
  readonly passed: boolean;
  /** A sentence a person can read in an audit log. */
  readonly detail: string;
}

export interface GateResult {
  readonly passed: boolean;
  readonly checks: readonly GateCheck[];
}

/** Tolerance for floating-point noise when comparing recalls and thresholds. */
const EPSILON = 1e-12;

interface ClassRecall {
  readonly recall: number;
  readonly support?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Per-class recall from a metrics record; classes without a numeric recall are left out. */
function perClassRecall(metrics: Readonly<Record<string, unknown>>): Map<string, ClassRecall> | undefined {
  const perClass = metrics.perClass;
  if (!isRecord(perClass)) return undefined;
  const out = new Map<string, ClassRecall>();
  for (const [label, value] of Object.entries(perClass)) {
    if (!isRecord(value) || typeof value.recall !== 'number' || !Number.isFinite(value.recall)) continue;
    out.set(label, { recall: value.recall, support: typeof value.support === 'number' ? value.support : undefined });
  }
  return out;
}

const f3 = (x: number): string => x.toFixed(3);

function describeDataset(d: DatasetRef | undefined): string {
  return d ? `${d.name} v${d.version} (sha256 ${d.sha256.slice(0, 12)})` : 'an unrecorded dataset';
}

function sameDataset(a: DatasetRef | undefined, b: DatasetRef | undefined): boolean {
  return !!a && !!b && a.name === b.name && a.version === b.version && a.sha256 === b.sha256;
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
    detail: `macro-F1 ${f3(macroF1)} ${passed ? '>=' : '<'} minimum ${f3(thresholds.minMacroF1)}`,
  };
}

function checkRecallDrop(candidate: GateSubject, production: GateSubject | undefined, thresholds: GateThresholds): GateCheck {
  const name = 'max-recall-drop' as const;
  if (!production) return { name, passed: true, detail: 'no current version at the alias to compare against' };
  const against = production.version !== undefined ? `version ${production.version}` : 'the current version';
  const candidateRecall = perClassRecall(candidate.metrics);
  const productionRecall = perClassRecall(production.metrics);
  if (!candidateRecall || candidateRecall.size === 0) {
    return { name, passed: false, detail: `the candidate has no per-class recall to compare with ${against}` };
  }
  if (!productionRecall || productionRecall.size === 0) {
    return { name, passed: true, detail: `${against} has no per-class recall; nothing to compare` };
  }
  const notes: string[] = [];
  if (!sameDataset(candidate.dataset, production.dataset)) {
    notes.push(
      `evaluated on different data (candidate: ${describeDataset(candidate.dataset)}, ${against}: ${describeDataset(production.dataset)}); compared the per-class recall each reports`,
    );
  }
  const onlyCandidate = [...candidateRecall.keys()].filter((c) => !productionRecall.has(c));
  const onlyProduction = [...productionRecall.keys()].filter((c) => !candidateRecall.has(c));
  if (onlyCandidate.length > 0) notes.push(`not compared (only in the candidate): ${onlyCandidate.join(', ')}`);
  if (onlyProduction.length > 0) notes.push(`not compared (only in ${against}): ${onlyProduction.join(', ')}`);

  const failures: string[] = [];
  const skipped: string[] = [];
  const tooSmall: string[] = [];
  const minSupport = thresholds.minSupport ?? DEFAULT_GATE_MIN_SUPPORT;
  let compared = 0;
  let worst = { label: '', drop: Number.NEGATIVE_INFINITY };
  for (const [label, prod] of productionRecall) {
    const cand = candidateRecall.get(label);
    if (!cand) continue;
    // A class absent from an evaluation set has recall 0 by convention: not evidence of a drop.
    if (cand.support === 0 || prod.support === 0) {
      skipped.push(label);
      continue;
    }
    const support = Math.min(cand.support ?? Infinity, prod.support ?? Infinity);
    if (support < minSupport) {
      tooSmall.push(`${label} (${support})`);
      continue;
    }
    compared += 1;
    const drop = prod.recall - cand.recall;
    if (drop > worst.drop) worst = { label, drop };
    if (drop > thresholds.maxRecallDrop + EPSILON) {
      failures.push(`recall of ${label} drops ${f3(drop)} (${f3(prod.recall)} -> ${f3(cand.recall)}) > ${f3(thresholds.maxRecallDrop)} allowed`);
    }
  }
  if (skipped.length > 0) notes.push(`not compared (no support in one evaluation): ${skipped.join(', ')}`);
  if (tooSmall.length > 0) notes.push(`not compared (fewer than ${minSupport} evaluation rows): ${tooSmall.join(', ')}`);
  let summary: string;
  if (compared === 0) summary = `no class with support in both evaluations to compare with ${against}`;
  else if (failures.length > 0) summary = failures.join('; ');
  else if (worst.drop <= 0) summary = `no class lost recall against ${against} (${compared} compared)`;
  else summary = `largest per-class recall drop against ${against} is ${f3(worst.drop)} (${worst.label}) <= ${f3(thresholds.maxRecallDrop)} allowed`;
  return { name, passed: failures.length === 0, detail: [summary, ...notes].join('; ') };
}

/**
 * Decides whether `candidate` may replace `production` (the version the alias serves now, or
 * undefined when it serves none).
 *
 * @example
 * const gate = evaluateGate({ metrics: v2.metrics, dataset: v2.dataset }, { metrics: v1.metrics, dataset: v1.dataset },
 *   { minMacroF1: 0.8, maxRecallDrop: 0.05 });
 * if (!gate.passed) console.log(gate.checks.filter((c) => !c.passed).map((c) => c.detail));
 */
export function evaluateGate(candidate: GateSubject, production: GateSubject | undefined, thresholds: GateThresholds): GateResult {
  const checks = [checkMacroF1(candidate, thresholds), checkRecallDrop(candidate, production, thresholds)];
  return { passed: checks.every((c) => c.passed), checks };
}
