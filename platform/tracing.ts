// The Powertools tracer (X-Ray) of a Lambda process, and the hook that captures every AWS SDK
// client the composition root creates, so each S3, DynamoDB, EventBridge, SageMaker or Batch call is
// a traced subsegment. Imported by Lambda handler modules only (platform/lambda.ts).
//
// Outside a Lambda execution environment (the local server, the CLI, tests) tracing is off, and the
// X-Ray SDK is not even loaded: at load it installs an async hook with a destroy callback
// (cls-hooked), which taxes every promise of the process (about 4 % of the local server's CPU in a
// profile of 1-flow predicts). There the tracer is a stand-in that is always off.
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from './observability';

/** Where Powertools would trace: a Lambda execution environment, with tracing not turned off. */
function tracingPossible(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_EXECUTION_ENV) && !env.AWS_SAM_LOCAL && env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';
}

/** What the handlers and the client hook call on a tracer that is off. */
const OFF = {
  isTracingEnabled: () => false,
  putAnnotation: () => undefined,
  captureAWSv3Client: <C>(client: C): C => client,
};

function createTracer(): Tracer {
  if (!tracingPossible()) return OFF as unknown as Tracer; // every caller checks isTracingEnabled() or uses the calls above
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Tracer: PowertoolsTracer } = require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer');
  return new PowertoolsTracer({ serviceName: SERVICE_NAME });
}

export const tracer: Tracer = createTracer();

/** Captures an SDK v3 client (a no-op where tracing is off: outside Lambda, in tests). */
export function traceClient<C>(client: C): C {
  return tracer.captureAWSv3Client(client);
}
