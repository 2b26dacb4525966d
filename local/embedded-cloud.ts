// The embedded local cloud: dynalite (DynamoDB) and s3rver (S3) started in-process on free
// loopback ports, persisting under a state directory (XDR_ML_HOME, default ./.xdr-ml). Every
// table and bucket of config/resources.ts is created with the same name and shape as in AWS.
//
// One process owns a state directory at a time (an exclusive lock file). A second process
// pointed at the same directory connects to the owner's endpoints, or refuses with a clear
// message when the owner does not answer; it never opens the data files itself.
import { CreateTableCommand, ListTablesCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type dynaliteFactory from 'dynalite';
import type S3rver from 's3rver';
import { loadConfig, type ConfigSource, type PlatformConfig } from '../config/config';
import { processEnvironment } from '../config/environment';
import { BUCKETS, TABLES, type TableDefinition } from '../config/resources';
import { createAwsClients, type AwsClients } from '../adapters/clients';
import { XdrError } from '../core/errors';
import { processAlive } from '../adapters/process-alive';

export class EmbeddedCloudError extends XdrError {
  override readonly name: string = 'EmbeddedCloudError';
}

/** The process that owned a joined state directory exited: its servers are gone with it. */
export class CloudOwnerGoneError extends EmbeddedCloudError {
  override readonly name: string = 'CloudOwnerGoneError';
}

/** What the owner of a state directory publishes for other processes. */
interface CloudRecord {
  readonly pid: number;
  readonly startedAt: string;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
}

export interface EmbeddedCloud {
  readonly home: string;
  readonly endpoints: { readonly dynamodb: string; readonly s3: string };
  /** Configuration with the endpoint overrides set. */
  readonly config: PlatformConfig;
  /** True when this process started the servers (false: connected to another process's). */
  readonly owner: boolean;
  /** The process that runs the servers (this one when `owner`). */
  readonly ownerPid: number;
  /** Stops the servers (owner) and releases the lock; a no-op for a connected client. */
  stop(): Promise<void>;
}

export interface EmbeddedCloudOptions {
  /** State directory; default $XDR_ML_HOME or ./.xdr-ml */
  readonly home?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Settings over the environment (the configuration the cloud hands back is built with them). */
  readonly overrides?: ConfigSource;
  /** How long to wait for a starting owner to publish its endpoints. */
  readonly connectTimeoutMs?: number;
}

/** The state directory in use: $XDR_ML_HOME or .xdr-ml in the working directory. */
export function resolveHome(env: NodeJS.ProcessEnv = processEnvironment()): string {
  return loadConfig(env).local.home;
}

const LOCK_FILE = 'cloud.lock';
const RECORD_FILE = 'cloud.json';

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 1500);
    const res = await fetch(endpoint, { signal: controller.signal });
    clearTimeout(timer);
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tableInput(name: string, t: TableDefinition): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>();
  const add = (k?: { name: string; type: 'S' | 'N' }) => k && attributes.set(k.name, k.type);
  add(t.partitionKey);
  add(t.sortKey);
  for (const ix of t.globalIndexes ?? []) {
    add(ix.partitionKey);
    add(ix.sortKey);
  }
  const keySchema = (pk: { name: string }, sk?: { name: string }) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(t.partitionKey, t.sortKey),
    GlobalSecondaryIndexes: t.globalIndexes?.length
      ? t.globalIndexes.map((ix) => ({ IndexName: ix.indexName, KeySchema: keySchema(ix.partitionKey, ix.sortKey), Projection: { ProjectionType: 'ALL' } }))
      : undefined,
  };
}

/** Creates every table of config/resources.ts that does not exist yet. */
export async function ensureTables(config: PlatformConfig): Promise<void> {
  const { dynamodb } = createAwsClients(config);
  try {
    const existing = new Set((await dynamodb.send(new ListTablesCommand({}))).TableNames ?? []);
    for (const t of TABLES) {
      const name = config.tables[t.id];
      if (!existing.has(name)) await dynamodb.send(new CreateTableCommand(tableInput(name, t)));
    }
  } finally {
    dynamodb.destroy();
  }
}

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address() as AddressInfo));
  });
}

/**
 * Starts the embedded cloud for a state directory, or connects to the process that runs it.
 *
 * @example
 * const cloud = await startEmbeddedCloud();
 * const stores = createPlatformStores(cloud.config);
 * // ...
 * await cloud.stop();
 */
export async function startEmbeddedCloud(options: EmbeddedCloudOptions = {}): Promise<EmbeddedCloud> {
  const env = options.env ?? processEnvironment();
  const overrides = options.overrides ?? {};
  const home = options.home ? path.resolve(options.home) : loadConfig(env, overrides).local.home;
  mkdirSync(home, { recursive: true });
  const lockPath = path.join(home, LOCK_FILE);
  const recordPath = path.join(home, RECORD_FILE);
  const deadline = Date.now() + (options.connectTimeoutMs ?? 20_000);

  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lockPath, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (fd !== undefined) {
      writeFileSync(fd, JSON.stringify({ pid: process.pid }));
      closeSync(fd);
      return startOwned(home, lockPath, recordPath, env, overrides);
    }
    const lock = readJson<{ pid: number }>(lockPath);
    if (lock && !processAlive(lock.pid)) {
      // Stale lock of a killed owner: move it aside (only one contender's rename succeeds).
      try {
        renameSync(lockPath, `${lockPath}.stale-${process.pid}`);
        rmSync(`${lockPath}.stale-${process.pid}`, { force: true });
        rmSync(recordPath, { force: true });
      } catch {
        /* another process took it first; retry */
      }
      continue;
    }
    const record = readJson<CloudRecord>(recordPath);
    if (record && lock && record.pid === lock.pid && (await answers(record.dynamodbEndpoint)) && (await answers(record.s3Endpoint))) {
      return connected(home, record, env, overrides);
    }
    if (Date.now() > deadline) {
      throw new EmbeddedCloudError(
        `The state directory ${home} is locked by process ${lock?.pid ?? '(unknown)'}, which does not answer. ` +
          `Stop that process, or set XDR_ML_HOME to another directory. Nothing was changed.`,
      );
    }
    await sleep(200);
  }
}

