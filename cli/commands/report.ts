// `xdr-ml report --model M[@version|@alias] --out report.html`: a version's model card, one
// self-contained HTML file (no network request), written to --out and stored beside the version's
// artefacts (models/<model>/cards/v<version>/model_card.html).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { makeModelCard } from '../../platform';
import { CliError, printJson } from '../output';
import { withPlatform } from '../session';
import { parseModelRef, resolveModelVersion } from './evaluate';

/** Registers `report`. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description("Write a version's model card: one self-contained HTML file, also stored with the version's artefacts")
    .requiredOption('--model <model[@version|@alias]>', 'the version: M@3, M@production, or M (production, else the newest)')
    .option('--out <file>', 'output file', 'report.html')
    .option('--json', 'machine-readable output')
    .action(async (opts: { model: string; out: string; json?: boolean }) => {
      const ref = parseModelRef(opts.model);
      if (!opts.out.trim()) throw new CliError('--out must name a file', 2);
      await withPlatform(async (session) => {
        const version = ref.version !== undefined || ref.alias !== undefined ? await resolveModelVersion(session.registry, ref) : undefined;
        const card = await makeModelCard(session.platform, ref.model, version);
        writeFileSync(opts.out, card.html);
        const result = {
          model: card.model,
          version: card.version,
          out: opts.out,
          bytes: Buffer.byteLength(card.html),
          stored: `s3://${card.bucket}/${card.key}`,
        };
        if (opts.json) printJson(result);
        else process.stdout.write(`wrote ${opts.out}: model card of ${card.model} v${card.version} (${result.bytes} bytes), stored as ${result.stored}\n`);
      });
    });
}
