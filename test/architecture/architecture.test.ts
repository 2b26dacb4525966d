// The import direction, as a test: dependency-cruiser with .dependency-cruiser.cjs over the whole
// project must find nothing, and over a fixture of deliberately wrong imports must name each one.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const FOLDERS = ['config', 'core', 'adapters', 'local', 'platform', 'functions', 'cli', 'training-container', 'infra', 'bench', 'test'];

function cruise(cwd: string, folders: readonly string[]): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'err', '--exclude', 'test/architecture/fixtures', ...folders], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('architecture', () => {
  it('has no import against the direction doors → platform → adapters → core, no AWS SDK outside the adapters, no cycle', () => {
    const { status, output } = cruise(ROOT, FOLDERS);
    expect(output).toMatch(/no dependency violations found/);
    expect(status).toBe(0);
  });

  it('names every wrong import of the fixture', () => {
    const { status, output } = cruise(path.join(__dirname, 'fixtures', 'wrong-imports'), ['core', 'adapters', 'cli']);
    expect(status).not.toBe(0);
    expect(output).toMatch(/core-imports-downward: core\/engine\.ts → adapters\/store\.ts/);
    expect(output).toMatch(/core-without-cloud-libraries: core\/engine\.ts → .*@aws-sdk\/client-s3/);
    expect(output).toMatch(/doors-through-platform: cli\/command\.ts → adapters\/store\.ts/);
    expect(output).toMatch(/no-circular: core\/cycle-(a|b)\.ts/);
  });
});
