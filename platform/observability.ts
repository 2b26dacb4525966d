// Powertools logger and metrics, created once per process (Lambda module scope).
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const SERVICE_NAME = 'mini-xdr-ml';
export const METRICS_NAMESPACE = 'MiniXdrMl';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
