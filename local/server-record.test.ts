import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { InProcessEventBus } from './event-bus';
import { startLocalApiServer } from './http-server';
import { ServerEventForwarder } from './server-event-forwarder';
import { liveServer, liveServerUrl, removeServerRecord, SERVER_RECORD_FILE, writeServerRecord } from './server-record';

describe('server record', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-server-record-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const record = (pid: number, url: string) => writeFileSync(path.join(home, SERVER_RECORD_FILE), JSON.stringify({ pid, url }));

  it("names another live process's server, not this process's own, a dead one's or a malformed one", () => {
    record(process.ppid, 'http://127.0.0.1:4567');
    expect(liveServerUrl(home)).toBe('http://127.0.0.1:4567');
    writeServerRecord(home, 'http://127.0.0.1:5678');
    expect(liveServerUrl(home)).toBeUndefined(); // this process's own record
    record(2 ** 22 + 12345, 'http://127.0.0.1:4567'); // above Linux's pid_max: never alive
    expect(liveServerUrl(home)).toBeUndefined();
    record(process.ppid, 'http://example.com:80');
    expect(liveServerUrl(home)).toBeUndefined();
    writeFileSync(path.join(home, SERVER_RECORD_FILE), '{not json');
    expect(liveServerUrl(home)).toBeUndefined();
  });

  it('carries the local API token, readable by its owner only', () => {
    writeServerRecord(home, 'http://127.0.0.1:5678', 'a-local-token-of-32-characters!!');
    expect(statSync(path.join(home, SERVER_RECORD_FILE)).mode & 0o077).toBe(0);
    writeFileSync(path.join(home, SERVER_RECORD_FILE), JSON.stringify({ pid: process.ppid, url: 'http://127.0.0.1:4567', token: 't'.repeat(20) }));
    expect(liveServer(home)).toEqual({ pid: process.ppid, url: 'http://127.0.0.1:4567', token: 't'.repeat(20) });
  });

  it("removes only this process's record", () => {
    record(process.ppid, 'http://127.0.0.1:4567');
    removeServerRecord(home);
    expect(liveServerUrl(home)).toBe('http://127.0.0.1:4567');
    writeServerRecord(home, 'http://127.0.0.1:5678');
    removeServerRecord(home);
    expect(existsSync(path.join(home, SERVER_RECORD_FILE))).toBe(false);
  });

  it('forwarding to a server that is gone fails with a message naming it and the event', async () => {
    // a port that was just free: nothing listens there
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    await expect(new ServerEventForwarder(`http://127.0.0.1:${port}`).publish('ModelAliasChanged', { model: 'm' })).rejects.toThrow(
      new RegExp(`local platform at http://127.0.0.1:${port} did not take the ModelAliasChanged event`),
    );
  });

  it('forwards to a server that requires a token with its token, and is refused without it', async () => {
    const bus = new InProcessEventBus();
    const token = 'a-local-token-of-32-characters!!';
    const api = await startLocalApiServer({ port: 0, localEvents: bus, token });
    try {
      await new ServerEventForwarder(api.url, token).publish('ModelAliasChanged', { model: 'm' });
      await bus.drain();
      expect(bus.published.map((e) => e.detailType)).toEqual(['ModelAliasChanged']);
      await expect(new ServerEventForwarder(api.url).publish('ModelAliasChanged', { model: 'm' })).rejects.toThrow(/answered 401/);
    } finally {
      await api.close();
    }
  });
});
