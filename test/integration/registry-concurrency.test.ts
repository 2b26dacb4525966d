// ACCEPTANCE: alias moves are linearizable on the embedded DynamoDB. 50 concurrent deploy and
// rollback calls on one alias end with the alias at exactly one version, exactly one history entry
// per successful call, and every failed call told that it lost the race. Version numbers stay
// unique under concurrent registrations.
import { AuditLog } from '../../core/audit/audit-log';
import { ConflictError } from '../../core/errors';
import { MODEL_ALIAS_CHANGED, ModelRegistry, type AliasMove } from '../../core/registry/model-registry';
import { fixtureComparer, registrationInput } from '../../core/registry/testing/fixtures';
import { SeededRandom } from '../../core/util/random';
import { InProcessEventBus } from '../../local/event-bus';
import { closeStores, testStores, uniqueId } from '../support/platform';

const thresholds = { minMacroF1: 0.5, maxRecallDrop: 0.5 };

describe('registry concurrency on the embedded DynamoDB', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));

  function setup() {
    const audit = new AuditLog({ table: stores.tables.audit, stream: uniqueId('audit') });
    const events = new InProcessEventBus();
    const registry = new ModelRegistry({ table: stores.tables.registry, audit, events, compare: fixtureComparer });
    return { audit, events, registry, model: uniqueId('c').toLowerCase() };
  }

  it('50 concurrent deploys and rollbacks on one alias: one final version, one history entry per success, every failure a lost race', async () => {
    const { registry, model, audit, events } = setup();
    const VERSIONS = 4;
    for (let i = 0; i < VERSIONS; i++) await registry.registerVersion(registrationInput(model, { macroF1: 0.8 + i * 0.01, seed: `v${i}` }));
    // A deep alias history, so that no rollback in the burst runs out of previous versions.
    const SEED_MOVES = 30;
    let revision: number | undefined;
    for (let i = 0; i < SEED_MOVES; i++) {
      revision = (await registry.moveAlias(model, 'production', 1 + (i % VERSIONS), { expectedRevision: revision, actor: 'seed', kind: 'deploy' })).move
        .revision;
    }
    const auditBefore = (await audit.records()).length;

    // Start times spread over one second (seeded), so that some calls read the alias
    // after others have moved it: several rounds of races, not one.
    const random = new SeededRandom(50);
    const delays = Array.from({ length: 50 }, () => random.int(1000));
    const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const calls = delays.map((delay, i) =>
      pause(delay).then(() =>
        i % 2 === 0
          ? registry.deploy(model, 1 + ((i / 2) % VERSIONS), { actor: `deployer-${i}`, reason: `call ${i}`, thresholds }).then((r) => r.move)
          : registry.rollback(model, { actor: `roller-${i}`, reason: `call ${i}` }).then((r) => r.move),
      ),
    );
    const settled = await Promise.allSettled(calls);

    const successes = settled.filter((s): s is PromiseFulfilledResult<AliasMove> => s.status === 'fulfilled').map((s) => s.value);
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as Error);
    // Figures for the report.
    process.stdout.write(`concurrency: ${successes.length} successful moves, ${failures.length} lost races out of 50 calls\n`);
    expect(successes.length).toBeGreaterThanOrEqual(2); // several rounds of races
    expect(failures.length).toBeGreaterThanOrEqual(1); // the burst really raced
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(ConflictError);
      expect(failure.message).toMatch(/lost the race to a concurrent update/);
    }

    // Exactly one history entry per successful call, in one linear chain.
    const history = await registry.aliasHistory(model, 'production');
    expect(history).toHaveLength(SEED_MOVES + successes.length);
    expect(history.map((h) => h.revision)).toEqual(Array.from({ length: history.length }, (_, i) => i + 1));
    for (let i = 1; i < history.length; i++) expect(history[i].fromVersion).toBe(history[i - 1].version);
    const burst = history.slice(SEED_MOVES);
    expect(burst.map((h) => h.actor).sort()).toEqual(successes.map((s) => s.actor).sort());
    expect(new Set(successes.map((s) => s.revision)).size).toBe(successes.length);
    const stored = (await stores.tables.registry.query({ pk: `MODEL#${model}` })).filter((i) => /^ALIAS#production#/.test(String(i.sk)));
    expect(stored).toHaveLength(SEED_MOVES + successes.length);

    // The alias ends at exactly one version: the last successful move's.
    const last = history[history.length - 1];
    expect(await registry.resolveAlias(model, 'production')).toEqual({ version: last.version, revision: SEED_MOVES + successes.length });
    expect(successes.find((s) => s.revision === last.revision)?.version).toBe(last.version);

    // Each success was audited and announced once; the audit chain is intact.
    const burstAudit = (await audit.records()).slice(auditBefore);
    expect(burstAudit.filter((r) => r.action === 'model.deploy' || r.action === 'model.rollback')).toHaveLength(successes.length);
    expect(await audit.verify()).toMatchObject({ ok: true });
    expect(events.published.filter((e) => e.detailType === MODEL_ALIAS_CHANGED)).toHaveLength(SEED_MOVES + successes.length);
  });

  it('20 concurrent registrations get 20 distinct version numbers', async () => {
    const { registry, model } = setup();

    const versions = await Promise.all(Array.from({ length: 20 }, (_, i) => registry.registerVersion(registrationInput(model, { seed: `r${i}` }))));

    const numbers = versions.map((v) => v.version).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await registry.listVersions(model)).map((v) => v.version)).toEqual(numbers);
    const bySeed = new Map(versions.map((v) => [v.version, v.artefacts.onnx.sha256]));
    for (const stored of await registry.listVersions(model)) expect(stored.artefacts.onnx.sha256).toBe(bySeed.get(stored.version));
  });
});
