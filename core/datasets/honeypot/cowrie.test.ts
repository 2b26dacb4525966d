import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { datasetPath, describeWithData } from '../../../test/support/datasets';
import type { ParsedRow, RejectedRow } from '../source';
import { loadIpReputation } from '../threat-feed/ipsum';
import { COWRIE_COLUMNS, cowrieLabel, openCowrieSource } from './cowrie';

const COWRIE_FILE = 'honeypot_cowrie/cowrie_2018-05-06_to_2018-05-19.jsonl.gz';

async function collect(rows: AsyncIterable<ParsedRow | RejectedRow>): Promise<{ ok: ParsedRow[]; bad: RejectedRow[]; order: string[] }> {
  const ok: ParsedRow[] = [];
  const bad: RejectedRow[] = [];
  const order: string[] = [];
  for await (const r of rows) {
    order.push(r.kind);
    if (r.kind === 'row') ok.push(r);
    else bad.push(r);
  }
  return { ok, bad, order };
}

function named(row: ParsedRow): Record<string, number | string> {
  return Object.fromEntries(COWRIE_COLUMNS.map((c, j) => [c.name, row.values[j]]));
}

function ev(eventid: string, src: string, session: string, t: number, extra: Record<string, unknown> = {}): string {
  const timestamp = new Date(Date.UTC(2018, 4, 6, 12, 0, t)).toISOString();
  return JSON.stringify({ eventid, src_ip: src, session, timestamp, isError: 0, ...extra });
}

