// Validation of inference input: every flow must carry exactly the model's features, numeric
// features must hold numbers, or numeric text as ingest reads it (parseNumericField: "inf",
// "Infinity", "NaN" …); null = missing value.
import { parseNumericField } from '../data/numeric-field';
import type { FeatureSchema } from '../data/table';
import { echo, fieldName, MAX_REPORTED_ISSUES } from '../bounds';
import { InvalidInputError } from '../errors';
import type { RawRow } from '../onnx/feeds';

export interface FlowIssue {
  readonly field: string;
  readonly message: string;
}

const MAX_REPORTED = MAX_REPORTED_ISSUES;

/** Each schema's feature names, built once per loaded model rather than once per request. */
const featureNames = new WeakMap<FeatureSchema, ReadonlySet<string>>();
function namesOf(schema: FeatureSchema): ReadonlySet<string> {
  let names = featureNames.get(schema);
  if (!names) featureNames.set(schema, (names = new Set(schema.features.map((f) => f.name))));
  return names;
}

/**
 * Checks flows against a schema and throws InvalidInputError (400) listing the offending fields
 * as `flows.<index>.<feature>`. `passthrough` names fields that may appear without being
 * features (e.g. an A/B routing key such as the source IP).
 */
export function assertValidFlows(schema: FeatureSchema, flows: readonly unknown[], passthrough: readonly string[] = []): asserts flows is RawRow[] {
  const issues: FlowIssue[] = [];
  let total = 0;
  const add = (field: string, message: string) => {
    total++;
    if (issues.length < MAX_REPORTED) issues.push({ field, message });
  };
  const known = namesOf(schema);
  const allowed = passthrough.length ? new Set(passthrough) : undefined;
  flows.forEach((flow, i) => {
    if (flow === null || typeof flow !== 'object' || Array.isArray(flow)) {
      add(`flows.${i}`, `must be an object of feature name → value (got ${echo(flow)})`);
      return;
    }
    const row = flow as Record<string, unknown>;
    for (const f of schema.features) {
      if (!(f.name in row)) {
        add(fieldName(['flows', i, f.name]), 'missing feature');
        continue;
      }
      const v = row[f.name];
      if (v === null) continue;
      if (f.kind === 'numeric') {
        const ok = typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && parseNumericField(v.trim()) !== undefined);
        if (!ok) add(fieldName(['flows', i, f.name]), `must be a number (got ${echo(v)})`);
      } else if (typeof v !== 'string' && typeof v !== 'number') {
        add(fieldName(['flows', i, f.name]), `must be a string category (got ${echo(v)})`);
      }
    }
    for (const name of Object.keys(row)) {
      if (!known.has(name) && !allowed?.has(name)) add(fieldName(['flows', i, name]), 'unknown feature: the model does not use it');
    }
  });
  if (total > 0) {
    const more = total > issues.length ? ` (and ${total - issues.length} more)` : '';
    throw new InvalidInputError(
      `Invalid flows: ${issues
        .slice(0, 5)
        .map((d) => `${d.field} ${d.message}`)
        .join('; ')}${more}`,
      { details: issues },
    );
  }
}
