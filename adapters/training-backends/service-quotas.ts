// The Service Quotas client of the capacity checks (SageMaker's training quotas, Fargate's vCPU quota).
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { PlatformConfig } from '../../config/config';

/** The Service Quotas client of a configuration (the region), for the capacity check. */
export function createServiceQuotasClient(config: PlatformConfig): ServiceQuotasClient {
  return new ServiceQuotasClient({ region: config.region });
}
