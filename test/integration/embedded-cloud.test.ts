// The embedded cloud's process contract: one owner per state directory, others connect or are
// refused with a clear message, and a crash (SIGKILL) or stop (SIGTERM) of `npm start` in the
// middle of writes loses nothing that was acknowledged.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPlatformStores } from '../../adapters/platform-stores';
import { loadConfig } from '../../config/config';
import { startEmbeddedCloud } from '../../local/embedded-cloud';

const ROOT = path.resolve(__dirname, '..', '..');

function tempHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-cloud-'));
}

function childEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDR_ML_HOME: home, XDR_ML_STAGE: 'crash', PORT: '0', XDR_ML_BOOTSTRAP: 'false' };
  delete env.XDR_ML_DYNAMODB_ENDPOINT;
  delete env.XDR_ML_S3_ENDPOINT;
  return env;
}

/** Starts `xdr-ml serve` (what npm start runs) and waits until it prints its URL. */
async function startServe(home: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'xdr-ml.js'), 'serve'], { cwd: ROOT, env: childEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('API listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('embedded cloud ownership', () => {
  it('lets a second process connect to the running servers, sharing their data', async () => {
    const home = tempHome();
    const first = await startEmbeddedCloud({ home, env: childEnv(home) });
    const second = await startEmbeddedCloud({ home, env: childEnv(home) });
    try {
      expect(first.owner).toBe(true);
      expect(second.owner).toBe(false);
      expect(second.endpoints).toEqual(first.endpoints);
      const a = createPlatformStores(first.config);
      const b = createPlatformStores(second.config);
      await a.tables.jobs.put({ jobId: 'shared', model: 'm', createdAt: 'now' });
      expect(await b.tables.jobs.get({ jobId: 'shared' })).toMatchObject({ model: 'm' });
      for (const s of [a, b]) s.clients.dynamodb.destroy();
    } finally {
      await second.stop();
      await first.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses, without touching the data, when the owner is alive but does not answer', async () => {
    const home = tempHome();
    // The lock names a live process (this one) but no endpoints are published.
    writeFileSync(path.join(home, 'cloud.lock'), JSON.stringify({ pid: process.pid }));
    await expect(startEmbeddedCloud({ home, env: childEnv(home), connectTimeoutMs: 500 })).rejects.toThrow(
      new RegExp(`${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is locked by process ${process.pid}.*XDR_ML_HOME`),
    );
    expect(existsSync(path.join(home, 'dynamodb'))).toBe(false);
    rmSync(home, { recursive: true, force: true });
  });

  it('takes over a stale lock left by a killed owner', async () => {
    const home = tempHome();
    writeFileSync(path.join(home, 'cloud.lock'), JSON.stringify({ pid: 2 ** 22 + 12345 }));
    const cloud = await startEmbeddedCloud({ home, env: childEnv(home) });
    expect(cloud.owner).toBe(true);
    expect(JSON.parse(readFileSync(path.join(home, 'cloud.lock'), 'utf8')).pid).toBe(process.pid);
    await cloud.stop();
    rmSync(home, { recursive: true, force: true });
  });
});

describe.each(['SIGKILL', 'SIGTERM'] as const)('npm start stopped with %s in the middle of writes', (signal) => {
  it('loses nothing that was acknowledged', async () => {
    const home = tempHome();
    const child = await startServe(home);
    const record = JSON.parse(readFileSync(path.join(home, 'cloud.json'), 'utf8')) as { dynamodbEndpoint: string; s3Endpoint: string };
    const config = loadConfig({ XDR_ML_STAGE: 'crash', XDR_ML_DYNAMODB_ENDPOINT: record.dynamodbEndpoint, XDR_ML_S3_ENDPOINT: record.s3Endpoint });
    const stores = createPlatformStores(config);
    const ackedItems: number[] = [];
    const ackedObjects: number[] = [];
    let stop = false;
    let killed = false;
    const writer = async (kind: 'item' | 'object') => {
      for (let i = 0; !stop; i++) {
        try {
          if (kind === 'item') {
            await stores.tables.audit.putIfAbsent({ stream: 'crash', seq: i, payload: `record ${i}` });
            ackedItems.push(i);
          } else {
            await stores.buckets.artefacts.put(`crash/${i}.bin`, Buffer.alloc(4096 + i, i % 251));
            ackedObjects.push(i);
          }
        } catch (error) {
          // a failure before the kill is a real error; after it (SIGTERM closes the servers before
          // the process exits) the server went away mid-write: this write was never acknowledged
          if (!killed) throw error;
          return;
        }
      }
    };
    let finished = 0;
    const writers = [writer('item'), writer('object')].map((w) => w.finally(() => finished++));
    const deadline = Date.now() + 30_000;
    while ((ackedItems.length < 60 || ackedObjects.length < 20) && finished === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect({ items: ackedItems.length >= 60, objects: ackedObjects.length >= 20 }).toEqual({ items: true, objects: true });
    killed = true;
    child.kill(signal);
    await exited(child);
    stop = true;
    await Promise.all(writers);
    stores.clients.dynamodb.destroy();
    stores.clients.s3.destroy();

    const restarted = await startServe(home);
    try {
      const again = JSON.parse(readFileSync(path.join(home, 'cloud.json'), 'utf8')) as { dynamodbEndpoint: string; s3Endpoint: string };
      const after = createPlatformStores(
        loadConfig({ XDR_ML_STAGE: 'crash', XDR_ML_DYNAMODB_ENDPOINT: again.dynamodbEndpoint, XDR_ML_S3_ENDPOINT: again.s3Endpoint }),
      );
      const items = await after.tables.audit.query({ stream: 'crash' });
      const seqs = new Set(items.map((i) => i.seq));
      expect(ackedItems.filter((i) => !seqs.has(i))).toEqual([]);
      for (const i of ackedObjects) {
        const body = await after.buckets.artefacts.get(`crash/${i}.bin`);
        expect(body.length).toBe(4096 + i);
        expect(body[0]).toBe(i % 251);
      }
      after.clients.dynamodb.destroy();
      after.clients.s3.destroy();
    } finally {
      restarted.kill('SIGTERM');
      await exited(restarted);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
