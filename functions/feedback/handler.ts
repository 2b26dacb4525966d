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
    if (outcome.accepted > 0) return { statusCode: 201, body: { accepted: outcome.accepted, rejected: outcome.rejected } };
    // nothing taken: an error like every other refusal, naming each item (body.feedback.<i>.predictionId) and why
    const details = outcome.rejected.slice(0, 50).map((r) => ({
      field: `body.feedback.${body.feedback.findIndex((f) => f.predictionId === r.predictionId)}.predictionId`,
      message: r.reason,
    }));
    return {
      statusCode: 422,
      body: {
        error: 'NothingAccepted',
        message: `no feedback item was accepted: ${outcome.rejected[0]?.reason ?? 'none given'}`,
        details,
        accepted: 0,
        rejected: outcome.rejected,
      },
    };
  },
});
