// Errors owned by the drift module (reference profiles, drift reports, streaming detectors). They
// extend the core's DomainError, so the HTTP layer answers them with a 4xx instead of a 500.
import { DomainError } from '../errors';

/** Base class of every error thrown by core/drift. */
export class DriftError extends DomainError {
  override readonly name: string = 'DriftError';
}

/** An argument is outside its domain (bad hyperparameter, empty distribution, wrong lengths ...). 400. */
export class InvalidDriftInputError extends DriftError {
  override readonly name: string = 'InvalidDriftInputError';
  override readonly statusCode: number = 400;
  /** Name of the offending argument. */
  readonly argument: string;

  constructor(argument: string, message: string, options: { cause?: unknown } = {}) {
    super(`${argument}: ${message}`, { cause: options.cause, details: [{ field: argument, message }] });
    this.argument = argument;
  }
}

/** A live window or prediction counts do not match the reference profile's features or classes. 422. */
export class ProfileMismatchError extends DriftError {
  override readonly name: string = 'ProfileMismatchError';
  override readonly statusCode: number = 422;
}
