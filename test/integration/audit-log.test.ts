// The hash-chained audit log against the embedded DynamoDB: linear sequence numbers under
// concurrent appends, and verify() catching a modified, a deleted and a truncated record that
// were changed directly in the table.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog, GENESIS_HASH, exportAuditLog } from '../../core/audit/audit-log';
import { InvalidInputError } from '../../core/errors';
import { closeStores, testStores, uniqueId } from '../support/platform';

describe('AuditLog on the embedded DynamoDB', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));

  async function filled(n: number): Promise<AuditLog> {
    const audit = new AuditLog({ table: stores.tables.audit, stream: uniqueId('audit') });
    for (let i = 1; i <= n; i++) {
      await audit.append({
        actor: 'alice',
        action: 'model.deploy',
        subject: `model/general/version/${i}`,
        reason: `step ${i}`,
        before: { version: i - 1 },
        after: { version: i },
        metrics: { macroF1: 0.9 + i / 1000, ece: Number.NaN },
        dataset: { name: 'synthetic', version: 1, sha256: 'f'.repeat(64) },
        parameters: { thresholds: { minMacroF1: 0.8 }, tags: ['a', 'b'] },
      });
    }
    return audit;
  }

  it('chains records: seq 1..n, prevHash of each is the hash of the one before', async () => {
    const audit = await filled(4);

    const records = await audit.records();

    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(records[0].prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < records.length; i++) expect(records[i].prevHash).toBe(records[i - 1].hash);
    expect(records[0].metrics).toEqual({ macroF1: 0.901, ece: null });
    expect(await audit.verify()).toEqual({ ok: true, records: 4, headHash: records[3].hash });
  });

  it('keeps the chain linear and gap-free under 30 concurrent appends', async () => {
    const audit = new AuditLog({ table: stores.tables.audit, stream: uniqueId('audit') });

    const appended = await Promise.all(Array.from({ length: 30 }, (_, i) => audit.append({ actor: `a${i}`, action: 'test.append', subject: `s/${i}` })));

    expect(appended.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect((await audit.records()).map((r) => r.actor).sort()).toEqual(appended.map((r) => r.actor).sort());
    expect(await audit.verify()).toMatchObject({ ok: true, records: 30 });
  });

  it('detects a record modified in the table', async () => {
    const audit = await filled(5);
    const record = (await stores.tables.audit.get({ stream: audit.stream, seq: 3 }))!;

    await stores.tables.audit.put({ ...record, reason: 'nothing to see here' });

    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3, problem: expect.stringMatching(/record 3 was modified/) });
  });

  it('detects a record deleted from the middle of the chain', async () => {
    const audit = await filled(5);

    await stores.tables.audit.delete({ stream: audit.stream, seq: 2 });

    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2, problem: expect.stringMatching(/removed/) });
  });

  it('detects records deleted from the end of the chain through the head counter', async () => {
    const audit = await filled(5);

    await stores.tables.audit.delete({ stream: audit.stream, seq: 5 });
    await stores.tables.audit.delete({ stream: audit.stream, seq: 4 });

    expect(await audit.verify()).toMatchObject({
      ok: false,
      records: 3,
      firstBadSeq: 4,
      problem: expect.stringMatching(/truncated: 5 records were appended but only 3 remain/),
    });
  });

  it('refuses a record without actor, action or subject', async () => {
    const audit = new AuditLog({ table: stores.tables.audit, stream: uniqueId('audit') });

    await expect(audit.append({ actor: ' ', action: 'x', subject: 'y' })).rejects.toThrow(InvalidInputError);
    await expect(audit.append({ actor: 'a', action: 'x', subject: '' })).rejects.toThrow(/^subject: /);
  });

  it('exports the stream as change-control/audit-log.md', async () => {
    const audit = await filled(3);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'audit-export-')), 'change-control', 'audit-log.md');

    const result = await exportAuditLog(audit, file);

    const md = readFileSync(file, 'utf8');
    expect(result).toMatchObject({ records: 3, verification: { ok: true } });
    expect(md).toContain('- chain: verified');
    expect(md).toContain('| 3 |');
    expect(md).toContain(`- hash: \`${(await audit.records())[2].hash}\``);
  });
});
