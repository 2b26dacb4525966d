// Scheduled (hourly) and on-demand drift check: the platform's drift check for the model
// (DriftDetected / PerformanceDegraded, then the data-volume check's DataVolumeReached), and the
// drift and accuracy metrics as CloudWatch Embedded Metric Format lines for the alarms.
import { z } from 'zod';
import { ModelName } from '../../core/names';
import { emfRecord, METRICS } from '../../core/retraining';
import { handlerPlatform } from '../../platform';

const { config, retraining } = handlerPlatform();

const input = z.object({ model: ModelName.optional(), since: z.iso.datetime({ offset: true }).optional() }).loose();

export const handler = async (event: unknown) => {
  const { model = config.defaultModel, since } = input.parse(event ?? {});
  const now = new Date();
  const { result, volume } = await retraining.checkDrift(model, { now, ...(since ? { since } : {}) });
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
