import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessLogLine, logAccess } from './access-log';

describe('the access log', () => {
  it('formats one grep-able line', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(accessLogLine({ at, client: '127.0.0.1', method: 'POST', path: '/api/ml/predict', status: 200, ms: 12.4, bytes: 345, correlationId: 'c-1' })).toBe(
      '2026-01-01T00:00:00.000Z 127.0.0.1 POST /api/ml/predict 200 12ms 345B c-1',
    );
  });

  it('writes one line per request once the answer is sent, without the query string', async () => {
    // Prepare
    const lines: string[] = [];
    const server = createServer((req, res) => {
      logAccess(req, res, (l) => lines.push(l));
      res.writeHead(201, { 'x-correlation-id': 'abc' });
      res.end('hello');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    // Act
    await (await fetch(`http://127.0.0.1:${port}/x?secret=1`)).text();
    await (await fetch(`http://127.0.0.1:${port}/y`, { method: 'DELETE' })).text();
    await new Promise<void>((r) => server.close(() => r()));
    // Assess
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\S+Z 127\.0\.0\.1 GET \/x 201 \d+ms 5B abc$/);
    expect(lines[1]).toMatch(/ DELETE \/y 201 /);
  });
});
