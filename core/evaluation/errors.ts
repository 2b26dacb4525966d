// Errors raised by the evaluation module (splits, metrics, thresholds).

/** Base class of every error thrown by core/evaluation. */
export class EvaluationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EvaluationError';
  }
}

/** Inputs of inconsistent shape (lengths, class counts) or out-of-range options. */
export class EvaluationInputError extends EvaluationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EvaluationInputError';
  }
}
