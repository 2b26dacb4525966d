// Errors owned by the experiments module (A/B statistics, routing, recommendations). They extend the
// core's DomainError, so the HTTP layer answers them with a 4xx naming the offending field.
import { DomainError } from '../errors';

/** Base class of every error thrown by core/experiments. */
export class ExperimentError extends DomainError {
  override readonly name: string = 'ExperimentError';
}

/** An argument is out of its domain (negative count, successes above trials, split outside [0, 1] ...). */
export class InvalidExperimentInputError extends ExperimentError {
  override readonly name: string = 'InvalidExperimentInputError';
  override readonly statusCode: number = 400;
  /** Name of the offending argument. */
  readonly argument: string;

  constructor(argument: string, message: string, options: { cause?: unknown } = {}) {
    super(`${argument}: ${message}`, { cause: options.cause, details: [{ field: argument, message }] });
    this.argument = argument;
  }
}

/** Throws InvalidExperimentInputError unless `value` is a finite integer >= 0. */
export function assertCount(argument: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidExperimentInputError(argument, `must be a non-negative integer, got ${value}`);
  }
}

/** Throws unless 0 <= successes <= trials, both integers. */
export function assertSuccesses(successArg: string, successes: number, trialsArg: string, trials: number): void {
  assertCount(successArg, successes);
  assertCount(trialsArg, trials);
  if (successes > trials) {
    throw new InvalidExperimentInputError(successArg, `must not exceed ${trialsArg} (${successes} > ${trials})`);
  }
}
