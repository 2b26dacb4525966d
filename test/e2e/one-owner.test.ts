// One server per state directory: a second `xdr-ml serve` on the same directory refuses with a
// message naming the running one (CLI commands still join it); a process that joined it and
// outlives it says the owner is gone instead of failing on connection errors; a new server takes
// the directory over.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPlatform } from '../../platform';
import { isolatedEnv, startServe, xdrCli, type ServedPlatform } from '../support/serve';

describe('one server per state directory', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-owner-'));
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'owner' });
  let first: ServedPlatform | undefined;
  let third: ServedPlatform | undefined;

  afterAll(async () => {
    await first?.stop('SIGKILL');
    await third?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses a second serve, lets the CLI join, reports a dead owner, and lets a new server take over', async () => {
    first = await startServe(env);

    const second = await xdrCli(env, ['serve']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`already served by process ${first.child.pid} \\(API at ${first.url.replace(/\./g, '\\.')}\\)`));
    expect(second.stderr).toMatch(/XDR_ML_HOME/);
    expect((await fetch(`${first.url}/api/ml/health`)).status).toBe(200); // the first one is untouched

    const status = await xdrCli(env, ['status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ embeddedCloudOwner: 'another process' });

    const joined = await openPlatform({ env });
    try {
      expect(joined.cloud?.owner).toBe(false);
      expect(await joined.platform.registry.listModels()).toEqual([]);
      await first.stop('SIGKILL');
      await expect(joined.platform.registry.listModels()).rejects.toThrow(
        new RegExp(`process ${first.child.pid} that ran the embedded cloud of .* has exited`),
      );
      await expect(joined.platform.datasets.objects.exists('x')).rejects.toMatchObject({ name: 'CloudOwnerGoneError' });
    } finally {
      await joined.close();
    }

    third = await startServe(env);
    expect((await fetch(`${third.url}/api/ml/models`)).status).toBe(200);
  }, 240_000);
});
