// A local HTTP server standing in for AWS control-plane APIs (the one place a stub is right: there is
// no AWS account here). SDK clients pointed at it (`endpoint`, or AWS_ENDPOINT_URL_<SERVICE>) send
// their real requests: it records each one — the operation (X-Amz-Target of the JSON protocols,
// e.g. "SageMaker.DescribeTrainingJob", or the REST path of REST-JSON ones, e.g. Batch's
// "/v1/describejobqueues") and the JSON body as the SDK serialised it — and answers what the test
// stubbed for that operation, or a 400 UnknownOperationException naming it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAwsRequest {
  /** X-Amz-Target, else the request path. */
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

export type FakeAwsAnswers = Record<string, (body: Record<string, unknown>) => unknown>;

export interface FakeAws {
  readonly endpoint: string;
  readonly seen: FakeAwsRequest[];
  /** What each operation answers (replace between cases). */
  answers: FakeAwsAnswers;
  close(): Promise<void>;
}

/** Fake credentials for clients pointed at the fake (the SDK signs, nobody checks). */
export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } as const;

/**
 * @example const aws = await startFakeAws(); aws.answers = { 'SageMaker.ListTrainingJobs': () => ({ TrainingJobSummaries: [] }) };
 */
export async function startFakeAws(): Promise<FakeAws> {
  const seen: FakeAwsRequest[] = [];
  const fake = { seen, answers: {} as FakeAwsAnswers } as { endpoint: string; seen: FakeAwsRequest[]; answers: FakeAwsAnswers; close(): Promise<void> };
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const operation = typeof target === 'string' ? target : (req.url ?? '/').split('?')[0];
      const body = JSON.parse(text || '{}') as Record<string, unknown>;
      seen.push({ operation, body });
      const answer = fake.answers[operation] as ((b: Record<string, unknown>) => unknown) | undefined;
      const type = typeof target === 'string' ? 'application/x-amz-json-1.1' : 'application/json';
      res.writeHead(answer ? 200 : 400, { 'content-type': type, ...(answer ? {} : { 'x-amzn-errortype': 'UnknownOperationException' }) });
      res.end(JSON.stringify(answer ? answer(body) : { __type: 'UnknownOperationException', message: `the fake has no answer for ${operation}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections(); // the SDK's keep-alive sockets
    });
  return fake;
}
