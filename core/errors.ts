// Domain errors shared by the core: each carries the HTTP status it maps to, and `expose`
// (true below 500) says whether its message may be shown to callers.

export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  readonly statusCode: number = 400;
  readonly expose: boolean = true;
  /** Structured details safe to return to the caller (e.g. the offending fields). */
  readonly details?: unknown;
  constructor(message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.details = options.details;
  }
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
