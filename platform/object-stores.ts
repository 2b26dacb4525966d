// Object stores for any bucket by name, without the rest of the platform: the training container
// stages its inputs and uploads its output with these (its image holds only what training runs).
import type { PlatformConfig } from '../config/config';
import { createAwsClients } from '../adapters/clients';
import { S3ObjectStore } from '../adapters/s3-object-store';
import type { ObjectStore } from '../core/ports';

export interface ObjectStores {
  storeFor(bucket: string): ObjectStore;
  close(): void;
}

/** S3 stores on the configured target (AWS, or an endpoint override). */
export function objectStores(config: PlatformConfig): ObjectStores {
  const clients = createAwsClients(config);
  return {
    storeFor: (bucket) => new S3ObjectStore(clients.s3, bucket),
    close() {
      clients.dynamodb.destroy();
      clients.s3.destroy();
    },
  };
}
