// Errors raised by the training module (balancing, hard-example mining, orchestration).
import { XdrError } from '../errors';

/** Base class of every error thrown by core/training. */
export class TrainingError extends XdrError {
  override readonly name: string = 'TrainingError';
}

/** Invalid or unknown training options (a typo fails loudly instead of being ignored). */
export class TrainingOptionsError extends TrainingError {
  override readonly name: string = 'TrainingOptionsError';
  override readonly statusCode: number = 400;
  override readonly expose: boolean = true;
}

/** The learner failed while fitting or predicting; `phase` says where. */
export class LearnerFailedError extends TrainingError {
  override readonly name: string = 'LearnerFailedError';
  readonly phase: string;
  constructor(phase: string, options?: { cause?: unknown }) {
    const reason = options?.cause instanceof Error ? options.cause.message : String(options?.cause);
    super(`learner failed during ${phase}: ${reason}`, options);
    this.phase = phase;
  }
}
