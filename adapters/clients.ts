// AWS SDK v3 clients built from the platform configuration. With an endpoint override they talk
// to the embedded local cloud (or LocalStack); without one, to real AWS with the default
// credential chain.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../config/config';

/** Static credentials for local endpoints: the embedded servers accept any key. */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly s3: S3Client;
}

/** Creates the SDK clients once per process (Lambda module scope, CLI start); `instrument` wraps each (the tracer's capture). */
export function createAwsClients(config: PlatformConfig, instrument: <C>(client: C) => C = (c) => c): AwsClients {
  const dynamodb = instrument(
    new DynamoDBClient({
      region: config.region,
      ...(config.endpoints.dynamodb ? { endpoint: config.endpoints.dynamodb, credentials: LOCAL_CREDENTIALS } : {}),
    }),
  );
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    // Metrics can exceed 2^53 (counters never do); DynamoDB keeps 38 significant digits anyway.
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false, allowImpreciseNumbers: true },
    // Plain JS numbers back (never BigInt: items must stay JSON-serialisable).
    unmarshallOptions: { wrapNumbers: (text: string) => Number(text) },
  });
  const s3 = instrument(
    new S3Client({
      region: config.region,
      // Local S3 servers predate flexible checksums: only send them when an operation requires one.
      ...(config.endpoints.s3
        ? {
            endpoint: config.endpoints.s3,
            forcePathStyle: true,
            credentials: LOCAL_CREDENTIALS,
            requestChecksumCalculation: 'WHEN_REQUIRED' as const,
            responseChecksumValidation: 'WHEN_REQUIRED' as const,
          }
        : {}),
    }),
  );
  return { dynamodb, documents, s3 };
}
