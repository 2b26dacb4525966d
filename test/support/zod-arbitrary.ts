// fast-check arbitraries from zod (v4) schemas, for the fuzz suite: values the schema accepts, as
// far as its declared structure says (objects, strings with their patterns and lengths, numbers
// with their bounds, enums, arrays, records, unions, optional and default wrappers). Transforms and
// refinements are not inverted: a value may still fail them, which is a fine fuzz input too.
import fc from 'fast-check';
import type { z } from 'zod';

interface Check {
  readonly check?: string;
  readonly format?: string;
  readonly pattern?: RegExp;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
}

interface Def {
  readonly type: string;
  readonly checks?: readonly { readonly _zod: { readonly def: Check } }[];
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly entries?: Readonly<Record<string, string | number>>;
  readonly values?: readonly unknown[];
  readonly keyType?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly format?: string;
  readonly pattern?: RegExp;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function checksOf(def: Def): Check[] {
  return (def.checks ?? []).map((c) => c._zod.def);
}

/** Whether an object key may be left out (optional or defaulted). */
function omittable(schema: z.ZodType): boolean {
  const type = defOf(schema).type;
  return type === 'optional' || type === 'default' || type === 'prefault';
}

const SHORT = 12;

/**
 * An arbitrary of values shaped like `schema`.
 * @example fc.sample(arbitraryFor(z.object({ version: z.number().int().min(1) })), { seed: 1, numRuns: 3 })
 */
export function arbitraryFor(schema: z.ZodType, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  if (depth > 6) return fc.constant(null);
  switch (def.type) {
    case 'object': {
      const shape = def.shape ?? {};
      const model = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, arbitraryFor(v, depth + 1)]));
      const requiredKeys = Object.entries(shape)
        .filter(([, v]) => !omittable(v))
        .map(([k]) => k);
      return fc.record(model, { requiredKeys });
    }
    case 'string': {
      const checks = checksOf(def);
      const regex = def.pattern ?? checks.find((c) => c.format === 'regex' || c.pattern)?.pattern;
      if (def.format === 'datetime')
        return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      const min = checks.find((c) => c.check === 'min_length')?.minimum ?? 0;
      const declaredMax = checks.find((c) => c.check === 'max_length')?.maximum;
      // a pattern says the length itself; a declared maximum cuts it (never a filter: a pattern and bounds that disagree would loop forever)
      if (regex) return fc.stringMatching(regex).map((s) => (declaredMax === undefined ? s : s.slice(0, declaredMax)));
      const max = declaredMax ?? Math.max(min, SHORT);
      return fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, SHORT)) });
    }
    case 'number': {
      const checks = checksOf(def);
      const integer = checks.some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32'));
      const min = checks.find((c) => c.check === 'greater_than')?.value ?? -1e6;
      const max = checks.find((c) => c.check === 'less_than')?.value ?? 1e6;
      return integer
        ? fc.integer({ min: Math.ceil(Math.max(min, -1e6)), max: Math.floor(Math.min(max, 1e6)) })
        : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'int':
      return fc.integer({ min: -1000, max: 1000 });
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries ?? { a: 'a' }));
    case 'literal':
      return fc.constantFrom(...(def.values ?? [null]));
    case 'array': {
      const checks = checksOf(def);
      const min = checks.find((c) => c.check === 'min_length')?.minimum ?? 0;
      const max = Math.min(checks.find((c) => c.check === 'max_length')?.maximum ?? 4, Math.max(min, 4));
      return fc.array(arbitraryFor(def.element as z.ZodType, depth + 1), { minLength: min, maxLength: max });
    }
    case 'record':
      return fc.dictionary(
        (def.keyType ? arbitraryFor(def.keyType, depth + 1) : fc.string()).map((k) => String(k)),
        def.valueType ? arbitraryFor(def.valueType, depth + 1) : fc.jsonValue(),
        { maxKeys: 4 },
      );
    case 'union':
      return fc.oneof(...(def.options ?? []).map((o) => arbitraryFor(o, depth + 1)));
    case 'optional':
      return fc.option(arbitraryFor(def.innerType as z.ZodType, depth + 1), { nil: undefined, freq: 4 });
    case 'nullable':
      return fc.option(arbitraryFor(def.innerType as z.ZodType, depth + 1), { nil: null, freq: 4 });
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return arbitraryFor(def.innerType as z.ZodType, depth + 1);
    case 'pipe':
      return arbitraryFor(def.in as z.ZodType, depth + 1);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
