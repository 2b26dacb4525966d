// The one declaration of the platform's Lambda functions and HTTP routes (handler paths are
// relative to the repository root). The CDK API stack
// creates a function and its routes from each entry; the local server (`npm start`) serves the
// same routes from the same handler modules.
import type { BucketId, TableId } from './resources';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway path, with {param} placeholders. */
  readonly path: string;
}

/**
 * How a function may touch a table or a bucket, least first; each mode includes the ones before it
 * (infra/constructs/catalogue-grants.ts turns a mode into exact IAM actions):
 * - `read`       get, query, scan (tables); get, list (buckets)
 * - `append`     plus new items / objects: PutItem, and UpdateItem only on the table's declared
 *                append counters (`TableDefinition.appendCounters`); PutObject (keys are content-addressed)
 * - `read-write` plus UpdateItem and BatchWriteItem on any attribute (tables); as `append` for buckets
 * - `delete`     plus DeleteItem (tables) or DeleteObject (buckets)
 */
export const ACCESS_MODES = ['read', 'append', 'read-write', 'delete'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/** What a function may touch: the CDK stack turns this into least-privilege grants. */
export interface AccessDefinition {
  readonly tables?: Partial<Record<TableId, AccessMode>>;
  readonly buckets?: Partial<Record<BucketId, AccessMode>>;
  readonly publishEvents?: boolean;
}

/** True when `granted` allows everything `needed` does. */
export function accessIncludes(granted: AccessMode | undefined, needed: AccessMode): boolean {
  return granted !== undefined && ACCESS_MODES.indexOf(granted) >= ACCESS_MODES.indexOf(needed);
}

export interface FunctionDefinition {
  readonly id: string;
  readonly description: string;
  /** Handler module relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly routes: readonly RouteDefinition[];
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Ships onnxruntime-node (kept external, pruned to linux-arm64). */
  readonly usesOnnxRuntime: boolean;
  readonly access: AccessDefinition;
}

export const FUNCTIONS: readonly FunctionDefinition[] = [
  {
    id: 'health',
    description: 'Liveness, deployment identity and the OpenAPI document',
    entry: 'functions/health/handler.ts',
    routes: [
      { method: 'GET', path: '/api/ml/health' },
      { method: 'GET', path: '/api/ml/openapi.json' },
    ],
    memoryMb: 256,
    timeoutSeconds: 5,
    usesOnnxRuntime: false,
    access: {},
  },
  {
    id: 'training-data',
    description: 'Collects analyst-labelled incidents into the collected-data dataset',
    entry: 'functions/training-data/handler.ts',
    routes: [{ method: 'POST', path: '/api/ml/training-data' }],
    memoryMb: 512,
    timeoutSeconds: 30,
    usesOnnxRuntime: false,
    // writes only collection datasets (new chunks, a new manifest version, the counter), audited; reads lineage specs
    access: { tables: { datasets: 'read-write', registry: 'read', audit: 'append' }, buckets: { datasets: 'append' } },
  },
  {
    id: 'predict',
    description: 'Scores flows with a deployed model (onnxruntime-node), optionally explained',
    entry: 'functions/predict/handler.ts',
    routes: [{ method: 'POST', path: '/api/ml/predict' }],
    memoryMb: 1536,
    timeoutSeconds: 30,
    usesOnnxRuntime: true,
    // registry write: a version whose artefact fails its checksum is quarantined for every instance (audited, alerted);
    // experiments delete: the canary guard rolls a breaching canary back and frees the model's running-experiment pointer
    access: {
      tables: { registry: 'read-write', inference: 'read-write', experiments: 'delete', audit: 'append' },
      buckets: { artefacts: 'read', telemetry: 'append' },
      publishEvents: true,
    },
  },
  {
    id: 'feedback',
    description: 'Ground-truth labels for served predictions',
    entry: 'functions/feedback/handler.ts',
    routes: [{ method: 'POST', path: '/api/ml/feedback' }],
    memoryMb: 512,
    timeoutSeconds: 30,
    usesOnnxRuntime: false,
    access: { tables: { inference: 'read-write' } },
  },
  {
    id: 'models',
    description:
      "Registry control plane: list, describe (a version with its summary and explanations too), deploy through the promotion gate, roll back, performance, a lineage's training spec",
    entry: 'functions/models/handler.ts',
    routes: [
      { method: 'GET', path: '/api/ml/models' },
      { method: 'GET', path: '/api/ml/models/performance' },
      { method: 'GET', path: '/api/ml/models/{name}' },
      { method: 'GET', path: '/api/ml/models/{name}/versions/{version}' },
      { method: 'POST', path: '/api/ml/models/{name}/deploy' },
      { method: 'POST', path: '/api/ml/models/{name}/rollback' },
      { method: 'POST', path: '/api/ml/models/{name}/spec' },
    ],
    memoryMb: 512,
    timeoutSeconds: 30,
    usesOnnxRuntime: false,
    access: { tables: { registry: 'read-write', audit: 'append', inference: 'read' }, buckets: { artefacts: 'read' }, publishEvents: true },
  },
  {
    id: 'audit',
    description: 'The audit trail: newest records, hash-chain verification and the registry cross-check (read only)',
    entry: 'functions/audit/handler.ts',
    routes: [{ method: 'GET', path: '/api/ml/audit' }],
    memoryMb: 512,
    timeoutSeconds: 30,
    usesOnnxRuntime: false,
    access: { tables: { audit: 'read', registry: 'read' } },
  },
  {
    id: 'ab-test',
    description: 'A/B, shadow and canary experiments: create (challenger must load), list, results with statistics, stop and promote through the gate',
    entry: 'functions/ab-test/handler.ts',
    routes: [
      { method: 'POST', path: '/api/ml/ab-test' },
      { method: 'GET', path: '/api/ml/ab-test' },
      { method: 'GET', path: '/api/ml/ab-test/{id}' },
      { method: 'GET', path: '/api/ml/ab-test/{id}/results' },
      { method: 'POST', path: '/api/ml/ab-test/{id}/stop' },
    ],
    memoryMb: 1536,
    timeoutSeconds: 30,
    usesOnnxRuntime: true,
    access: {
      // experiments delete: stopping a test frees the model's running-experiment pointer
      tables: { experiments: 'delete', registry: 'read-write', audit: 'append', inference: 'read-write' },
      buckets: { artefacts: 'read' },
      publishEvents: true,
    },
  },
  {
    id: 'federated',
    description: 'Federated learning doors: start a run across tenants, status of runs and rounds',
    entry: 'functions/federated/handler.ts',
    routes: [
      { method: 'POST', path: '/api/federated/runs' },
      { method: 'GET', path: '/api/federated/status' },
    ],
    memoryMb: 512,
    timeoutSeconds: 30,
    usesOnnxRuntime: false,
    access: {
      // reads tenant manifests to refuse an unknown dataset (never their rows); records the run and its job
      tables: { federated: 'read-write', jobs: 'read-write', datasets: 'read' },
      buckets: {},
      publishEvents: true,
    },
  },
  {
    id: 'retraining',
    description: 'Retraining control plane: manual retrain, platform status, auto-retrain switch, drift status',
    entry: 'functions/retraining/handler.ts',
    routes: [
      { method: 'POST', path: '/api/ml/retrain' },
      { method: 'GET', path: '/api/ml/status' },
      { method: 'POST', path: '/api/ml/status/auto-retrain' },
      { method: 'GET', path: '/api/ml/drift/status' },
      { method: 'POST', path: '/api/ml/drift/check' },
      { method: 'POST', path: '/api/ml/online-learning/adapt' },
      { method: 'GET', path: '/api/ml/online-learning/status' },
      { method: 'POST', path: '/api/ml/ensemble/optimize' },
      { method: 'GET', path: '/api/ml/ensemble/status' },
    ],
    memoryMb: 2048,
    timeoutSeconds: 120,
    usesOnnxRuntime: false,
    access: {
      // inference append + datasets: an adaptation first joins new feedback to its inputs into the collection dataset (core/online/feedback-samples)
      tables: { jobs: 'read-write', registry: 'read', drift: 'read-write', audit: 'append', inference: 'append', datasets: 'read-write' },
      buckets: { telemetry: 'read', artefacts: 'read', datasets: 'append' },
      publishEvents: true,
    },
  },
  {
    id: 'resource-usage',
    description: 'Resource usage by job, model and function over a time window (the telemetry API)',
    entry: 'functions/resource-usage/handler.ts',
    routes: [{ method: 'GET', path: '/api/ml/telemetry' }],
    memoryMb: 512,
    timeoutSeconds: 30,
    usesOnnxRuntime: false,
    // reads job records and usage items (jobs) and the lineages (registry)
    access: { tables: { jobs: 'read', registry: 'read' } },
  },
];

/** All routes with the function that serves each. */
export function allRoutes(functions: readonly FunctionDefinition[] = FUNCTIONS): { route: RouteDefinition; fn: FunctionDefinition }[] {
  return functions.flatMap((fn) => fn.routes.map((route) => ({ route, fn })));
}
