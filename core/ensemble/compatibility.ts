// The member compatibility check of an ensemble: every member reads the same features (names,
// kinds, order and categorical vocabularies, so one feature matrix and one ONNX input serve them
// all) and answers in the same class space (the same classes in the same order, so probability
// columns add up). The first member sets the reference; a refusal names the member that differs.
import type { FeatureSchema, FeatureSpec } from '../data/table';
import { EnsembleInputError, EnsembleMemberMismatchError } from './errors';

/** A member as the check sees it: who it is and what it reads and answers. */
export interface MemberShape {
  readonly model: string;
  readonly version: number;
  readonly schema: FeatureSchema;
  readonly classes: readonly string[];
}

/** `model@version` */
export const memberId = (m: { readonly model: string; readonly version: number }): string => `${m.model}@${m.version}`;

function describeFeature(f: FeatureSpec): string {
  return f.kind === 'categorical' ? `categorical "${f.name}"` : `numeric "${f.name}"`;
}

/** The first difference between two schemas, in words; undefined when they are the same. */
export function schemaDifference(reference: FeatureSchema, other: FeatureSchema): string | undefined {
  const a = reference.features;
  const b = other.features;
  const n = Math.min(a.length, b.length);
  for (let j = 0; j < n; j++) {
    const fa = a[j];
    const fb = b[j];
    if (fa.name !== fb.name || fa.kind !== fb.kind) return `feature ${j} is ${describeFeature(fb)} where the first member has ${describeFeature(fa)}`;
    if (fa.kind === 'categorical' && fb.kind === 'categorical') {
      const same = fa.vocabulary.length === fb.vocabulary.length && fa.vocabulary.every((v, i) => v === fb.vocabulary[i]);
      if (!same)
        return `categorical feature "${fa.name}" has vocabulary [${fb.vocabulary.join(', ')}] where the first member has [${fa.vocabulary.join(', ')}]`;
    }
  }
  if (a.length !== b.length) {
    const extra = a.length > b.length ? a.slice(n).map((f) => f.name) : b.slice(n).map((f) => f.name);
    return `it has ${b.length} features where the first member has ${a.length} (${a.length > b.length ? 'missing' : 'extra'}: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ' …' : ''})`;
  }
  return undefined;
}

/** The first difference between two class lists, in words; undefined when they are the same. */
export function classDifference(reference: readonly string[], other: readonly string[]): string | undefined {
  const missing = reference.filter((c) => !other.includes(c));
  const extra = other.filter((c) => !reference.includes(c));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length > 0 ? `lacks ${missing.join(', ')}` : '', extra.length > 0 ? `adds ${extra.join(', ')}` : ''].filter(Boolean);
    return `its classes ${parts.join(' and ')} (first member: ${reference.join(', ')})`;
  }
  const at = reference.findIndex((c, i) => other[i] !== c);
  if (at >= 0) return `its classes are in another order (${other.join(', ')}; first member: ${reference.join(', ')})`;
  return undefined;
}

/**
 * Checks that every member reads the first member's features and answers in its class space.
 * Returns the shared schema and classes.
 * @example checkMemberCompatibility([{ model: 'ids', version: 1, schema, classes }, { model: 'ids-mlp', version: 3, schema, classes }])
 * @throws EnsembleMemberMismatchError naming the member and the difference
 * @throws EnsembleInputError when there is no member or a member is listed twice
 */
export function checkMemberCompatibility(members: readonly MemberShape[]): { schema: FeatureSchema; classes: readonly string[] } {
  if (members.length === 0) throw new EnsembleInputError('an ensemble needs at least one member', { details: [{ field: 'members', message: 'empty' }] });
  const seen = new Set<string>();
  for (const m of members) {
    const id = memberId(m);
    if (seen.has(id)) throw new EnsembleInputError(`member ${id} is listed twice`, { details: [{ field: 'members', message: `${id} twice` }] });
    seen.add(id);
  }
  const [first, ...rest] = members;
  for (const m of rest) {
    const schema = schemaDifference(first.schema, m.schema);
    if (schema)
      throw new EnsembleMemberMismatchError(`member ${memberId(m)} reads other features than ${memberId(first)}: ${schema}`, 'feature-schema', memberId(m));
    const classes = classDifference(first.classes, m.classes);
    if (classes)
      throw new EnsembleMemberMismatchError(
        `member ${memberId(m)} answers in another class space than ${memberId(first)}: ${classes}`,
        'class-space',
        memberId(m),
      );
  }
  return { schema: first.schema, classes: first.classes };
}
