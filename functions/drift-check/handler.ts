// Scheduled (hourly) and on-demand drift check: runs core's runDriftCheck for the model, publishes
// DriftDetected / PerformanceDegraded, checks the data volume (DataVolumeReached), and prints the
// drift and accuracy metrics as CloudWatch Embedded Metric Format lines for the alarms.
import { z } from 'zod';
import { runDriftCheck, publishDriftEvents } from '../../core/drift-check';
import { checkDataVolume, emfRecord, METRICS, retrainSettings } from '../../core/retraining';
import { eventFunctionPlatform } from './platform';

const platform = eventFunctionPlatform();
const settings = retrainSettings(process.env);
const { config, stores, registry, events, predictionLog } = platform;

const input = z.object({ model: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).optional(), since: z.iso.datetime({ offset: true }).optional() }).loose();

export const handler = async (event: unknown) => {
  const { model = config.defaultModel, since } = input.parse(event ?? {});
  const now = new Date();
  const result = await runDriftCheck(
    { telemetry: stores.buckets.telemetry, artefacts: stores.buckets.artefacts, registry, reports: stores.tables.drift, feedback: () => predictionLog.feedbackFor(model) },
    { model, now, ...(since ? { since } : {}), drift: { shareThreshold: config.thresholds.driftShareThreshold }, accuracyThreshold: settings.accuracyThreshold },
  );
  await publishDriftEvents(events, result);
  const volume = await checkDataVolume({ datasets: stores.tables.datasets, events }, { model, threshold: config.thresholds.dataVolumeThreshold, now });
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
