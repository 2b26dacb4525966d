// Errors raised by the training module (balancing, hard-example mining, orchestration).

/** Base class of every error thrown by core/training. */
export class TrainingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrainingError';
  }
}

/** Invalid or unknown training options (a typo fails loudly instead of being ignored). */
export class TrainingOptionsError extends TrainingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrainingOptionsError';
  }
}

/** The learner failed while fitting or predicting; `phase` says where. */
export class LearnerFailedError extends TrainingError {
  readonly phase: string;
  constructor(phase: string, options?: { cause?: unknown }) {
    const reason = options?.cause instanceof Error ? options.cause.message : String(options?.cause);
    super(`learner failed during ${phase}: ${reason}`, options);
    this.name = 'LearnerFailedError';
    this.phase = phase;
  }
}
