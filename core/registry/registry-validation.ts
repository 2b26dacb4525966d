// Validation of the registry's inputs: the registration schema, names, version numbers, actors,
// and the error a lost race raises. Every refusal names the offending field.
import { z } from 'zod';
import { BUNDLE_FILES, OPTIONAL_BUNDLE_ROLES, type BundleRole } from '../artefacts/bundle';
import { CLASS_SPACES } from './lineage-spec';
import { TUNE_LEVELS } from '../training/learner-params';
import { ConflictError, InvalidInputError } from '../errors';
import { ALIAS_NAME_PATTERN, ALIAS_NAME_RULE, MODEL_NAME_PATTERN, MODEL_NAME_RULE, ModelName, TenantId } from '../names';
import { echo } from '../bounds';

const nonNegative = z.number().min(0);
const artefactSchema = z.object({
  key: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest'),
  bytes: z.number().int().min(0),
});
export const registerSchema = z.object({
  model: ModelName,
  algorithm: z.string().min(1, 'must not be empty'),
  artefacts: z.object(
    Object.fromEntries(
      Object.keys(BUNDLE_FILES).map((role) => [role, OPTIONAL_BUNDLE_ROLES.includes(role as BundleRole) ? artefactSchema.optional() : artefactSchema]),
    ) as Record<keyof typeof BUNDLE_FILES, typeof artefactSchema>,
  ),
  dataset: z.object({ name: z.string().min(1), version: z.number().int().min(1), sha256: z.string().min(1) }),
  metrics: z
    .object({
      macroF1: z.number().min(0).max(1),
      perClass: z.record(z.string(), z.object({ precision: nonNegative, recall: nonNegative, f1: nonNegative, support: nonNegative }).loose()),
    })
    .loose(),
  classes: z.array(z.string().min(1)).min(2, 'must name at least two classes'),
  hyperparameters: z.record(z.string(), z.unknown()),
  parentVersion: z.number().int().min(1).optional(),
  author: z.string().trim().min(1, 'must not be empty'),
  trainingJobId: z.string().min(1).optional(),
  classSpace: z.enum(CLASS_SPACES).optional(),
  features: z
    .array(z.object({ name: z.string().min(1), kind: z.enum(['numeric', 'categorical']) }).strip())
    .min(1)
    .optional(),
  seed: z.number().int().min(0).optional(),
  requestedParams: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  tune: z.enum(TUNE_LEVELS).optional(),
  trainingKind: z.string().min(1).max(64).optional(),
  tenant: TenantId.optional(),
});

export function invalid(field: string, message: string): InvalidInputError {
  return new InvalidInputError(`${field}: ${message}`, { details: [{ field, message }] });
}

export function requireName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !MODEL_NAME_PATTERN.test(value)) throw invalid(field, `${MODEL_NAME_RULE} (got ${JSON.stringify(value)})`);
  return value;
}

export function requireAlias(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ALIAS_NAME_PATTERN.test(value)) throw invalid(field, `${ALIAS_NAME_RULE} (got ${JSON.stringify(value)})`);
  return value;
}

export function requireVersion(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid(field, `must be a positive integer (got ${echo(value)})`);
  return value;
}

export function requireActor(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid('actor', 'must be a non-empty string');
  return value;
}

export function lostRace(model: string, alias: string, expected: number | undefined, detail: string, cause?: unknown): ConflictError {
  return new ConflictError(
    `lost the race to a concurrent update: alias ${alias} of model ${model} is no longer at revision ${expected ?? '(none)'} (${detail}); read it again and retry`,
    { cause, details: { model, alias, expectedRevision: expected ?? null } },
  );
}

/** A finite number from a metrics record, else undefined. */
export function metricNumber(metrics: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const v = metrics[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
