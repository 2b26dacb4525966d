import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { datasetPath, describeWithData } from '../../../test/support/datasets';
import type { ParsedRow, RejectedRow } from '../source';
import { formatIpv4, loadIpReputation, openThreatFeedSource, parseIpv4 } from './ipsum';

async function collect(rows: AsyncIterable<ParsedRow | RejectedRow>): Promise<{ ok: ParsedRow[]; bad: RejectedRow[] }> {
  const ok: ParsedRow[] = [];
  const bad: RejectedRow[] = [];
  for await (const r of rows) {
    if (r.kind === 'row') ok.push(r);
    else bad.push(r);
  }
  return { ok, bad };
}

describe('parseIpv4', () => {
  it('packs dotted quads and refuses malformed addresses', () => {
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('255.255.255.255')).toBe(4294967295);
    expect(formatIpv4(parseIpv4('77.90.185.20'))).toBe('77.90.185.20');
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '01.2.3.4', 'a.b.c.d', '1.2.3.4 ', '']) {
      expect(parseIpv4(bad)).toBe(-1);
    }
  });
});

describe('threat feed on a corrupted copy', () => {
  let dir: string;
  let feed: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ipsum-'));
    feed = path.join(dir, 'feed.txt');
    writeFileSync(
      feed,
      [
        '# IPsum Threat Intelligence Feed', // 1
        '#', // 2
        '10.0.0.1\t5', // 3
        '10.0.0.7\t2', // 4
        '10.0.1.9\t1', // 5
        '999.1.1.1\t3', // 6 bad ip
        '10.0.0.9\tmany', // 7 bad count
        '', // 8 blank
        '10.0.0.1\t4', // 9 duplicate of line 3
        '10.0.0.2\t1\textra', // 10 too many fields
        '192.168.1.1', // 11 bare ip → 1 list
        '10.0.0.3\t0', // 12 zero lists
        '11.0.0.1\t300', // 13 saturates in the index
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('indexes the good lines and counts rejected ones', async () => {
    const seen: RejectedRow[] = [];
    const rep = await loadIpReputation(feed, { onRejected: (r) => seen.push(r) });
    expect(rep.size).toBe(5);
    expect(rep.rejectedLines).toBe(5);
    expect(seen.map((r) => r.line).sort((a, b) => a - b)).toEqual([6, 7, 9, 10, 12]);
    expect(rep.lookup('10.0.0.1')).toBe(5); // first occurrence wins
    expect(rep.lookup('10.0.0.7')).toBe(2);
    expect(rep.lookup('192.168.1.1')).toBe(1);
    expect(rep.lookup('11.0.0.1')).toBe(255);
    expect(rep.lookup('10.0.0.2')).toBe(0);
    expect(rep.lookup('not an ip')).toBe(0);
  });

  it('streams one row per IP with neighbourhood features and rejections with line numbers', async () => {
    const source = await openThreatFeedSource(feed);
    expect(source.format).toBe('threat-feed');
    const { ok, bad } = await collect(source.rows());
    expect(bad.map((r) => [r.line, r.reason])).toEqual([
      [6, 'invalid IPv4 address "999.1.1.1"'],
      [7, 'list count "many" is not a non-negative integer'],
      [9, 'duplicate IP (first listed on line 3)'],
      [10, 'expected "ip<TAB>lists", got 3 fields'],
      [12, 'list count must be at least 1'],
    ]);
    expect(ok.map((r) => r.line)).toEqual([3, 4, 5, 11, 13]);
    const cols = source.columns.map((c) => c.name);
    const first = Object.fromEntries(cols.map((c, j) => [c, ok[0].values[j]]));
    expect(first).toEqual({ lists: 5, listed_in_24: 2, listed_in_16: 3, max_lists_in_24: 5, first_octet: 10, last_octet: 1 });
    expect(ok[1].values[cols.indexOf('max_lists_in_24')]).toBe(5); // its /24 neighbour has 5
    expect(ok.map((r) => r.label)).toEqual(['malicious-ip-5', 'malicious-ip-2', 'malicious-ip-1', 'malicious-ip-1', 'malicious-ip-10']);
    expect(source.bytesRead()).toBe(source.totalBytes);
  });

  it('reads a gzipped feed and fails with a ThreatFeedError on a missing file', async () => {
    const gz = path.join(dir, 'feed.txt.gz');
    writeFileSync(gz, gzipSync(readFileSync(feed)));
    expect((await loadIpReputation(gz)).size).toBe(5);
    await expect(loadIpReputation(path.join(dir, 'missing.txt'))).rejects.toMatchObject({ name: 'ThreatFeedError' });
    await expect(openThreatFeedSource(path.join(dir, 'missing.txt'))).rejects.toMatchObject({ name: 'ThreatFeedError' });
  });
});

describeWithData('IPsum feed (real data)', ['threat_feeds/ipsum.txt'], () => {
  const file = datasetPath('threat_feeds/ipsum.txt');

  it('indexes the 120,430 IPs with the per-level counts of SOURCE.md', async () => {
    const rep = await loadIpReputation(file);
    expect(rep.size).toBe(120_430);
    expect(rep.rejectedLines).toBe(0);
    expect(rep.lookup('77.90.185.20')).toBe(10);
    expect(rep.lookup('45.154.244.193')).toBe(9);
    expect(rep.lookup('127.0.0.1')).toBe(0);
    expect(rep.countInRange(0, 0xffffffff)).toBe(120_430);
  });

  it('streams one labelled row per IP, levels matching SOURCE.md', async () => {
    const source = await openThreatFeedSource(file);
    const labels = new Map<string, number>();
    let rows = 0;
    let rejected = 0;
    for await (const r of source.rows()) {
      if (r.kind === 'rejected') rejected++;
      else {
        rows++;
        labels.set(r.label, (labels.get(r.label) ?? 0) + 1);
      }
    }
    expect(rows).toBe(120_430);
    expect(rejected).toBe(0);
    expect(labels.get('malicious-ip-10')).toBe(3);
    expect(labels.get('malicious-ip-6')).toBe(248);
    expect(labels.get('malicious-ip-1')).toBe(89_657);
    let atLeast3 = 0;
    for (const [label, n] of labels) if (Number(label.slice('malicious-ip-'.length)) >= 3) atLeast3 += n;
    expect(atLeast3).toBe(14_217);
  });
});
