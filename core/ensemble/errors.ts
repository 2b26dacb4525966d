// Why an ensemble was refused. Members must read the same features and answer in the same class
// space; the refusal names the member and what differs, so the caller can pick other versions.
import { DomainError, InvalidInputError } from '../errors';

/** What differs between the members. */
export type EnsembleMismatch = 'feature-schema' | 'class-space' | 'held-out-rows';

/** 409: the members cannot be combined; `mismatch` says what differs, the message names the member and the field. */
export class EnsembleMemberMismatchError extends DomainError {
  override readonly name: string = 'EnsembleMemberMismatchError';
  override readonly statusCode: number = 409;
  constructor(
    message: string,
    readonly mismatch: EnsembleMismatch,
    /** The member that differs from the first one (`model@version`). */
    readonly member: string,
  ) {
    super(message, { details: { mismatch, member } });
  }
}

/** 400: the optimiser's input is malformed (no members, predictions of the wrong shape, an unknown method). */
export class EnsembleInputError extends InvalidInputError {
  override readonly name: string = 'EnsembleInputError';
}
