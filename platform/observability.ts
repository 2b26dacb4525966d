// Powertools logger and metrics, created once per process (Lambda module scope). The tracer lives
// in ./tracing.ts, loaded by Lambda handler modules only (the X-Ray SDK costs the CLI ~0.25 s).
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_NAMESPACE, METRIC_SERVICE } from '../core/retraining/metrics';

export const SERVICE_NAME = METRIC_SERVICE;
export const METRICS_NAMESPACE = METRIC_NAMESPACE;

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * Whether the metrics singleton publishes anything (POWERTOOLS_METRICS_DISABLED or POWERTOOLS_DEV
 * turn it off; the local server's default). Fixed when the singleton is made, so read once: a chain
 * skips storing metrics nothing will publish.
 */
export const metricsPublished: boolean = !(metrics as unknown as { isDisabled(): boolean }).isDisabled();
