// The TrainingBackend port: starts the training container somewhere (SageMaker, AWS Batch, a local
// child process) for one job. Completion comes back separately, as a CompletionInput handed to the
// CompletionHandler (from an EventBridge state-change event, or the local process's exit).

import type { CapacityNeed, CapacityVerdict } from '../resources/capacity';
import type { ResourceUsage } from '../resources/usage';

/** The dataset version a job trains on, and where its files are. */
export interface DatasetInput {
  readonly name: string;
  readonly version: number;
  /** Key prefix of the dataset's Parquet chunks in the datasets bucket (chunkPrefix: `datasets/<name>/`, a tenant's `tenants/<t>/datasets/<d>/`). */
  readonly chunkPrefix: string;
  /** Key of the manifest JSON staged in the datasets bucket (`manifests/<name>/v<version>.json`). */
  readonly manifestKey: string;
}

/**
 * The parent version an adaptation job continues (core/online), staged in the datasets bucket under
 * `prefix`: PARENT_INPUT_FILES — its registry record and the bundle files the adaptation reads.
 */
export interface ParentInput {
  readonly model: string;
  readonly version: number;
  /** Key prefix in the datasets bucket, ending in '/'. */
  readonly prefix: string;
  /** The files under the prefix the channel carries. @default PARENT_INPUT_FILES (an ensemble's members: members.json and their files) */
  readonly files?: readonly string[];
}

/** The files of a staged parent: its registry record (artefact keys relative to the prefix) and three bundle files. */
export const PARENT_INPUT_FILES = ['parent.json', 'model.json', 'replay.parquet', 'evaluation.parquet'] as const;

/** Everything a backend needs to start one job. */
export interface TrainingJobSpec {
  readonly jobId: string;
  readonly model: string;
  readonly dataset: DatasetInput;
  /** For an online adaptation: the parent version's staged files (the `parent` input channel). */
  readonly parent?: ParentInput;
  /** Datasets trained on together with `dataset` (same features; e.g. the lineage's collected incidents). */
  readonly extraDatasets?: readonly DatasetInput[];
  /**
   * The container's hyperparameters, every value a string (the SageMaker contract): model,
   * algorithm, classes, seed, dataset, dataset_version, job_id, author, parent_version, and learner
   * parameters as `param.<name>`.
   */
  readonly hyperparameters: Readonly<Record<string, string>>;
}

/** What a finished job reports, from any backend. */
export interface CompletionInput {
  readonly jobId: string;
  readonly state: 'Completed' | 'Failed';
  /** Where the job's /opt/ml/model output went (an s3:// URI of model.tar.gz or a prefix, or a local directory). */
  readonly outputLocation?: string;
  readonly failureReason?: string;
  /** What the job used, as the backend saw it (the local process's own figures; SageMaker's instance type and billable seconds). */
  readonly resources?: ResourceUsage;
}

/** What a backend can say about a job the platform lost track of (the maintenance sweep asks). */
export type JobInspection =
  { readonly state: 'running' } | { readonly state: 'finished'; readonly completion: CompletionInput } | { readonly state: 'unknown'; readonly reason: string };

export interface TrainingBackend {
  /** Short name recorded on the job ('sagemaker', 'batch', 'local'). */
  readonly name: string;
  /** How long a started job is trusted before the sweep asks about it (renewed by heartbeats where the backend beats). */
  readonly leaseMs?: number;
  /** The backend's view of one of its jobs, for the maintenance sweep. */
  inspect?(job: { readonly jobId: string; readonly backendJobId?: string }): Promise<JobInspection>;
  /** Starts the job; answers the backend's own id for it. */
  start(job: TrainingJobSpec): Promise<{ readonly backendJobId: string }>;
  /** The backend's view of a job, when it can say (status pages, debugging). */
  describe?(backendJobId: string): Promise<Readonly<Record<string, unknown>>>;
  /**
   * Whether the backend can run a job with this need now (locally: cores and available memory; on
   * SageMaker: the instance type offered in the region and within the account's quota).
   */
  checkCapacity?(need: CapacityNeed): Promise<CapacityVerdict>;
  /**
   * What the backend's job description says a finished job used, for the figures its completion
   * event lacks (SageMaker's state-change event carries no BillableTimeInSeconds; DescribeTrainingJob does).
   */
  usage?(job: { readonly jobId: string }): Promise<ResourceUsage | undefined>;
}

