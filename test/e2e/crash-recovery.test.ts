// Crashes at every commit point of train / register / deploy / rollback / retrain, as `kill -9`
// would cause them (XDR_ML_FAULT_POINT makes the process SIGKILL itself at the named point), on
// the local platform run as a user runs it (`xdr-ml serve`, the CLI beside it). After each crash
// and a restart: no job stays unfinished, the next retrain runs, and `audit verify` finds every
// registry change matched by an audit record.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetPath, datasetsDir, describeWithData } from '../support/datasets';
import { http, isolatedEnv, startServe, waitFor, xdrCli, type ServedPlatform } from '../support/serve';

const MODEL = 'crashy';

interface JobJson {
  jobId: string;
  state: string;
  failureReason?: string;
  registeredVersion?: number;
}

describeWithData('crash recovery at every commit point', ['nsl_kdd/KDDTrain+_20Percent.txt'], () => {
  jest.setTimeout(300_000);
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-crash-'));
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'crash', DATASETS_DIR: datasetsDir() });
  const faulty = (point: string) => ({ ...env, XDR_ML_FAULT_POINT: point });
  let server: ServedPlatform | undefined;

  const cli = (args: string[], runEnv = env) => xdrCli(runEnv, args);
  const ok = async (args: string[]) => {
    const run = await cli(args);
    if (run.code !== 0) throw new Error(`xdr-ml ${args.join(' ')} exited ${run.code ?? run.signal}: ${run.stderr}${run.stdout}`);
    return run.stdout;
  };
  const verify = async () => JSON.parse((await cli(['audit', 'verify', '--json'])).stdout) as { ok: boolean; registry?: { unaudited: unknown[] } };
  const jobs = async (): Promise<JobJson[]> => {
    const s = await http(`${server!.url}/api/ml/status?model=${MODEL}`);
    return ((s.body.models as { model: string; jobs: JobJson[] }[]).find((m) => m.model === MODEL)?.jobs ?? []) as JobJson[];
  };
  const allSettled = () =>
    waitFor(
      'every job to finish',
      async () => {
        const all = await jobs();
        return all.every((j) => j.state === 'Completed' || j.state === 'Failed') ? all : undefined;
      },
      180_000,
    );
  const restart = async () => {
    await server?.stop();
    server = await startServe(env);
  };
  /** Starts a server that will kill itself at `point`, sends a forced retrain, and waits for the crash. */
  const crashServerAt = async (point: string) => {
    await server?.stop();
    server = await startServe(faulty(point));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => server!.child.once('exit', (_code, signal) => resolve(signal)));
    await http(`${server.url}/api/ml/retrain`, 'POST', { model: MODEL, force: true, reason: `crash at ${point}` }).catch(() => undefined);
    expect(await exited).toBe('SIGKILL');
  };
  /** After a restart: every job settles, a new retrain runs to the end, and the audit matches the registry. */
  const recovers = async () => {
    await restart();
    await allSettled();
    const next = await http(`${server!.url}/api/ml/retrain`, 'POST', { model: MODEL, force: true, reason: 'after the crash' });
    expect(next.status).toBe(202);
    const settled = await allSettled();
    expect(settled.find((j) => j.jobId === next.body.jobId)).toMatchObject({ state: 'Completed' });
    expect(await verify()).toMatchObject({ ok: true });
  };

  beforeAll(async () => {
    const lines = readFileSync(datasetPath('nsl_kdd/KDDTrain+_20Percent.txt'), 'utf8').split('\n').filter(Boolean).slice(0, 3000);
    writeFileSync(path.join(home, 'nsl.txt'), `${lines.join('\n')}\n`);
    server = await startServe(env);
    await ok(['datasets', 'ingest', path.join(home, 'nsl.txt'), '--name', 'nsl', '--format', 'nsl-kdd']);
    await ok(['train', '--dataset', 'nsl', '--model', MODEL, '--classes', 'fine', '--param', 'nRounds=20']);
    await ok(['deploy', MODEL, '1']);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('rolls a registration, a deploy and a rollback forward when the CLI dies between the change and its audit record', async () => {
    const train = await cli(
      ['train', '--dataset', 'nsl', '--model', MODEL, '--classes', 'fine', '--param', 'nRounds=20', '--seed', '8'],
      faulty('registry.register.after-commit'),
    );
    expect(train.signal).toBe('SIGKILL');
    // the registry holds v2 with no audit record: verify says so, by name
    const broken = await cli(['audit', 'verify', '--json']);
    expect(broken.code).not.toBe(0);
    expect(broken.stdout).toMatch(new RegExp(`model/${MODEL}/version/2`));

    expect((await cli(['deploy', MODEL, '2', '--force', '--reason', 'crash test'], faulty('registry.move.after-commit'))).signal).toBe('SIGKILL');
    expect((await cli(['rollback', MODEL, '--reason', 'crash test'], faulty('registry.move.after-commit'))).signal).toBe('SIGKILL');

    // a restart records what the crashes left unaudited
    await restart();
    expect(server!.output()).toMatch(/audit: recorded \d+ change\(s\) a crash left unaudited/);
    expect(await verify()).toMatchObject({ ok: true });
    const model = (await http(`${server!.url}/api/ml/models/${MODEL}`)).body as { aliases: { production: { version: number } } };
    expect(model.aliases.production.version).toBe(1); // the rollback's move stood
  });

  it.each(['launcher.after-queue', 'launcher.after-starting', 'launcher.after-start', 'completion.after-register'])(
    'leaves nothing wedged when the server dies at %s',
    async (point) => {
      await crashServerAt(point);
      await recovers();
      expect(server!.output()).not.toMatch(/maintenance failed/);
    },
  );

  it('runs a retried request whose first job was lost with the server', async () => {
    await server?.stop();
    server = await startServe(faulty('launcher.after-queue'));
    const exited = new Promise<void>((resolve) => server!.child.once('exit', () => resolve()));
    await http(`${server.url}/api/ml/retrain`, 'POST', { model: MODEL, force: true, requestId: 'ticket-7' }).catch(() => undefined);
    await exited;
    await restart();
    const lost = (await allSettled())[0];
    expect(lost).toMatchObject({ state: 'Failed' });
    expect(lost.failureReason).toMatch(/lost before it started/);
    const retried = await http(`${server!.url}/api/ml/retrain`, 'POST', { model: MODEL, force: true, requestId: 'ticket-7' });
    expect(retried.status).toBe(202);
    expect(retried.body.jobId).not.toBe(lost.jobId);
    const settled = await allSettled();
    expect(settled.find((j) => j.jobId === retried.body.jobId)).toMatchObject({ state: 'Completed' });
  });
});
