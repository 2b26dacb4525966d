// Why an adaptation did not run. Labels outside the model's class space are the one refusal the
// platform answers with a full retrain (the launcher raises it); the others are the caller's to fix.
import { DomainError } from '../errors';

export type AdaptationRefusal = 'too-few-samples' | 'labels-outside-class-space' | 'feature-mismatch' | 'not-adaptable';

/** 409: the adaptation cannot run on these samples; `refusal` says why. */
export class AdaptationRefusedError extends DomainError {
  override readonly name: string = 'AdaptationRefusedError';
  override readonly statusCode: number = 409;
  constructor(
    message: string,
    readonly refusal: AdaptationRefusal,
    /** For 'labels-outside-class-space': each label outside, with its sample count. */
    readonly outsideLabels?: Readonly<Record<string, number>>,
  ) {
    super(message, { details: { refusal, ...(outsideLabels ? { outsideLabels } : {}) } });
  }
}
