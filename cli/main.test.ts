// The CLI's front door: the lazy command table agrees with each command's registration; usage
// errors (commander's own included) exit 2 and suggest the nearest name; the bin runs through a
// symlink, as npx, `npm exec` and a global install call it (a fresh install in a temp project).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildProgram, COMMANDS } from './main';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'xdr-ml.js');

async function exec(file: string, args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env: { ...process.env, XDR_ML_HOME: path.join(os.tmpdir(), 'xdr-ml-cli-test-home') } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the command table', () => {
  it('names every command with the summary and arguments its registration declares', () => {
    // Prepare: every command registered for real
    const program = buildProgram([], { all: true });
    // Assess
    const real = new Map(program.commands.map((c) => [c.name(), c]));
    expect([...real.keys()].sort()).toEqual(COMMANDS.map((c) => c.name).sort());
    for (const entry of COMMANDS) {
      const command = real.get(entry.name)!;
      expect(command.description()).toBe(entry.summary);
      expect(command.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ')).toBe(entry.usage ?? '');
    }
  });

  it('registers only the command being run', () => {
    const program = buildProgram(['node', 'xdr-ml', 'status', '--json']);
    expect(program.commands.find((c) => c.name() === 'status')!.options.map((o) => o.long)).toContain('--json');
    expect(program.commands.find((c) => c.name() === 'train')!.options).toHaveLength(0);
  });
});

describe('usage errors', () => {
  it.each([
    [['stauts'], /unknown command 'stauts'[\s\S]*Did you mean status\?/],
    [['status', '--jsn'], /unknown option '--jsn'[\s\S]*Did you mean --json\?/],
    [['deploy', 'general'], /missing required argument 'version'/],
    [['train', '--dataset', 'd', '--model', 'm', '--param', 'nRound=5'], /unknown GBDT parameter 'nRound' \(did you mean 'nRounds'\?\)/],
    [['train', '--dataset', 'd', '--model', 'm', '--algorithm', 'mlp', '--param', 'hiddenLayer=8'], /did you mean 'hiddenLayers'\?/],
  ])('%j exits 2 and says what to type', async (args, message) => {
    const { code, stderr } = await exec(process.execPath, [CLI, ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('--help and --version exit 0', async () => {
    const help = await exec(process.execPath, [CLI, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: xdr-ml/);
    for (const entry of COMMANDS) expect(help.stdout).toContain(entry.name);
    expect((await exec(process.execPath, [CLI, '--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the bin through a symlink', () => {
  let project: string;
  beforeAll(async () => {
    // Prepare: a fresh project that installs this package (npm links a directory: node_modules/.bin/xdr-ml is a symlink)
    project = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-consumer-'));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ROOT], { cwd: project });
  }, 120_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('runs the CLI through npm exec', async () => {
    const help = await exec('npm', ['exec', '--', 'xdr-ml', '--help'], project);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: xdr-ml/);
    const usage = await exec('npm', ['exec', '--', 'xdr-ml', 'stauts'], project);
    expect(usage.code).toBe(2);
  }, 60_000);

  it('runs the CLI through the project bin symlink itself', async () => {
    const { code, stdout } = await exec(path.join(project, 'node_modules', '.bin', 'xdr-ml'), ['--version'], project);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
