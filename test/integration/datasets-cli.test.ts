// `xdr-ml datasets …` run as child processes against the test run's embedded cloud (endpoints from
// process.env): ingest a real NSL-KDD file, list, show, re-ingest, synthesize (with --fit), bad flags.
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { DatasetManifest } from '../../core/datasets';
import { datasetPath, describeWithData } from '../support/datasets';
import { uniqueId } from '../support/platform';

const ROOT = path.resolve(__dirname, '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function xdr(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/xdr-ml.js', ...args], { cwd: ROOT, env: process.env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function json<T>(args: readonly string[]): Promise<T> {
  const run = await xdr([...args, '--json']);
  if (run.code !== 0) throw new Error(`xdr-ml ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** KDDTest+ rows per label, as nsl_kdd/SOURCE.md states them. */
const KDD_TEST_LABELS: Record<string, number> = {
  normal: 9711,
  neptune: 4657,
  guess_passwd: 1231,
  mscan: 996,
  warezmaster: 944,
  apache2: 737,
  satan: 735,
  processtable: 685,
  smurf: 665,
  back: 359,
  snmpguess: 331,
  saint: 319,
  mailbomb: 293,
  snmpgetattack: 178,
  portsweep: 157,
  ipsweep: 141,
  httptunnel: 133,
  nmap: 73,
  pod: 41,
  buffer_overflow: 20,
  multihop: 18,
  named: 17,
  ps: 15,
  sendmail: 14,
  xterm: 13,
  rootkit: 13,
  teardrop: 12,
  xlock: 9,
  land: 7,
  xsnoop: 4,
  ftp_write: 3,
  loadmodule: 2,
  worm: 2,
  perl: 2,
  sqlattack: 2,
  udpstorm: 2,
  phf: 2,
  imap: 1,
};

describeWithData('xdr-ml datasets on real NSL-KDD data', ['nsl_kdd/KDDTest+.txt'], () => {
  const name = uniqueId('nsl-test');

  it('ingests KDDTest+, lists it and shows the SOURCE.md rows per label; a second ingest reuses the version', async () => {
    const file = datasetPath('nsl_kdd/KDDTest+.txt');
    const first = await json<DatasetManifest>(['datasets', 'ingest', file, '--name', name]);
    expect(first).toMatchObject({ name, version: 1, format: 'nsl-kdd', rowCount: 22_544, rejectedCount: 0, synthetic: false });
    expect(first.rowsPerLabel).toEqual(KDD_TEST_LABELS);
    expect(first.rowsPerKddCategory).toEqual({ normal: 9711, DoS: 7458, Probe: 2421, R2L: 2754, U2R: 200 });

    const again = await xdr(['datasets', 'ingest', file, '--name', name]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`identical input matched existing version ${name}@1`);
    expect(again.stderr).toBe(''); // stderr is not a terminal: no progress bar

    const listed = await json<{ name: string; version: number; rowCount: number }[]>(['datasets', 'list']);
    expect(listed.filter((d) => d.name === name)).toEqual([expect.objectContaining({ name, version: 1, rowCount: 22_544 })]);

    const shown = await json<DatasetManifest>(['datasets', 'show', name]);
    expect(shown.rowsPerLabel).toEqual(KDD_TEST_LABELS);
    expect(shown.rowCount).toBe(22_544);
    const exact = await json<DatasetManifest>(['datasets', 'show', `${name}@1`]);
    expect(exact.chunks).toEqual(first.chunks);

    const human = await xdr(['datasets', 'show', name]);
    expect(human.stdout).toMatch(/rows\s+22544/);
    expect(human.stdout).toMatch(/guess_passwd\s+1231/);
  });

  it('refuses unknown datasets and versions with exit code 1', async () => {
    const unknown = await xdr(['datasets', 'show', uniqueId('missing')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown dataset/);
    const version = await xdr(['datasets', 'show', `${name}@99`]);
    expect(version.code).toBe(1);
    expect(version.stderr).toContain('has no version 99');
  });
});

describe('xdr-ml datasets synthesize', () => {
  it('marks the version synthetic and dedupes identical runs; a new seed is a new version', async () => {
    const name = uniqueId('syn');
    const args = ['datasets', 'synthesize', '--scenario', 'port-scan,ssh-brute-force', '--rows', '400', '--seed', '11', '--name', name];
    const first = await json<DatasetManifest>(args);
    expect(first).toMatchObject({ name, version: 1, format: 'synthetic', synthetic: true, rowCount: 400 });
    expect(first.rowsPerLabel).toEqual({ PortScan: 200, 'SSH-Patator': 200 });
    const second = await json<DatasetManifest>(args);
    expect(second.version).toBe(1);
    expect(second.createdAt).toBe(first.createdAt);
    const other = await json<DatasetManifest>([...args.slice(0, 7), '12', '--name', name]);
    expect(other.version).toBe(2);
    expect(other.sourceSha256).not.toBe(first.sourceSha256);
  });

  it('--fit derives the scenario from the fit dataset rows of the matching label', async () => {
    const base = uniqueId('fit-base');
    // The fit dataset holds SSH-Patator flows only: ssh-brute-force is refitted, port-scan has no rows.
    await json<DatasetManifest>(['datasets', 'synthesize', '--scenario', 'ssh-brute-force', '--rows', '300', '--seed', '5', '--name', base]);
    const name = uniqueId('fitted');
    const run = await xdr(['datasets', 'synthesize', '--scenario', 'ssh-brute-force,port-scan', '--rows', '200', '--fit', base, '--name', name]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('fit ssh-brute-force: 300 rows (matched by fine label)');
    expect(run.stdout).toContain('fit port-scan: no matching rows, kept as written');
    const shown = await json<DatasetManifest>(['datasets', 'show', name]);
    expect(shown.synthetic).toBe(true);
    expect(shown.lineage).toMatchObject({ synthetic: { fit: { name: base, version: 1 } } });
  });

  it('answers bad flags with exit code 2 and names the flag', async () => {
    const [rows, noName, format, fit] = await Promise.all([
      xdr(['datasets', 'synthesize', '--scenario', 'all', '--rows', '-3', '--name', 'x']),
      xdr(['datasets', 'synthesize', '--scenario', 'all', '--rows', '10']),
      xdr(['datasets', 'ingest', 'whatever.csv', '--name', 'x', '--format', 'parquet']),
      xdr(['datasets', 'synthesize', '--scenario', 'all', '--rows', '10', '--name', 'x', '--fit', 'a@0']),
    ]);
    expect(rows.code).toBe(2);
    expect(rows.stderr).toContain('--rows must be a positive integer');
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('--name');
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format "parquet"');
    expect(fit.code).toBe(2);
    expect(fit.stderr).toContain('--fit');
  });
});
