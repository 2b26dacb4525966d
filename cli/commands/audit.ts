// `xdr-ml audit verify` and `xdr-ml audit export`: check the hash chain of the audit log and that
// every registry change (version, alias move, spec revision, quarantine) has its record, and render
// the log as change-control/audit-log.md.
import type { Command } from 'commander';
import { exportAuditLog } from '../../core/audit/audit-log';
import { CliError, printJson } from '../output';
import { AUDIT_LOG_PATH } from '../../platform';
import { withPlatform } from '../session';

/** Registers `audit verify` and `audit export`. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('The append-only, hash-chained audit log');
  audit
    .command('verify')
    .description('Recompute the hash chain and match every registry change to its record; exit 1 when a record was changed or removed, or a change has none')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      withPlatform(async (session) => {
        const result = await session.audit.verify();
        const registry = await session.registry.auditCheck();
        const ok = result.ok && registry.unaudited.length === 0;
        if (opts.json) printJson({ stream: session.audit.stream, ...result, ok, registry });
        else if (ok) {
          process.stdout.write(
            `audit log ${session.audit.stream}: ${result.records} record(s), chain verified, head ${result.headHash}; ${registry.changes} registry change(s), every one recorded\n`,
          );
        }
        if (ok) return;
        if (opts.json) process.exitCode = 1;
        else if (!result.ok) throw new CliError(`audit log ${session.audit.stream} is BROKEN at seq ${result.firstBadSeq}: ${result.problem}`);
        else {
          const list = registry.unaudited.map((u) => `\n  ${u.ref} (${u.action})`).join('');
          throw new CliError(
            `${registry.unaudited.length} of ${registry.changes} registry change(s) have no audit record:${list}\n(the maintenance sweep records them: npm start runs it at start-up)`,
          );
        }
      }),
    );
  audit
    .command('export')
    .description('Render the audit log as Markdown')
    .option('--out <file>', 'output file', AUDIT_LOG_PATH)
    .action(async (opts: { out: string }) =>
      withPlatform(async (session) => {
        const result = await exportAuditLog(session.audit, opts.out);
        process.stdout.write(
          `wrote ${opts.out}: ${result.records} record(s), chain ${result.verification.ok ? 'verified' : `BROKEN: ${result.verification.problem}`}\n`,
        );
      }),
    );
}
