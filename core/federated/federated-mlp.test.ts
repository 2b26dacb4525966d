// Federated averaging of the MLP on real CICIDS2017 rows split non-IID across three tenants (see
// testing/cicids-tenants.ts), against the central MLP on the union; with client-level DP the
// accountant's (ε, δ) and the budget refusal.
import { evaluate } from '../evaluation/metrics';
import { MlpLearner } from '../learners/mlp';
import { describeWithData } from '../../test/support/datasets';
import { trainFederatedMlp, MlpParticipant } from './federated-mlp';
import { PrivacyBudgetExceededError } from './rdp-accountant';
import { seededRandomBytes } from './random-bytes';
import { inProcessSecureSum } from './secure-sum';
import { CICIDS_FILE, loadTenantSplit, unionOf, type TenantSplit } from './testing/cicids-tenants';

const MLP = { seed: 42, hiddenLayers: [64, 32], learningRate: 0.003, batchSize: 64 };
const ROUNDS = 15;
const LOCAL_EPOCHS = 2;

describeWithData('federated MLP (FedAvg) on CICIDS2017 split non-IID across three tenants', [CICIDS_FILE], () => {
  let split: TenantSplit;
  beforeAll(async () => {
    split = await loadTenantSplit();
  }, 60_000);
  const participants = () => Object.entries(split.tenants).map(([t, d]) => new MlpParticipant(t, d.X, d.y, 42));
  const secure = () => inProcessSecureSum((participant, session) => seededRandomBytes(`${participant}/${session}`)).secureSum;

  // The target (FedAvg within 0.03 macro-F1 of the central MLP, within 0.06 with DP at ε = 8) is
  // NOT met yet: measured 0.575 (FedProx mu 0.1: 0.635) against 0.827 (DP: 0.08; three clients cannot hide one of them at
  // ε = 8 without drowning the average). What holds, and is asserted: FedAvg beats every tenant's
  // own MLP, and DP spends no more than its budget.
  it('FedAvg beats every tenant alone; with DP it reports (ε, δ) within the budget', async () => {
    const { data, test } = split;
    const union = unionOf(split);
    const central = new MlpLearner({ ...MLP, maxEpochs: ROUNDS * LOCAL_EPOCHS });
    central.fit(union.X, union.y, { schema: data.schema, classes: data.classes });
    const centralF1 = evaluate(test.y, central.predictProba(test.X), data.classes).macroF1;

    const options = { schema: data.schema, classes: data.classes, rounds: ROUNDS, localEpochs: LOCAL_EPOCHS, mlp: MLP, secureSum: secure() };
    const fedavg = await trainFederatedMlp(participants(), options);
    expect(fedavg.privacy).toBeNull();
    const fedavgF1 = evaluate(test.y, MlpLearner.fromJSON(fedavg.document).predictProba(test.X), data.classes).macroF1;

    const fedprox = await trainFederatedMlp(participants(), { ...options, proximalMu: 0.1 });
    const fedproxF1 = evaluate(test.y, MlpLearner.fromJSON(fedprox.document).predictProba(test.X), data.classes).macroF1;
    const private8 = await trainFederatedMlp(participants(), { ...options, dp: { epsilon: 8, delta: 1e-5, clip: 1 } });
    expect(private8.privacy?.epsilon).toBeLessThanOrEqual(8);
    expect(private8.privacy?.epsilon).toBeGreaterThan(7);
    const dpF1 = evaluate(test.y, MlpLearner.fromJSON(private8.document).predictProba(test.X), data.classes).macroF1;
    process.stdout.write(
      `federated MLP: central ${centralF1.toFixed(4)}, FedAvg ${fedavgF1.toFixed(4)}, FedProx (mu 0.1) ${fedproxF1.toFixed(4)}, FedAvg + DP (ε ${private8.privacy?.epsilon.toFixed(2)}, δ 1e-5, σ ${private8.privacy?.noiseMultiplier.toFixed(2)}) ${dpF1.toFixed(4)}\n`,
    );
    const alone = Object.values(split.tenants).map((d) => {
      const own = new MlpLearner({ ...MLP, maxEpochs: ROUNDS * LOCAL_EPOCHS });
      own.fit(d.X, d.y, { schema: data.schema, classes: data.classes });
      return evaluate(test.y, own.predictProba(test.X), data.classes).macroF1;
    });
    process.stdout.write(`federated MLP: each tenant alone ${alone.map((f) => f.toFixed(4)).join(', ')}\n`);
    expect(fedavgF1).toBeGreaterThan(Math.max(...alone));
  }, 300_000);

  it('refuses a run whose rounds would exceed its ε budget before training', async () => {
    const { data } = split;
    // a given noise multiplier too small for the rounds is refused before any statistic or update leaves a tenant
    await expect(
      trainFederatedMlp(participants().slice(0, 2), {
        schema: data.schema,
        classes: data.classes,
        rounds: 5,
        localEpochs: 1,
        mlp: MLP,
        dp: { epsilon: 1, delta: 1e-5, noiseMultiplier: 0.5 },
        secureSum: secure(),
      }),
    ).rejects.toThrow(PrivacyBudgetExceededError);
  });
});
