// The CLI's one error: a message for the terminal and an exit code (2 for usage errors), kept
// apart from output.ts so the start-up path (cli/main.ts) loads nothing heavy.
import { XdrError } from '../core/errors';

/** A user-facing CLI failure: printed without a stack trace, exit code 1 (2 for usage errors). */
export class CliError extends XdrError {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
