// Unit tests of the audit chain rules and rendering (pure; the store is covered by the
// integration suite test/integration/audit-log.test.ts).
import { GENESIS_HASH, computeRecordHash, renderMarkdown, verifyRecords, type AuditRecord } from './audit-log';

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const unsigned = {
      stream: 's',
      seq,
      at: `2026-01-01T00:00:0${seq}.000Z`,
      actor: 'alice',
      action: 'model.deploy',
      subject: `model/m/version/${seq}`,
      after: { version: seq },
      prevHash,
    };
    const record = { ...unsigned, hash: computeRecordHash(unsigned) };
    out.push(record);
    prevHash = record.hash;
  }
  return out;
}

describe('verifyRecords', () => {
  it('accepts an intact chain and reports its head hash', () => {
    const records = chain(5);

    expect(verifyRecords(records, 5)).toEqual({ ok: true, records: 5, headHash: records[4].hash });
    expect(verifyRecords([], 0)).toEqual({ ok: true, records: 0, headHash: GENESIS_HASH });
  });

  it('finds a modified record', () => {
    const records = chain(5);
    records[2] = { ...records[2], actor: 'mallory' };

    expect(verifyRecords(records)).toMatchObject({ ok: false, firstBadSeq: 3, problem: expect.stringMatching(/record 3 was modified/) });
  });

  it('finds a record removed from the middle', () => {
    const records = chain(5);
    records.splice(1, 1);

    expect(verifyRecords(records)).toMatchObject({ ok: false, firstBadSeq: 2, problem: expect.stringMatching(/record\(s\) 2 removed/) });
  });

  it('finds a removed record even when the later ones were renumbered', () => {
    const records = chain(4);
    const renumbered = [records[0], ...records.slice(2).map((r) => ({ ...r, seq: r.seq - 1 }))];

    expect(verifyRecords(renumbered)).toMatchObject({ ok: false, firstBadSeq: 2, problem: expect.stringMatching(/prevHash mismatch/) });
  });

  it('finds a truncated tail only through the head counter', () => {
    const records = chain(5).slice(0, 3);

    expect(verifyRecords(records).ok).toBe(true);
    expect(verifyRecords(records, 5)).toMatchObject({ ok: false, firstBadSeq: 4, problem: expect.stringMatching(/5 records were appended but only 3 remain/) });
  });
});

describe('renderMarkdown', () => {
  it('lists every record with its hash and escapes table separators', () => {
    const records = chain(2);
    records[1] = { ...records[1], reason: 'a | b' };

    const md = renderMarkdown(records, { stream: 's' });

    expect(md).toContain('| 2 | 2026-01-01T00:00:02.000Z | alice | model.deploy | model/m/version/2 | a \\| b |');
    expect(md).toContain(`- hash: \`${records[1].hash}\``);
    expect(md).toContain('- records: 2');
  });
});
