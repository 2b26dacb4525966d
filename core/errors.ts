// The one error base of the platform. Every module's errors derive from XdrError; each carries the
// HTTP status it maps to and `expose`, which says whether its message may be shown to a caller.
// XdrError itself is an internal failure (500, not exposed); DomainError is the caller's (4xx).

export interface XdrErrorOptions {
  readonly cause?: unknown;
  /** Structured details safe to return to the caller (e.g. the offending fields). */
  readonly details?: unknown;
}

/** Base of every error the platform throws: 500 and not exposed unless a subclass says otherwise. */
export class XdrError extends Error {
  override readonly name: string = 'XdrError';
  readonly statusCode: number = 500;
  readonly expose: boolean = false;
  readonly details?: unknown;
  constructor(message: string, options: XdrErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.details = options.details;
  }
}

/** A refusal the caller can act on: 4xx, its message shown. */
export class DomainError extends XdrError {
  override readonly name: string = 'DomainError';
  override readonly statusCode: number = 400;
  override readonly expose: boolean = true;
}

/** Bad input: names what is wrong. */
export class InvalidInputError extends DomainError {
  override readonly name: string = 'InvalidInputError';
  override readonly statusCode: number = 400;
}

/** A named thing (model, version, dataset, experiment) does not exist. */
export class UnknownResourceError extends DomainError {
  override readonly name: string = 'UnknownResourceError';
  override readonly statusCode: number = 404;
}

/** A conflicting state: a lost race on a conditional write, a running job, a gate refusal. */
export class ConflictError extends DomainError {
  override readonly name: string = 'ConflictError';
  override readonly statusCode: number = 409;
}

/** A request the current state cannot serve (e.g. a corrupt artefact refused). */
export class UnprocessableError extends DomainError {
  override readonly name: string = 'UnprocessableError';
  override readonly statusCode: number = 422;
}

/** A request the caller is not allowed to make (e.g. training data into a curated dataset). */
export class ForbiddenError extends DomainError {
  override readonly name: string = 'ForbiddenError';
  override readonly statusCode: number = 403;
}
