// POST /api/ml/feedback: ground-truth labels for served predictions (by prediction id), joined to
// what was predicted; they feed online accuracy, A/B outcomes and performance-drift checks.
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler } from '../shared/http-handler';
import { FeedbackBody } from './schema';

const deps = handlerPlatform();

export const handler = createHttpHandler({
  name: 'feedback',
  body: FeedbackBody,
  handle: async ({ body }) => {
    const outcome = await deps.predictionLog.feedback(body.feedback);
    return { statusCode: outcome.accepted > 0 ? 201 : 422, body: { accepted: outcome.accepted, rejected: outcome.rejected } };
  },
});