function configFor(env: NodeJS.ProcessEnv, overrides: ConfigSource, home: string, dynamodb: string, s3: string): PlatformConfig {
  return loadConfig(env, { ...overrides, home, dynamodbEndpoint: dynamodb, s3Endpoint: s3 });
}

function connected(home: string, record: CloudRecord, env: NodeJS.ProcessEnv, overrides: ConfigSource): EmbeddedCloud {
  return {
    home,
    endpoints: { dynamodb: record.dynamodbEndpoint, s3: record.s3Endpoint },
    config: configFor(env, overrides, home, record.dynamodbEndpoint, record.s3Endpoint),
    owner: false,
    ownerPid: record.pid,
    stop: async () => undefined,
  };
}

async function startOwned(home: string, lockPath: string, recordPath: string, env: NodeJS.ProcessEnv, overrides: ConfigSource): Promise<EmbeddedCloud> {
  let dynamo: Server | undefined;
  let s3: S3rver | undefined;
  const release = () => {
    rmSync(recordPath, { force: true });
    rmSync(lockPath, { force: true });
  };
  try {
    const base = loadConfig(env, overrides);
    // loaded only by the process that runs the servers (about 0.4 s): a CLI that joins one never pays it
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const dynalite = require('dynalite') as typeof dynaliteFactory;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const S3rverServer = require('s3rver') as typeof S3rver;
    dynamo = dynalite({ path: path.join(home, 'dynamodb'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamoAddress = await listen(dynamo);
    const s3Directory = path.join(home, 's3');
    mkdirSync(s3Directory, { recursive: true });
    s3 = new S3rverServer({
      address: '127.0.0.1',
      port: 0,
      directory: s3Directory,
      silent: true,
      allowMismatchedSignatures: true,
      configureBuckets: BUCKETS.map((b) => ({ name: base.buckets[b.id] })),
    });
    const s3Address = await s3.run();
    const endpoints = { dynamodb: `http://127.0.0.1:${dynamoAddress.port}`, s3: `http://127.0.0.1:${s3Address.port}` };
    const config = configFor(env, overrides, home, endpoints.dynamodb, endpoints.s3);
    await ensureTables(config);
    const record: CloudRecord = { pid: process.pid, startedAt: new Date().toISOString(), dynamodbEndpoint: endpoints.dynamodb, s3Endpoint: endpoints.s3 };
    const tmp = `${recordPath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record, null, 2));
    renameSync(tmp, recordPath);
    let stopped = false;
    const stopDynamo = dynamo;
    const stopS3 = s3;
    return {
      home,
      endpoints,
      config,
      owner: true,
      ownerPid: process.pid,
      async stop() {
        if (stopped) return;
        stopped = true;
        rmSync(recordPath, { force: true });
        // Stop accepting, then cut keep-alive connections so busy clients cannot hold the stop
        // open; an interrupted request was never acknowledged, so nothing acknowledged is lost.
        const closing = Promise.allSettled([new Promise<void>((r) => stopDynamo.close(() => r())), stopS3.close()]);
        stopDynamo.closeAllConnections();
        stopS3.httpServer?.closeAllConnections();
        await closing;
        rmSync(lockPath, { force: true });
      },
    };
  } catch (error) {
    if (dynamo) await new Promise<void>((r) => dynamo!.close(() => r()));
    if (s3) await s3.close().catch(() => undefined);
    release();
    throw new EmbeddedCloudError(`Could not start the embedded cloud in ${home}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * For a process that joined another's embedded cloud: a request that fails while the owner process
 * is gone fails with a CloudOwnerGoneError saying so (instead of a connection error, or a 500 on
 * every data route), and every later one fails fast the same way.
 * @example const clients = createAwsClients(cloud.config); watchCloudOwner(clients, cloud);
 */
export function watchCloudOwner(clients: AwsClients, cloud: EmbeddedCloud): void {
  if (cloud.owner) return;
  const gone = () =>
    new CloudOwnerGoneError(
      `The process ${cloud.ownerPid} that ran the embedded cloud of ${cloud.home} has exited, and its servers with it. ` +
        `Run the command again (it starts the embedded cloud itself), or restart \`xdr-ml serve\`.`,
    );
  const middleware =
    <I, O>(next: (args: I) => Promise<O>) =>
    async (args: I): Promise<O> => {
      if (!processAlive(cloud.ownerPid)) throw gone();
      try {
        return await next(args);
      } catch (error) {
        if (!processAlive(cloud.ownerPid)) throw gone();
        throw error;
      }
    };
  // the document client shares the DynamoDB client's stack
  clients.dynamodb.middlewareStack.add(middleware, { step: 'initialize', name: 'xdrCloudOwnerGone' });
  clients.s3.middlewareStack.add(middleware, { step: 'initialize', name: 'xdrCloudOwnerGone' });
}

/** True when a state directory holds data from an earlier run. */
export function hasState(home: string): boolean {
  return existsSync(path.join(home, 'dynamodb'));
}
