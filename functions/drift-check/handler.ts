// Scheduled (hourly) and on-demand drift check: runs core's runDriftCheck for the model, publishes
// DriftDetected / PerformanceDegraded, checks the data volume (DataVolumeReached), and prints the
// drift and accuracy metrics as CloudWatch Embedded Metric Format lines for the alarms.
import { z } from 'zod';
import { emfRecord, METRICS, retrainSettings, runScheduledCheck } from '../../core/retraining';
import { handlerPlatform } from '../shared/platform';

const platform = handlerPlatform();
const settings = retrainSettings(process.env);
const { config, stores, registry, events, predictionLog } = platform;

const input = z.object({ model: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).optional(), since: z.iso.datetime({ offset: true }).optional() }).loose();

export const handler = async (event: unknown) => {
  const { model = config.defaultModel, since } = input.parse(event ?? {});
  const now = new Date();
  const { result, volume } = await runScheduledCheck(
    {
      telemetry: stores.buckets.telemetry,
      artefacts: stores.buckets.artefacts,
      registry,
      reports: stores.tables.drift,
      feedback: () => predictionLog.feedbackFor(model),
      events,
      datasets: stores.tables.datasets,
    },
    {
      model,
      now,
      since,
      shareThreshold: config.thresholds.driftShareThreshold,
      dataVolumeThreshold: config.thresholds.dataVolumeThreshold,
      accuracyThreshold: settings.accuracyThreshold,
    },
  );
  const r = result.report;
  console.log(
    JSON.stringify(
      emfRecord(
        model,
        {
          [METRICS.driftShare]: r.verdict === 'insufficient-data' ? undefined : r.driftShare,
          [METRICS.predictionDrift]: r.data?.prediction?.score ?? undefined,
          [METRICS.onlineAccuracy]: r.performance.onlineAccuracy ?? undefined,
        },
        now,
      ),
    ),
  );
  return { reportId: r.reportId, verdict: r.verdict, events: r.events, dataVolumeReached: volume.reached };
};