/** Hyperparameter names of the training container (training-container/entrypoint.ts). */
export const HYPERPARAMETER_KEYS = {
  model: 'model',
  algorithm: 'algorithm',
  classes: 'classes',
  seed: 'seed',
  dataset: 'dataset',
  datasetVersion: 'dataset_version',
  jobId: 'job_id',
  author: 'author',
  parentVersion: 'parent_version',
  /** Further datasets, `name@version,name@version`. */
  extraDatasets: 'extra_datasets',
  /** 'adapt': an online adaptation (and 'ensemble': an ensemble of the staged members) of the parent (the `parent` channel) on rows [sample_from, sample_to) of `dataset`; default a fresh training. */
  mode: 'mode',
  sampleFrom: 'sample_from',
  sampleTo: 'sample_to',
  /** mode=ensemble: the members, `model@version,model@version` (the `parent` channel holds them: members.json and their files). */
  members: 'members',
  /** mode=ensemble: 'selection', 'weights' or 'auto'. */
  method: 'method',
  /** The validation search: 'off', 'fast' or 'thorough' (default: the pipeline's). */
  tune: 'tune',
  /** mode=ensemble: how many extra members the job trains on the first member's dataset version and split. */
  extraMembers: 'extra_members',
  /** mode=federated: the run this participant job serves and the tenant whose data it holds. */
  runId: 'run_id',
  tenant: 'tenant',
  /** Prefix of learner parameters: `param.nRounds` = "200". */
  paramPrefix: 'param.',
} as const;

/** Name of the registration file the container writes next to the bundle in /opt/ml/model/. */
export const REGISTRATION_FILE = 'registration.json';

/** Detail type of the event the local backend publishes when a job's process exits (detail: a CompletionInput). */
export const LOCAL_TRAINING_STATE_CHANGE = 'Local Training Job State Change';

/** Prefix of every training job name (the launcher's job ids): completion rules match only ours. */
export const TRAINING_JOB_PREFIX = 'train-';

/** Key prefix (in the artefacts bucket) under which training jobs write; the training role may write only here. */
export const TRAINING_OUTPUT_PREFIX = 'training-output/';

/** The metrics the entrypoint prints, as SageMaker metric definitions (regexes over the log). */
export const METRIC_DEFINITIONS: readonly { readonly Name: string; readonly Regex: string }[] = [
  'macro_f1',
  'weighted_f1',
  'accuracy',
  'log_loss',
  'ece',
  'rows',
  'train_seconds',
  'cpu_seconds',
  'peak_rss_mb',
].map((name) => ({ Name: name, Regex: `metric: ${name}=([-+0-9.eE]+);` }));

/**
 * What a tenant's job (a federated participant or a tenant variant: hyperparameter `tenant`) runs
 * under on a cloud backend: its own runner from `runners` (participant role ARN or job definition),
 * never the shared training role; undefined for a job of no tenant.
 * @throws Error naming the tenant when it has no runner (the stack creates one per configured tenant)
 * @example const role = tenantRunnerOf(job, options.tenantRoleArns, 'participant role') ?? options.roleArn;
 */
export function tenantRunnerOf(job: TrainingJobSpec, runners: Readonly<Record<string, string>> | undefined, what: string): string | undefined {
  const tenant = job.hyperparameters[HYPERPARAMETER_KEYS.tenant];
  if (tenant === undefined) return undefined;
  const runner = runners?.[tenant];
  if (!runner) {
    throw new Error(
      `tenant ${tenant} has no ${what}: its job must not run under the shared training role (deploy with the tenant in -c tenants=…, which creates it)`,
    );
  }
  return runner;
}
