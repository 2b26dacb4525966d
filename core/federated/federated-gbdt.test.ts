// Federated GBDT on real CICIDS2017 rows (cicids2017/cic_ids2017_multiclass.csv.gz, fine labels),
// split non-IID across three tenants: each holds a share of BENIGN and a different family of
// attacks; the test split is common. Without DP the federated model is the central model on the
// union (same bin mapper, same trees, predictions equal to 1e-6), and it beats every tenant's own.
import { evaluate } from '../evaluation/metrics';
import { GbdtLearner } from '../learners/gbdt';
import { describeWithData } from '../../test/support/datasets';
import { FederatedTrainingError } from './errors';
import { centralEquivalentParams, GbdtParticipant, trainFederatedGbdt, type FederatedGbdtParams } from './federated-gbdt';
import { seededRandomBytes } from './random-bytes';
import { inProcessSecureSum } from './secure-sum';
import { CICIDS_FILE, loadTenantSplit, unionOf, type TenantSplit } from './testing/cicids-tenants';

const PARAMS: FederatedGbdtParams = { seed: 42, nRounds: 20, maxDepth: 4, learningRate: 0.3 };

describeWithData('federated GBDT on CICIDS2017 split non-IID across three tenants', [CICIDS_FILE], () => {
  let split: TenantSplit;
  beforeAll(async () => {
    split = await loadTenantSplit();
  }, 60_000);

  it('equals central training on the union (same bins, same trees, predictions to 1e-6) and beats every tenant alone by 0.10 macro-F1', async () => {
    const { data, tenants, test } = split;
    const names = Object.keys(tenants);
    const participants = names.map((t) => new GbdtParticipant(t, tenants[t].X, tenants[t].y, data.classes.length));
    const { secureSum, stats } = inProcessSecureSum((participant, session) => seededRandomBytes(`${participant}/${session}`));
    const { document, aggregations } = await trainFederatedGbdt(participants, { schema: data.schema, classes: data.classes, params: PARAMS, secureSum });
    const federated = GbdtLearner.fromJSON(document);

    const union = unionOf(split);
    const central = new GbdtLearner(centralEquivalentParams(PARAMS));
    central.fit(union.X, union.y, { schema: data.schema, classes: data.classes });
    const centralDoc = central.toJSON();

    expect(document.preprocessing).toEqual(centralDoc.preprocessing);
    expect(document.baseScore).toEqual(centralDoc.baseScore);
    expect(document.trees.map((t) => [t.classIndex, t.feature, t.threshold, t.left])).toEqual(
      centralDoc.trees.map((t) => [t.classIndex, t.feature, t.threshold, t.left]),
    );
    const pf = federated.predictProba(test.X);
    const pc = central.predictProba(test.X);
    let maxDiff = 0;
    for (let i = 0; i < pf.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pf[i] - pc[i]));
    expect(maxDiff).toBeLessThan(1e-6);

    const federatedF1 = evaluate(test.y, pf, data.classes).macroF1;
    const alone = names.map((t) => {
      const own = new GbdtLearner(centralEquivalentParams(PARAMS));
      own.fit(tenants[t].X, tenants[t].y, { schema: data.schema, classes: data.classes });
      return evaluate(test.y, own.predictProba(test.X), data.classes).macroF1;
    });
    expect(federatedF1).toBeGreaterThanOrEqual(Math.max(...alone) + 0.1);
    expect(aggregations).toBe(stats.aggregations);
    for (const t of names) expect(stats.bytesSent.get(t)).toBeGreaterThan(0);
    process.stdout.write(
      `federated GBDT: macro-F1 ${federatedF1.toFixed(4)} (alone: ${alone.map((f) => f.toFixed(4)).join(', ')}), max |Δp| vs central ${maxDiff.toExponential(2)}, ` +
        `${aggregations} secure sums, ${names.map((t) => `${t} ${((stats.bytesSent.get(t) ?? 0) / 1e6).toFixed(1)} MB`).join(', ')}\n`,
    );
  }, 300_000);

  it('refuses a single participant and a minChildWeight too small to imply the two-row rule', async () => {
    const { data, tenants } = split;
    const { secureSum } = inProcessSecureSum();
    const [first, second] = Object.entries(tenants).map(([t, d]) => new GbdtParticipant(t, d.X, d.y, data.classes.length));
    await expect(trainFederatedGbdt([first], { schema: data.schema, classes: data.classes, params: PARAMS, secureSum })).rejects.toThrow(
      /at least 2 participants/,
    );
    await expect(
      trainFederatedGbdt([first, second], { schema: data.schema, classes: data.classes, params: { ...PARAMS, minChildWeight: 0.1 }, secureSum }),
    ).rejects.toThrow(FederatedTrainingError);
  });
});
