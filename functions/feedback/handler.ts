// POST /api/ml/feedback: ground-truth labels for served predictions (by prediction id), joined to
// what was predicted; they feed online accuracy, A/B outcomes and performance-drift checks.
import { z } from 'zod';
import { handlerPlatform } from '../../platform';
import { createHttpHandler } from '../shared/http-handler';

const deps = handlerPlatform();

export const MAX_FEEDBACK_PER_REQUEST = 1000;

const Body = z
  .object({
    feedback: z
      .array(z.object({ predictionId: z.string().min(3).max(200), label: z.string().min(1).max(200) }).strict())
      .min(1)
      .max(MAX_FEEDBACK_PER_REQUEST),
  })
  .strict();

export const handler = createHttpHandler({
  name: 'feedback',
  body: Body,
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