describe('cowrie source on a hand-made log', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cowrie-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const log = [
    // 1.1.1.1: two sessions, 6 failures then a success and two commands → intrusion
    ev('cowrie.session.connect', '1.1.1.1', 's1', 0, { dst_port: 2222, src_port: 4000, protocol: 'ssh' }), // 1
    ev('cowrie.client.version', '1.1.1.1', 's1', 1, { version: 'SSH-2.0-libssh2' }), // 2
    ...[0, 1, 2, 3, 4, 5].map((k) => ev('cowrie.login.failed', '1.1.1.1', 's1', 2 + k, { username: 'root', password: `p${k}` })), // 3-8
    ev('cowrie.session.closed', '1.1.1.1', 's1', 9, { duration: 9 }), // 9
    '{"eventid": "cowrie.login.failed", "src_ip": ', // 10 malformed JSON
    ev('cowrie.session.connect', '1.1.1.1', 's2', 20, { dst_port: 2222, src_port: 4001, protocol: 'ssh' }), // 11
    ev('cowrie.client.version', '1.1.1.1', 's2', 21, { version: 'SSH-2.0-Go' }), // 12
    ev('cowrie.client.version', '1.1.1.1', 's2', 21, { version: 'SSH-2.0-Go' }), // 13
    ev('cowrie.login.success', '1.1.1.1', 's2', 22, { username: 'admin', password: 'admin' }), // 14
    ev('cowrie.command.input', '1.1.1.1', 's2', 23, { input: 'uname -a' }), // 15
    ev('cowrie.command.input', '1.1.1.1', 's2', 24, { input: 'uname -a' }), // 16
    ev('cowrie.session.closed', '1.1.1.1', 's2', 29, { duration: 3 }), // 17
    // 2.2.2.2: connects and leaves → scanner
    ev('cowrie.session.connect', '2.2.2.2', 's3', 30, { dst_port: 2222, src_port: 5000, protocol: 'ssh' }), // 18
    '[1, 2, 3]', // 19 not an object
    JSON.stringify({ eventid: 'cowrie.session.closed', session: 's3', timestamp: '2018-05-06T12:00:31Z' }), // 20 no src_ip
    ev('cowrie.session.closed', '2.2.2.2', 's3', 31, { duration: 1 }), // 21
    // 3.3.3.3: direct-tcpip forward → tunnel abuse
    ev('cowrie.session.connect', '3.3.3.3', 's4', 40, { dst_port: 2222, src_port: 6000, protocol: 'ssh' }), // 22
    ev('cowrie.login.success', '3.3.3.3', 's4', 41, { username: 'u', password: 'p' }), // 23
    ev('cowrie.direct-tcpip.request', '3.3.3.3', 's4', 42, { dst_ip: '8.8.8.8', dst_port: 80 }), // 24
    JSON.stringify({ eventid: 'cowrie.session.closed', src_ip: '3.3.3.3', session: 's4', timestamp: 'yesterday' }), // 25 bad ts
    '', // 26 blank: skipped
  ].join('\n');

  it('emits one row per source at the end, rejections (with line numbers) as they come', async () => {
    const file = path.join(dir, 'cowrie.json');
    writeFileSync(file, log);
    const reputation = await loadIpReputation(writeFeed(dir));
    const source = await openCowrieSource(file, { reputation });
    expect(source.format).toBe('cowrie');
    const { ok, bad, order } = await collect(source.rows());
    expect(bad.map((r) => r.line)).toEqual([10, 19, 20, 25]);
    expect(bad[0].reason).toMatch(/^malformed JSON/);
    expect(bad[1].reason).toBe('not a JSON object');
    expect(bad[2].reason).toBe('missing or non-string "src_ip"');
    expect(bad[3].reason).toBe('missing or invalid "timestamp"');
    expect(order).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'row', 'row', 'row']);
    expect(ok.map((r) => [r.line, r.label])).toEqual([
      [1, 'ssh-intrusion'],
      [18, 'scanner'],
      [22, 'ssh-tunnel-abuse'],
    ]);
    expect(named(ok[0])).toMatchObject({
      sessions: 2,
      sessions_closed: 2,
      login_attempts: 7,
      login_failures: 6,
      login_successes: 1,
      distinct_usernames: 2,
      distinct_passwords: 7,
      commands: 2,
      distinct_commands: 1,
      distinct_dst_ports: 1,
      distinct_src_ports: 2,
      mean_session_duration_s: 6,
      max_session_duration_s: 9,
      distinct_client_versions: 2,
      client_version: 'SSH-2.0-Go',
      protocol: 'ssh',
      active_span_s: 29,
      sessions_per_hour: 2,
      events: 16,
      reputation_lists: 7,
    });
    expect(named(ok[1])).toMatchObject({ sessions: 1, login_attempts: 0, reputation_lists: 0, client_version: '' });
    expect(named(ok[2])).toMatchObject({ tcpip_forward_requests: 1, distinct_forward_targets: 1, distinct_dst_ports: 2, sessions_closed: 0 });
    expect(named(ok[2]).mean_session_duration_s).toBeNaN();
    expect(source.bytesRead()).toBe(source.totalBytes);
  });

  it('leaves reputation_lists missing (NaN) without a feed, reads .gz and survives a truncated .gz', async () => {
    const gz = path.join(dir, 'cowrie.json.gz');
    const packed = gzipSync(log);
    writeFileSync(gz, packed);
    const full = await collect((await openCowrieSource(gz)).rows());
    expect(full.ok).toHaveLength(3);
    expect(named(full.ok[0]).reputation_lists).toBeNaN();

    const cut = path.join(dir, 'cut.json.gz');
    writeFileSync(cut, packed.subarray(0, Math.floor(packed.length * 0.6)));
    const partial = await collect((await openCowrieSource(cut)).rows());
    expect(partial.bad.at(-1)?.reason).toMatch(/^gzip stream truncated/);
    expect(partial.ok.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a missing file and bad options with a CowrieSourceError', async () => {
    await expect(openCowrieSource(path.join(dir, 'nope.json'))).rejects.toMatchObject({ name: 'CowrieSourceError' });
    await expect(openCowrieSource(path.join(dir, 'nope.json'), { bruteForceMinFailures: 0 })).rejects.toThrow(/bruteForceMinFailures/);
    const typo = { reputaton: undefined } as unknown as Parameters<typeof openCowrieSource>[1];
    await expect(openCowrieSource(path.join(dir, 'nope.json'), typo)).rejects.toThrow('unknown option(s): reputaton');
  });

  it('labels by the documented rule order', () => {
    const base = { loginFailures: 0, loginSuccesses: 0, commands: 0, downloads: 0, failedDownloads: 0, forwardRequests: 0, protocol: 'telnet' };
    expect(cowrieLabel(base)).toBe('scanner');
    expect(cowrieLabel({ ...base, loginFailures: 4 })).toBe('telnet-login-attempt');
    expect(cowrieLabel({ ...base, loginFailures: 5 })).toBe('telnet-bruteforce');
    expect(cowrieLabel({ ...base, loginFailures: 4 }, 3)).toBe('telnet-bruteforce');
    expect(cowrieLabel({ ...base, loginSuccesses: 1 })).toBe('telnet-credential-check');
    expect(cowrieLabel({ ...base, loginFailures: 9, forwardRequests: 1 })).toBe('telnet-tunnel-abuse');
    expect(cowrieLabel({ ...base, loginSuccesses: 1, failedDownloads: 1, forwardRequests: 1 })).toBe('telnet-intrusion');
    expect(cowrieLabel({ ...base, commands: 3 })).toBe('scanner'); // commands without a login do not count
  });
});

