// `xdr-ml audit verify` and `xdr-ml audit export`: check the hash chain of the audit log, and
// render it as change-control/audit-log.md.
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
    .description('Recompute the hash chain; exit 1 when a record was changed or removed')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      withPlatform(async (session) => {
        const result = await session.audit.verify();
        if (opts.json) printJson({ stream: session.audit.stream, ...result });
        else if (result.ok) process.stdout.write(`audit log ${session.audit.stream}: ${result.records} record(s), chain verified, head ${result.headHash}\n`);
        if (!result.ok) {
          if (opts.json) process.exitCode = 1;
          else throw new CliError(`audit log ${session.audit.stream} is BROKEN at seq ${result.firstBadSeq}: ${result.problem}`);
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
