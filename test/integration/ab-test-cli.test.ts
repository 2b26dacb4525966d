// `xdr-ml ab-test …` run as child processes against the test run's embedded cloud: create (and the
// refusal of a corrupt challenger), list, results (text and --json), stop refusing an unjustified
// promotion, and a forced promotion through the gated deploy.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { AuditLog } from '../../core/audit/audit-log';
import type { Experiment, ExperimentResults } from '../../core/experiments';
import { ModelRegistry } from '../../core/registry/model-registry';
import { registrationInput } from '../../core/registry/testing/fixtures';
import { InProcessEventBus } from '../../local/event-bus';
import { uploadTestBundle } from '../support/model-bundles';
import { closeStores, testStores, uniqueId } from '../support/platform';

const ROOT = path.resolve(__dirname, '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function xdr(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/xdr-ml.js', ...args], { cwd: ROOT, env: { ...process.env, XDR_ML_ACTOR: 'cli-test' } }, (error, stdout, stderr) => {
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

describe('xdr-ml ab-test', () => {
  jest.setTimeout(120_000);
  const stores = testStores();
  const audit = new AuditLog({ table: stores.tables.audit });
  const registry = new ModelRegistry({ table: stores.tables.registry, audit, events: new InProcessEventBus() });
  afterAll(() => closeStores(stores));

  it('creates, lists, reports and stops a test, promoting only when forced with a reason', async () => {
    const model = uniqueId('abcli');
    const a = await uploadTestBundle(stores.buckets.artefacts, model, { rounds: 20 });
    const b = await uploadTestBundle(stores.buckets.artefacts, model, { rounds: 8, seed: 3 });
    const perClass = Object.fromEntries(a.classes.map((c) => [c, { precision: 0.9, recall: 0.9, f1: 0.9, support: 100 }]));
    for (const [refs, seed] of [
      [a.refs, 'a'],
      [b.refs, 'b'],
      [{ ...a.refs, onnx: { ...a.refs.onnx, sha256: '0'.repeat(64) } }, 'c'],
    ] as const) {
      await registry.registerVersion({ ...registrationInput(model, { seed }), artefacts: refs, classes: a.classes, metrics: { macroF1: 0.9, perClass } });
    }
    await registry.deploy(model, 1, { actor: 'test', thresholds: { minMacroF1: 0.5, maxRecallDrop: 0.05 } });

    const corrupt = await xdr(['ab-test', 'create', model, '3', '--split', '0.5']);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/challenger .*v3\) failed to load/);
    const usage = await xdr(['ab-test', 'create', model, '2', '--split', '2']);
    expect(usage.code).toBe(2);

    const created = await json<{ id: string; experiment: Experiment }>([
      'ab-test',
      'create',
      model,
      '2',
      '--split',
      '0.25',
      '--routing-key',
      'Source IP',
      '--min-samples',
      '100',
    ]);
    expect(created.experiment).toMatchObject({
      model,
      championVersion: 1,
      challengerVersion: 2,
      trafficSplit: 0.25,
      routingKey: 'Source IP',
      createdBy: 'cli-test',
    });

    // the API's answer shape: { experiments }
    const { experiments: listed } = await json<{ experiments: Experiment[] }>(['ab-test', 'list', '--model', model]);
    expect(listed.map((e) => e.id)).toEqual([created.id]);

    const results = await json<ExperimentResults>(['ab-test', 'results', created.id]);
    expect(results).toMatchObject({ recommendation: 'keep_running', samples_a: 0, samples_b: 0, winner: null });
    const text = await xdr(['ab-test', 'results', created.id]);
    expect(text.stdout).toContain('recommendation: keep_running');
    // each look is recorded: the last history point is the latest look's figures
    const again = await json<ExperimentResults & { history: { at: string; pValue: number | null; championLabelled: number }[] }>([
      'ab-test',
      'results',
      created.id,
    ]);
    expect(again.history.at(-1)).toMatchObject({ at: again.computedAt, pValue: null, championLabelled: 0 });
    expect(text.stdout).toMatch(/^history: [12] point\(s\) from \S+ to \S+; mSPRT p - → -/m);

    const refused = await xdr(['ab-test', 'stop', created.id, '--promote']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is not justified: the recommendation is keep_running');
    const stopped = await json<{ experiment: Experiment; promotion: { move: { version: number } } | null }>([
      'ab-test',
      'stop',
      created.id,
      '--promote',
      '--force',
      '--reason',
      'offline evaluation is enough',
    ]);
    expect(stopped.experiment).toMatchObject({ state: 'stopped', outcome: 'promoted', stoppedBy: 'cli-test' });
    expect(stopped.promotion?.move.version).toBe(2);
    expect((await registry.resolveAlias(model, 'production'))?.version).toBe(2);
  });
});
