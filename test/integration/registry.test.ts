// The model registry against the embedded DynamoDB: registration, the promotion gate, deploy,
// rollback, alias history, events, the crash-window repair of the history and the JSON export.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../core/audit/audit-log';
import { ConflictError, InvalidInputError, UnknownResourceError, UnprocessableError } from '../../core/errors';
import { MODEL_ALIAS_CHANGED, ModelRegistry, deploy_enhanced_model, rollback_model, writeRegistryExport } from '../../core/registry/model-registry';
import { fixtureComparer, registrationInput } from '../../core/registry/testing/fixtures';
import { InProcessEventBus } from '../../local/event-bus';
import { closeStores, testStores, uniqueId } from '../support/platform';

const thresholds = { minMacroF1: 0.8, maxRecallDrop: 0.05 };

describe('ModelRegistry on the embedded DynamoDB', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));

  function setup() {
    const audit = new AuditLog({ table: stores.tables.audit, stream: uniqueId('audit') });
    const events = new InProcessEventBus();
    const registry = new ModelRegistry({ table: stores.tables.registry, audit, events, compare: fixtureComparer });
    // Model names must start with a letter and hold only a-z, 0-9 and '-'.
    const model = uniqueId('m').toLowerCase();
    return { audit, events, registry, model };
  }

  it('registers immutable numbered versions and lists them', async () => {
    const { registry, model, audit } = setup();

    const v1 = await registry.registerVersion(registrationInput(model));
    const v2 = await registry.registerVersion(registrationInput(model, { macroF1: 0.93, parentVersion: 1 }));

    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(await registry.getVersion(model, 2)).toEqual(v2);
    expect(v2.parentVersion).toBe(1);
    expect(v2.metrics.rocAucMacro).toBeNull(); // stored as JSON keeps it
    expect((await registry.listVersions(model)).map((v) => v.version)).toEqual([1, 2]);
    const summary = (await registry.listModels()).find((m) => m.model === model);
    expect(summary).toMatchObject({ model, versions: 2, latestVersion: 2, aliases: {} });
    const records = await audit.records();
    expect(records.map((r) => [r.action, r.subject])).toEqual([
      ['model.register', `model/${model}/version/1`],
      // the lineage's training spec, recorded at its first registration
      ['lineage.spec.recorded', `model/${model}/spec`],
      ['model.register', `model/${model}/version/2`],
    ]);
  });

  it("records the first version's validation search level in the lineage spec; an update changes or clears it, and a bad level is named", async () => {
    const { registry, model } = setup();

    await registry.registerVersion({ ...registrationInput(model), tune: 'fast' });
    const recorded = await registry.getSpec(model);
    const changed = await registry.updateSpec(model, { tune: 'thorough' }, { actor: 'alice' });
    const cleared = await registry.updateSpec(model, { tune: null }, { actor: 'alice' });

    expect(recorded?.tune).toBe('fast');
    expect(changed.tune).toBe('thorough');
    expect(cleared.tune).toBeUndefined();
    await expect(registry.updateSpec(model, { tune: 'quick' as 'fast' }, { actor: 'alice' })).rejects.toThrow(/^tune: /);
    await expect(registry.registerVersion({ ...registrationInput(model), tune: 'quick' as 'fast' })).rejects.toThrow(/^tune: /);
  });

  it('returns the existing version when the same training job registers again', async () => {
    const { registry, model } = setup();
    const input = registrationInput(model);

    const first = await registry.registerVersion(input);
    const again = await registry.registerVersion(input);
    const other = await registry.registerVersion({ ...input, trainingJobId: 'job-other' });

    expect(again).toEqual(first);
    expect(other.version).toBe(2);
  });

  it('refuses invalid input naming the field', async () => {
    const { registry, model } = setup();

    await expect(registry.registerVersion(registrationInput('Bad_Name'))).rejects.toThrow(InvalidInputError);
    await expect(registry.registerVersion(registrationInput('Bad_Name'))).rejects.toThrow(/^model: /);
    const noMacro = registrationInput(model);
    await expect(registry.registerVersion({ ...noMacro, metrics: { perClass: noMacro.metrics.perClass } })).rejects.toThrow(/^metrics\.macroF1: /);
    await expect(registry.registerVersion(registrationInput(model, { parentVersion: 7 }))).rejects.toThrow(UnknownResourceError);
    await expect(registry.getVersion(model, 1)).rejects.toThrow(UnknownResourceError);
  });

  it('deploys through the gate, refuses a worse candidate unless forced with a reason, and rolls back', async () => {
    const { registry, model, events, audit } = setup();
    await registry.registerVersion(registrationInput(model, { macroF1: 0.88 }));
    await registry.registerVersion(registrationInput(model, { macroF1: 0.91 }));
    await registry.registerVersion(registrationInput(model, { macroF1: 0.94, recall: { 'Brute Force': 0.8 } }));
    await registry.registerVersion(registrationInput(model, { macroF1: 0.7 }));

    const first = await registry.deploy(model, 1, { actor: 'alice', thresholds });
    expect(first).toMatchObject({ forced: false, gate: { passed: true }, event: { published: true } });
    expect(first.move).toMatchObject({ version: 1, revision: 1, kind: 'deploy', actor: 'alice' });
    expect(first.move.fromVersion).toBeUndefined();
    await deploy_enhanced_model(registry, model, 2, { actor: 'alice', reason: 'better macro-F1', thresholds });
    expect(await registry.resolveAlias(model, 'production')).toEqual({ version: 2, revision: 2 });

    // v3 has a better macro-F1 but loses 0.15 of Brute Force recall.
    const refused = await registry.deploy(model, 3, { actor: 'bob', thresholds }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).message).toMatch(/promotion gate refused version 3 .*recall of Brute Force drops 0.150/);
    expect((refused as ConflictError).details).toMatchObject({
      checks: [
        { name: 'feature-schema', passed: true },
        { name: 'class-space', passed: true },
        { name: 'min-macro-f1', passed: true },
        { name: 'max-recall-drop', passed: false },
      ],
    });
    await expect(registry.deploy(model, 4, { actor: 'bob', thresholds })).rejects.toThrow(/macro-F1 0.700 < minimum 0.800/);
    await expect(registry.deploy(model, 3, { actor: 'bob', force: true, thresholds })).rejects.toThrow(InvalidInputError);
    await expect(registry.deploy(model, 3, { actor: 'bob', force: true, reason: '   ', thresholds })).rejects.toThrow(/^reason: /);
    expect(await registry.resolveAlias(model, 'production')).toEqual({ version: 2, revision: 2 });

    const forced = await registry.deploy(model, 3, { actor: 'bob', force: true, reason: 'brute-force campaign over, need the DDoS gains', thresholds });
    expect(forced).toMatchObject({ forced: true, gate: { passed: false }, move: { version: 3, fromVersion: 2, revision: 3 } });

    const back = await registry.rollback(model, { actor: 'carol', reason: 'too many missed brute force' });
    expect(back.move).toMatchObject({ version: 2, fromVersion: 3, revision: 4, kind: 'rollback' });
    const again = await rollback_model(registry, model, { actor: 'carol' });
    expect(again.move).toMatchObject({ version: 1, fromVersion: 2, revision: 5 });
    await expect(registry.rollback(model, { actor: 'carol' })).rejects.toThrow(UnprocessableError);
    const named = await registry.rollback(model, { actor: 'carol', toVersion: 3, reason: 'named' });
    expect(named.move).toMatchObject({ version: 3, fromVersion: 1, revision: 6 });
    await expect(registry.rollback(model, { actor: 'carol', toVersion: 3 })).rejects.toThrow(/already serves version 3/);
    await expect(registry.rollback(model, { actor: 'carol', toVersion: 99 })).rejects.toThrow(UnknownResourceError);

    const history = await registry.aliasHistory(model, 'production');
    expect(history.map((h) => [h.revision, h.kind, h.fromVersion ?? null, h.version])).toEqual([
      [1, 'deploy', null, 1],
      [2, 'deploy', 1, 2],
      [3, 'deploy', 2, 3],
      [4, 'rollback', 3, 2],
      [5, 'rollback', 2, 1],
      [6, 'rollback', 1, 3],
    ]);
    expect(history[2].reason).toBe('brute-force campaign over, need the DDoS gains');

    const moves = events.published.filter((e) => e.detailType === MODEL_ALIAS_CHANGED).map((e) => e.detail);
    expect(moves).toHaveLength(6);
    expect(moves[3]).toEqual({
      model,
      alias: 'production',
      fromVersion: 3,
      toVersion: 2,
      revision: 4,
      kind: 'rollback',
      actor: 'carol',
      reason: 'too many missed brute force',
    });

    const actions = (await audit.records()).map((r) => r.action).filter((a) => a !== 'model.register' && a !== 'lineage.spec.recorded');
    expect(actions).toEqual([
      'model.deploy',
      'model.deploy',
      'model.deploy.refused',
      'model.deploy.refused',
      'model.deploy',
      'model.rollback',
      'model.rollback',
      'model.rollback',
    ]);
    const forcedRecord = (await audit.records()).find((r) => r.action === 'model.deploy' && r.after && (r.after as { version: number }).version === 3);
    expect(forcedRecord).toMatchObject({
      actor: 'bob',
      reason: 'brute-force campaign over, need the DDoS gains',
      parameters: { forced: true, gate: { passed: false } },
    });
    expect((await audit.verify()).ok).toBe(true);
  });

  it('keeps challenger and custom aliases apart, without a gate for a first challenger', async () => {
    const { registry, model } = setup();
    await registry.registerVersion(registrationInput(model, { macroF1: 0.9 }));
    await registry.registerVersion(registrationInput(model, { macroF1: 0.6 }));
    await registry.deploy(model, 1, { actor: 'alice', thresholds });

    const challenger = await registry.deploy(model, 2, { alias: 'challenger', actor: 'alice', thresholds });
    expect(challenger.gate).toMatchObject({ passed: true, skipped: true });
    await registry.moveAlias(model, 'shadow', 2, { expectedRevision: undefined, actor: 'alice', kind: 'manual' });

    expect(await registry.resolveAlias(model, 'challenger')).toEqual({ version: 2, revision: 1 });
    expect(await registry.resolveAlias(model, 'production')).toEqual({ version: 1, revision: 1 });
    expect(await registry.resolveAlias(model, 'missing')).toBeUndefined();
    const described = await registry.describeModel(model);
    expect(Object.keys(described.aliases).sort()).toEqual(['challenger', 'production', 'shadow']);
    expect(described.history).toHaveLength(3);
    await expect(registry.describeModel('no-such-model')).rejects.toThrow(UnknownResourceError);
  });

  it('refuses a move from a stale revision as a lost race', async () => {
    const { registry, model } = setup();
    await registry.registerVersion(registrationInput(model));
    await registry.registerVersion(registrationInput(model, { macroF1: 0.95 }));
    await registry.moveAlias(model, 'production', 1, { expectedRevision: undefined, actor: 'a', kind: 'deploy' });

    const stale = registry.moveAlias(model, 'production', 2, { expectedRevision: undefined, actor: 'b', kind: 'deploy' });

    await expect(stale).rejects.toThrow(ConflictError);
    await expect(stale).rejects.toThrow(/lost the race to a concurrent update/);
    expect(await registry.aliasHistory(model, 'production')).toHaveLength(1);
  });

  it('completes the history entry a crashed mover left unwritten, exactly once', async () => {
    const { registry, model } = setup();
    await registry.registerVersion(registrationInput(model));
    await registry.registerVersion(registrationInput(model, { macroF1: 0.95 }));
    await registry.moveAlias(model, 'production', 1, { expectedRevision: undefined, actor: 'a', kind: 'deploy' });
    // A mover that committed the alias write for revision 2 and died before its history write.
    const pk = `MODEL#${model}`;
    const crashed = { model, alias: 'production', version: 2, fromVersion: 1, revision: 2, kind: 'deploy', actor: 'crashed', at: new Date().toISOString() };
    await stores.tables.registry.putIfRevision({ pk, sk: 'ALIAS#production', entity: 'alias', ...crashed }, 'revision', 1);
    const rawHistory = async () => (await stores.tables.registry.query({ pk })).filter((i) => /^ALIAS#production#/.test(String(i.sk)));
    expect(await rawHistory()).toHaveLength(1);

    expect((await registry.aliasHistory(model, 'production')).map((h) => h.revision)).toEqual([1, 2]);
    await registry.rollback(model, { actor: 'b' });

    const stored = await rawHistory();
    expect(stored.map((i) => [i.revision, i.actor, i.version])).toEqual([
      [1, 'a', 1],
      [2, 'crashed', 2],
      [3, 'b', 1],
    ]);
  });

  it('exports the registry with each version status for models/model_registry.json', async () => {
    const { registry, model } = setup();
    for (const f1 of [0.85, 0.9, 0.92]) await registry.registerVersion(registrationInput(model, { macroF1: f1 }));
    await registry.deploy(model, 2, { actor: 'alice', thresholds });
    await registry.deploy(model, 3, { alias: 'challenger', actor: 'alice', thresholds });
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'registry-export-')), 'models', 'model_registry.json');

    const exported = await writeRegistryExport(registry, file);

    const written = JSON.parse(readFileSync(file, 'utf8')) as typeof exported;
    expect(written).toEqual(exported);
    const entry = written.models[model];
    expect(entry.aliases.production).toMatchObject({ version: 2, revision: 1 });
    expect(entry.versions.map((v) => [v.version, v.status, v.metrics.macroF1])).toEqual([
      [1, 'archived', 0.85],
      [2, 'production', 0.9],
      [3, 'challenger', 0.92],
    ]);
    expect(entry.versions[1].onnx.key).toMatch(new RegExp(`^models/${model}/[0-9a-f]{64}/model.onnx$`));
  });
});
