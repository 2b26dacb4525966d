// Errors of the retraining machinery (launcher, completion handler, data-volume check).
import { ConflictError, InvalidInputError, UnprocessableError } from '../errors';

/** An event that is not a valid retraining trigger (names the offending field). */
export class InvalidRetrainEventError extends InvalidInputError {
  override readonly name: string = 'InvalidRetrainEventError';
}

/** A training backend refused to start a job. */
export class TrainingBackendError extends ConflictError {
  override readonly name: string = 'TrainingBackendError';
}

/** A finished job's output cannot be registered (missing files, checksum mismatch, bad registration). */
export class JobOutputError extends UnprocessableError {
  override readonly name: string = 'JobOutputError';
}
