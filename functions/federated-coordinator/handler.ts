// EventBridge target of FederatedRunStarted: starts the run's participant jobs and coordinates its
// rounds to a registered candidate (core/federated/protocol). A run already started is not
// started twice (the run's state is checked with a conditional write).
import { z } from 'zod';
import { handlerPlatform, logger } from '../../platform/lambda';
import { createEventHandler } from '../shared/event-handler';

const { federated } = handlerPlatform();
const detail = z.object({ runId: z.string().min(1) }).loose();

export const handler = createEventHandler('federated-coordinator', async (event: { readonly detail?: unknown }) => {
  const { runId } = detail.parse(event.detail);
  const { run, outcome } = await federated.coordinate(runId);
  logger.info('federated run finished', { runId, state: run.state, version: run.version ?? null, outcome: outcome.outcome });
  return { runId, state: run.state, version: run.version ?? null };
});
