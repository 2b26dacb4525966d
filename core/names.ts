// The naming rules of the platform, declared once: model lineages, aliases, datasets and dataset
// references, experiments and tenants. Every door (HTTP schemas, CLI flags, events, the training
// container) and every core service validates names with these, so a name one door accepts is a
// name every other door accepts.
import { z } from 'zod';
import { echo } from './bounds';
import { InvalidInputError } from './errors';

/** Model lineage names: 1-63 chars of a-z, 0-9 and -, starting with a letter (a DNS label, an S3 key part, a metric dimension). */
export const MODEL_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
export const MODEL_NAME_RULE = 'must be a model name: 1-63 chars of a-z, 0-9 and -, starting with a letter';

/** Dataset names: 1-128 chars of letters, digits, '.', '_' and '-', starting with a letter or digit. */
export const DATASET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const DATASET_NAME_RULE = "must be a dataset name: 1-128 chars of letters, digits, '.', '_' and '-', starting with a letter or digit";

/** Experiment ids as ExperimentService allocates them: exp-<UTC time>-<6 hex>. */
export const EXPERIMENT_ID_PATTERN = /^exp-[0-9T]{15}-[0-9a-f]{6}$/;

export const ModelName = z.string().regex(MODEL_NAME_PATTERN, MODEL_NAME_RULE);
/** Alias names: 1-70 chars of a-z, 0-9 and -, starting with a letter (room for `tenant-` + any tenant id). */
export const ALIAS_NAME_PATTERN = /^[a-z][a-z0-9-]{0,69}$/;
export const ALIAS_NAME_RULE = 'must be an alias name: 1-70 chars of a-z, 0-9 and -, starting with a letter';
export const AliasName = z.string().regex(ALIAS_NAME_PATTERN, ALIAS_NAME_RULE);
export const DatasetName = z.string().regex(DATASET_NAME_PATTERN, DATASET_NAME_RULE);
export const ExperimentId = z.string().regex(EXPERIMENT_ID_PATTERN, 'must be an experiment id (exp-…)');
/** Tenants (organisations) follow the model-name rule: they become key prefixes and role names. */
export const TENANT_ID_RULE = 'must be a tenant id: 1-63 chars of a-z, 0-9 and -, starting with a letter';
export const TenantId = z.string().regex(MODEL_NAME_PATTERN, TENANT_ID_RULE);

/**
 * A tenant's variant of a lineage (an adaptation of the global model on the tenant's own rows) is
 * served under the alias `tenant-<tenant>`; predict requests naming the tenant resolve it first.
 * @example tenantAlias('acme') // 'tenant-acme'
 */
export const TENANT_ALIAS_PREFIX = 'tenant-';
export const tenantAlias = (tenant: string): string => `${TENANT_ALIAS_PREFIX}${tenant}`;
/** The tenant a tenant alias serves; undefined for any other alias. */
export const tenantOfAlias = (alias: string): string | undefined =>
  alias.startsWith(TENANT_ALIAS_PREFIX) && MODEL_NAME_PATTERN.test(alias.slice(TENANT_ALIAS_PREFIX.length))
    ? alias.slice(TENANT_ALIAS_PREFIX.length)
    : undefined;

/**
 * A tenant's own data lives under `tenants/<tenant>/` (dataset chunks in the datasets bucket, and the
 * name of its dataset manifests): one prefix its participant role may read, and no other role.
 * @example tenantDataPrefix('acme') // 'tenants/acme/'
 */
export const TENANT_DATA_ROOT = 'tenants/';
export const tenantDataPrefix = (tenant: string): string => `${TENANT_DATA_ROOT}${tenant}/`;

/**
 * The stored name of a tenant's dataset (the manifests table key): `tenants/<tenant>/<dataset>`.
 * @example tenantDatasetName('acme', 'flows') // 'tenants/acme/flows'
 */
export const tenantDatasetName = (tenant: string, dataset: string): string => `${tenantDataPrefix(tenant)}${dataset}`;

/** The tenant and dataset of a stored tenant dataset name; undefined for a shared dataset. */
export function parseTenantDatasetName(name: string): { readonly tenant: string; readonly dataset: string } | undefined {
  const m = /^tenants\/([a-z][a-z0-9-]{0,62})\/([A-Za-z0-9][A-Za-z0-9._-]{0,127})$/.exec(name);
  return m ? { tenant: m[1], dataset: m[2] } : undefined;
}

/**
 * The dataset record of a federated version: `federated:<dataset>@<tenant>,<tenant>,…` (no row is
 * central; each tenant's rows are `tenants/<t>/<dataset>`).
 * @example federatedDatasetId('flows', ['acme', 'globex']) // 'federated:flows@acme,globex'
 */
export const federatedDatasetId = (dataset: string, tenants: readonly string[]): string => `federated:${dataset}@${tenants.join(',')}`;

/** The dataset and tenants of a federated version's dataset record; undefined for any other dataset. */
export function parseFederatedDatasetId(name: string): { readonly dataset: string; readonly tenants: readonly string[] } | undefined {
  const m = /^federated:([A-Za-z0-9][A-Za-z0-9._-]{0,127})@([a-z0-9,-]+)$/.exec(name);
  return m ? { dataset: m[1], tenants: m[2].split(',') } : undefined;
}

/** A dataset version reference: `name` (its latest version) or `name@version`. */
export interface DatasetVersionRef {
  readonly name: string;
  readonly version?: number;
}

const DATASET_REF_PATTERN = /^([A-Za-z0-9][A-Za-z0-9._-]{0,127})(?:@([1-9]\d{0,9}))?$/;

/** `name` or `name@version` as text, parsed to a DatasetVersionRef. */
export const DatasetRefText = z
  .string()
  .regex(DATASET_REF_PATTERN, 'must be <dataset> or <dataset>@<version> (a dataset name, a version from 1)')
  .transform((text): DatasetVersionRef => {
    const m = DATASET_REF_PATTERN.exec(text) as RegExpExecArray;
    return m[2] === undefined ? { name: m[1] } : { name: m[1], version: Number(m[2]) };
  });

/**
 * Checks one name against its rule; throws InvalidInputError naming the field.
 *
 * @example const model = checkName(ModelName, 'model', flags.model);
 */
export function checkName<T>(schema: z.ZodType<T>, field: string, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const message = `${parsed.error.issues[0].message} (got ${echo(value)})`;
  throw new InvalidInputError(`${field}: ${message}`, { details: [{ field, message }] });
}
