// The Powertools tracer (X-Ray) of a Lambda process, and the hook that captures every AWS SDK
// client the composition root creates, so each S3, DynamoDB, EventBridge, SageMaker or Batch call is
// a traced subsegment. Imported by Lambda handler modules only (platform/lambda.ts).
import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from './observability';

export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/** Captures an SDK v3 client (a no-op where tracing is off: outside Lambda, in tests). */
export function traceClient<C>(client: C): C {
  return tracer.captureAWSv3Client(client);
}
