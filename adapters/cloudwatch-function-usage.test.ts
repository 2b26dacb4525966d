// The CloudWatch reader of the functions' usage against the SDK's real request shapes: the client
// talks to a local HTTP server standing in for CloudWatch (no AWS account here). It records each
// GetMetricData request as the SDK serialises it and answers stubbed figures, paged with NextToken.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloudWatchFunctionUsage, windowPeriodSeconds } from './cloudwatch-function-usage';

interface Query {
  Id: string;
  MetricStat: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }; Period: number; Stat: string };
}

describe('cloudWatchFunctionUsage', () => {
  const seen: { target: string; body: Record<string, unknown> }[] = [];
  let server: Server;
  let client: CloudWatchClient;
  // what CloudWatch holds for predict (the only function invoked in the window)
  const predict: Record<string, number[]> = {
    n: [40, 2],
    p50: [3.2],
    p90: [8.5],
    p99: [21.25],
    mean: [4.1],
    max: [30.5],
    mem: [182],
    err: [1],
    to: [1],
    nm: [2, 1],
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        const body = JSON.parse(text || '{}') as { MetricDataQueries: Query[]; NextToken?: string };
        seen.push({ target: String(req.headers['x-amz-target']), body });
        const results = body.MetricDataQueries.map((q) => {
          const fn = q.MetricStat.Metric.Dimensions.find((d) => d.Name === 'operation')?.Value;
          const key = q.Id.slice(q.Id.indexOf('_') + 1);
          // the first page answers the latency figures, the second the memory and the counts
          const second = ['mem', 'err', 'to', 'nt', 'nm'];
          const onThisPage = body.NextToken ? second.includes(key) : !second.includes(key);
          const values = fn === 'predict' && onThisPage ? (predict[key] ?? []) : [];
          return { Id: q.Id, Label: q.Id, StatusCode: 'Complete', Timestamps: values.map(() => 1772358000), Values: values };
        });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ MetricDataResults: results, ...(body.NextToken ? {} : { NextToken: 'page-2' }) }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new CloudWatchClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("answers each invoked function's figures from the EMF metrics, asking one period over the window", async () => {
    const from = new Date('2026-12-02T12:00:00Z');
    const to = new Date('2026-12-03T12:00:00Z');
    const usage = await cloudWatchFunctionUsage(
      client,
      { namespace: 'MiniXdrMl', service: 'mini-xdr-ml', functions: ['predict', 'retrain-launcher'] },
      from,
      to,
    );

    expect(usage).toEqual([
      {
        function: 'predict',
        invocations: 42,
        errors: 1,
        p50Ms: 3.2,
        p90Ms: 8.5,
        p99Ms: 21.25,
        meanMs: 4.1,
        maxMs: 30.5,
        peakMemoryBytes: 182 * 1048576,
        // the limit counts, absent from CloudWatch when none happened (NearTimeout here): 0
        timeouts: 1,
        nearTimeout: 0,
        nearMemoryLimit: 3,
      },
    ]);
    // the request as the SDK shapes it: GetMetricData, paged, 11 queries per function
    expect(seen.map((s) => s.target)).toEqual(['GraniteServiceVersion20100801.GetMetricData', 'GraniteServiceVersion20100801.GetMetricData']);
    expect(seen[1].body.NextToken).toBe('page-2');
    const queries = seen[0].body.MetricDataQueries as Query[];
    expect(queries).toHaveLength(22);
    expect(seen[0].body.StartTime).toBe(from.getTime() / 1000);
    expect(seen[0].body.EndTime).toBe(to.getTime() / 1000);
    expect(queries[0]).toEqual({
      Id: 'f0_n',
      MetricStat: {
        Metric: {
          Namespace: 'MiniXdrMl',
          MetricName: 'Latency',
          Dimensions: [
            { Name: 'service', Value: 'mini-xdr-ml' },
            { Name: 'operation', Value: 'predict' },
          ],
        },
        Period: 86_400,
        Stat: 'SampleCount',
      },
      ReturnData: true,
    });
    expect(queries.map((q) => `${q.MetricStat.Metric.MetricName}:${q.MetricStat.Stat}`).slice(0, 11)).toEqual([
      'Latency:SampleCount',
      'Latency:p50',
      'Latency:p90',
      'Latency:p99',
      'Latency:Average',
      'Latency:Maximum',
      'MemoryUsed:Maximum',
      'ServerErrors:Sum',
      'Timeouts:Sum',
      'NearTimeout:Sum',
      'NearMemoryLimit:Sum',
    ]);
  });

  it('asks whole minutes, at least one', () => {
    expect(windowPeriodSeconds(new Date(0), new Date(1000))).toBe(60);
    expect(windowPeriodSeconds(new Date(0), new Date(61_000))).toBe(120);
  });
});