function writeFeed(dir: string): string {
  const feed = path.join(dir, 'feed.txt');
  writeFileSync(feed, '# test feed\n1.1.1.1\t7\n9.9.9.9\t2\n');
  return feed;
}

describeWithData('cowrie source (real honeypot log)', [COWRIE_FILE, 'threat_feeds/ipsum.txt'], () => {
  const file = datasetPath(COWRIE_FILE);

  it('reads all 16,091 events of SOURCE.md into 274 source rows and 3,716 sessions', async () => {
    const reputation = await loadIpReputation(datasetPath('threat_feeds/ipsum.txt'));
    const source = await openCowrieSource(file, { reputation });
    const { ok, bad } = await collect(source.rows());
    expect(bad).toEqual([]);
    expect(ok).toHaveLength(274);
    const sum = (col: string): number => ok.reduce((a, r) => a + (named(r)[col] as number), 0);
    expect(sum('events')).toBe(16_091);
    expect(sum('sessions')).toBe(3_716);
    expect(sum('sessions_closed')).toBe(3_716);
    expect(sum('login_failures')).toBe(2_698);
    expect(sum('login_successes')).toBe(274);
    expect(sum('commands')).toBe(64);
    expect(sum('failed_commands')).toBe(7);
    expect(sum('tcpip_forward_requests')).toBe(1_065);
    expect(sum('file_downloads')).toBe(1);
    expect(sum('failed_downloads')).toBe(1);
    // 9 of the 2018 attackers are on the 2026 IPsum snapshot (checked independently with Python).
    expect(ok.filter((r) => (named(r).reputation_lists as number) > 0)).toHaveLength(9);
    const labels: Record<string, number> = {};
    for (const r of ok) labels[r.label] = (labels[r.label] ?? 0) + 1;
    expect(labels).toEqual({
      scanner: 102,
      'ssh-login-attempt': 87,
      'ssh-bruteforce': 34,
      'ssh-credential-check': 32,
      'ssh-intrusion': 12,
      'ssh-tunnel-abuse': 7,
    });
    const first = named(ok[0]);
    expect(first).toMatchObject({ sessions: 5, login_successes: 2, commands: 4, failed_commands: 1, client_vars: 6, protocol: 'ssh' });
  });

  it('rejects corrupted lines of a damaged copy with their line numbers and keeps the rest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cowrie-real-'));
    try {
      const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
      lines[99] = lines[99].slice(0, 40); // line 100: cut JSON
      lines[4999] = 'garbage'; // line 5000
      const damaged = path.join(dir, 'damaged.jsonl.gz');
      writeFileSync(damaged, gzipSync(lines.join('\n')));
      const { ok, bad } = await collect((await openCowrieSource(damaged)).rows());
      expect(bad.map((r) => r.line)).toEqual([100, 5000]);
      expect(ok.reduce((a, r) => a + (named(r).events as number), 0)).toBe(16_089);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
