// The limit counts through the real middy chains: an HTTP function that would run past its timeout
// answers a 500 TIMEOUT_EARLY_MS before Lambda's deadline and counts a timeout; an invocation whose
// process holds more than NEAR_LIMIT_SHARE of the function's memory counts a near-limit; an event
// function that runs out of time counts its timeout once. Each count is an EMF line with the
// per-function dimension set (what the telemetry route reads) and the service-only set (the alarm's).
import { setTimeout as sleep } from 'node:timers/promises';
import { FUNCTION_METRICS, nearLimits } from '../../core/resources/function-usage';
import { apiGatewayEvent, lambdaContext } from '../../local/api-gateway-event';
import { createEventHandler } from './event-handler';
import { createHttpHandler, type HttpResult } from './http-handler';
import { contextLimits, TIMEOUT_EARLY_MS } from './limits';

// the limit metrics are the subject here (test/global-setup.ts turns Powertools metrics off elsewhere)
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

/** The EMF documents written to stdout while `run` runs. */
async function emfOf<T>(run: () => Promise<T>): Promise<{ result: T; emf: Record<string, unknown>[] }> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(
    (chunk: string | Uint8Array) => (
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l.startsWith('{') && l.includes('_aws')),
      ),
      true
    ),
  );
  const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void (typeof line === 'string' && line.includes('_aws') && lines.push(line)));
  try {
    const result = await run();
    return { result, emf: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
}

/** The limit documents: the metrics a document declares, with its dimension sets. */
const limitDocs = (emf: Record<string, unknown>[]) =>
  emf
    .map((d) => (d._aws as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0])
    .filter((m) =>
      m.Metrics.some((x) => ([FUNCTION_METRICS.timeouts, FUNCTION_METRICS.nearTimeout, FUNCTION_METRICS.nearMemoryLimit] as string[]).includes(x.Name)),
    );

describe('limit counts', () => {
  it('knows near from the share of the limit, and the limits from the Lambda context', () => {
    expect(nearLimits({ ms: 2_700, memoryBytes: 100, timeoutMs: 3_000, memoryLimitBytes: 1_000 })).toEqual({ nearTimeout: true, nearMemoryLimit: false });
    expect(nearLimits({ ms: 100, memoryBytes: 950, timeoutMs: 3_000, memoryLimitBytes: 1_000 })).toEqual({ nearTimeout: false, nearMemoryLimit: true });
    expect(nearLimits({ ms: 1e9, memoryBytes: 1e12 })).toEqual({ nearTimeout: false, nearMemoryLimit: false }); // no limits known: never near
    expect(contextLimits(lambdaContext('f', { timeoutSeconds: 3, memoryMb: 512 }), 400)).toEqual({ timeoutMs: 3_400, memoryLimitBytes: 512 * 1024 * 1024 });
  });

  it('answers 500 just before the deadline and counts the timeout of an HTTP function that runs too long', async () => {
    const slow = createHttpHandler({ name: 'slow', handle: async () => (await sleep(3_000), { body: { done: true } }) });
    const context = lambdaContext('xdr-ml-test-slow', { timeoutSeconds: 1, memoryMb: 1_000_000 });
    const started = Date.now();
    const { result, emf } = await emfOf(() => slow(apiGatewayEvent({ method: 'GET', path: '/slow' }), context) as Promise<HttpResult>);
    // given up TIMEOUT_EARLY_MS before the deadline (the test context reports the full second remaining)
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_000 - TIMEOUT_EARLY_MS - 20);
    expect(elapsed).toBeLessThan(1_000);
    expect(result.statusCode).toBe(500);
    const [doc] = limitDocs(emf);
    expect(doc.Metrics.map((m) => m.Name).sort()).toEqual([FUNCTION_METRICS.nearTimeout, FUNCTION_METRICS.timeouts].sort());
    expect(doc.Dimensions).toEqual([['service', 'operation'], ['service']]);
    expect(emf.find((d) => d.Timeouts !== undefined)).toMatchObject({ operation: 'slow', Timeouts: 1, NearTimeout: 1 });
  });

  it('counts an invocation whose process holds more than 90 % of the memory its function has', async () => {
    const fast = createHttpHandler({ name: 'fast', handle: async () => ({ body: {} }) });
    const rssMb = process.memoryUsage.rss() / 1048576;
    // a function configured with just less than the process holds, and one with ample memory
    const tight = await emfOf(
      () => fast(apiGatewayEvent({ method: 'GET', path: '/f' }), lambdaContext('f', { memoryMb: Math.floor(rssMb) })) as Promise<HttpResult>,
    );
    expect(tight.result.statusCode).toBe(200);
    expect(tight.emf.find((d) => d.NearMemoryLimit !== undefined)).toMatchObject({ operation: 'fast', NearMemoryLimit: 1 });
    const ample = await emfOf(
      () => fast(apiGatewayEvent({ method: 'GET', path: '/f' }), lambdaContext('f', { memoryMb: Math.ceil(rssMb * 4) })) as Promise<HttpResult>,
    );
    expect(limitDocs(ample.emf)).toEqual([]);
  });

  it("counts an event function's timeout once, though its work goes on after middy gave up", async () => {
    const stuck = createEventHandler('stuck', async () => {
      await sleep(1_500);
      return 'late';
    });
    const { result, emf } = await emfOf(async () => {
      const outcome = await stuck({}, lambdaContext('stuck', { timeoutSeconds: 1, memoryMb: 1_000_000 })).catch((error: Error) => error.name);
      await sleep(1_200); // the abandoned work finishes: it must not be recorded again
      return outcome;
    });
    expect(result).toBe('TimeoutError');
    const timeouts = emf.filter((d) => d.Timeouts !== undefined);
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toMatchObject({ operation: 'stuck', Timeouts: 1 });
    expect(emf.filter((d) => d.Latency !== undefined && d.operation === 'stuck')).toHaveLength(1);
  });
});
