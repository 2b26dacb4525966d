// End to end: `xdr-ml datasets …` as a user runs it — no endpoints configured, so each command
// starts (or joins) the embedded cloud in its own state directory (XDR_ML_HOME), which persists
// between commands.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatasetManifest } from '../../core/datasets';

const ROOT = path.resolve(__dirname, '..', '..');

describe('xdr-ml datasets on a fresh state directory', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-e2e-datasets-'));
  const env: NodeJS.ProcessEnv = { ...process.env, XDR_ML_HOME: home };
  delete env.XDR_ML_DYNAMODB_ENDPOINT;
  delete env.XDR_ML_S3_ENDPOINT;
  delete env.XDR_ML_TARGET;
  delete env.XDR_ML_STAGE;
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const xdr = (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, ['bin/xdr-ml.js', ...args], { cwd: ROOT, env }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
      });
    });

  it('ingests a generic CSV with a declared schema, reports its rejected line, and keeps it across commands', async () => {
    const csv = path.join(home, 'flows.csv');
    writeFileSync(
      csv,
      ['id,proto,bytes,attack_cat,label', '1,tcp,100,BENIGN,0', '2,udp,250,DoS,1', '3,tcp,oops,DoS,1', '4,tcp,90,PortScan,1', '5,tcp,100,BENIGN,0'].join('\n') +
        '\n',
    );
    const ingest = await xdr([
      'datasets',
      'ingest',
      csv,
      '--name',
      'flows',
      '--format',
      'csv',
      '--label-column',
      'attack_cat',
      '--drop',
      'id,label',
      '--categorical',
      'proto',
    ]);
    expect(ingest.stderr).toBe('');
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toContain('created flows@1');
    expect(ingest.stdout).toMatch(/rejected\s+1\n\s+line 4: .*bytes/);
    expect(ingest.stdout).toMatch(/duplicates\s+1/);

    const show = await xdr(['datasets', 'show', 'flows@1', '--json']);
    expect(show.code).toBe(0);
    const manifest = JSON.parse(show.stdout) as DatasetManifest;
    expect(manifest).toMatchObject({ rowCount: 4, rowsPerLabel: { BENIGN: 2, DoS: 1, PortScan: 1 }, rejectedCount: 1 });
    expect(manifest.schema.features).toEqual([
      { name: 'proto', kind: 'categorical', vocabulary: ['tcp', 'udp'] },
      { name: 'bytes', kind: 'numeric' },
    ]);

    const list = await xdr(['datasets', 'list']);
    expect(list.stdout).toMatch(/flows\s+1\s+csv\s+4/);
  });
});
