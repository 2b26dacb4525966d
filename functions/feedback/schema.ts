// POST /api/ml/feedback: the request schema (used by the handler) and the route's contract.
import { z } from 'zod';
import type { RouteSchemas } from '../shared/route-schema';

export const MAX_FEEDBACK_PER_REQUEST = 1000;

export const FeedbackBody = z
  .object({
    feedback: z
      .array(z.object({ predictionId: z.string().min(3).max(200), label: z.string().min(1).max(200) }).strict())
      .min(1)
      .max(MAX_FEEDBACK_PER_REQUEST),
  })
  .strict();

export const ROUTES: RouteSchemas = {
  'POST /api/ml/feedback': {
    summary: 'Ground-truth labels for served predictions, by prediction id',
    body: FeedbackBody,
    success: { status: 201, description: 'at least one item accepted' },
    errors: { 422: 'nothing accepted (unknown ids, repeats); `rejected` says why for each' },
    example: {
      body: { feedback: [{ predictionId: '3f0c6a1e-4d1b-4a8e-9b7a-2f0c6a1e4d1b:0', label: 'DoS Hulk' }] },
      response: { accepted: 1, rejected: [] },
    },
  },
};
