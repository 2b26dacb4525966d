// CLI output helpers: human text on a terminal, JSON with --json.
import type { ZodType } from 'zod';
import { CliError } from './cli-error';
import { checkName } from '../core/names';

export { CliError } from './cli-error';

/** Prints a value as pretty JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows as an aligned text table. */
export function printTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: readonly (string | number)[]) =>
    cells
      .map((c, i) => String(c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(headers)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

/**
 * Checks a name given on the command line against its rule (core/names.ts) before any data is
 * read; a usage error (exit 2) naming the flag otherwise.
 * @example const model = cliName(ModelName, '--model', flags.model);
 */
export function cliName<T>(schema: ZodType<T>, flag: string, value: unknown): T {
  try {
    return checkName(schema, flag, value);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
}
