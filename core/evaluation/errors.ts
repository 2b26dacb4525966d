// Errors raised by the evaluation module (splits, metrics, thresholds).
import { XdrError } from '../errors';

/** Base class of every error thrown by core/evaluation. */
export class EvaluationError extends XdrError {
  override readonly name: string = 'EvaluationError';
}

/** Inputs of inconsistent shape (lengths, class counts) or out-of-range options. */
export class EvaluationInputError extends EvaluationError {
  override readonly name: string = 'EvaluationInputError';
  override readonly statusCode: number = 400;
  override readonly expose: boolean = true;
}
