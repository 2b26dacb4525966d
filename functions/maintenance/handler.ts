// Scheduled maintenance (every 15 minutes on AWS; at start-up and on the same schedule locally):
// lost training jobs are failed with the reason (their lineage's lock freed) or completed from
// what their backend says; registry changes a crash left without an audit record get one.
import { handlerPlatform, logger } from '../../platform/lambda';
import { createEventHandler } from '../shared/event-handler';

const platform = handlerPlatform();

export const handler = createEventHandler('maintenance', async () => {
  const { jobs, auditRecovered } = await platform.maintain();
  logger.info('maintenance', { inspected: jobs.inspected, failed: jobs.failed, completed: jobs.completed, auditRecovered });
  return { outcome: 'done', jobs, auditRecovered };
});
