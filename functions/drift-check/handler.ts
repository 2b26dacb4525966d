// Scheduled (hourly) and on-demand drift check: for one model, or — the schedule's input names
// none — for every lineage with a production alias: the platform's drift check (DriftDetected /
// PerformanceDegraded, then the data-volume check's DataVolumeReached), and the drift and accuracy
// metrics (Powertools, per lineage and across lineages) for the alarms.
import { z } from 'zod';
import { ModelName } from '../../core/names';
import { METRICS } from '../../core/retraining';
import { handlerPlatform, logger } from '../../platform/lambda';
import { createEventHandler, lineageMetrics } from '../shared/event-handler';

const { retraining } = handlerPlatform();

const input = z.object({ model: ModelName.optional(), since: z.iso.datetime({ offset: true }).optional() }).loose();

async function check(model: string, since: string | undefined, now: Date) {
  const { result, volume } = await retraining.checkDrift(model, { now, ...(since ? { since } : {}) });
  const r = result.report;
  lineageMetrics(model, {
    [METRICS.driftShare]: r.verdict === 'insufficient-data' ? undefined : r.driftShare,
    [METRICS.predictionDrift]: r.data?.prediction?.score ?? undefined,
    [METRICS.onlineAccuracy]: r.performance.onlineAccuracy ?? undefined,
  });
  return { model, reportId: r.reportId, verdict: r.verdict, events: r.events, dataVolumeReached: volume.reached };
}

export const handler = createEventHandler('drift-check', async (event: unknown) => {
  const { model, since } = input.parse(event ?? {});
  const now = new Date();
  if (model) return check(model, since, now);
  const out = [];
  for (const m of await retraining.watchedModels()) {
    try {
      out.push(await check(m, since, now));
    } catch (error) {
      // one lineage's failure (a corrupt profile …) does not stop the others' checks
      logger.error('drift check failed', { model: m, error: error as Error });
      out.push({ model: m, outcome: 'failed', error: (error as Error).message });
    }
  }
  return out;
});
