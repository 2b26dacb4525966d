// Errors of the training / evaluation pipeline. They are DomainErrors carrying the HTTP status the
// core's error mapping uses (400 bad input, 422 unusable artefact).
import { DomainError } from '../errors';

/** The evaluation data lacks features the model needs, or a feature has the wrong kind (400). */
export class FeatureMismatchError extends DomainError {
  override readonly name = 'FeatureMismatchError';
  override readonly statusCode = 400;
  constructor(
    message: string,
    readonly features: readonly string[],
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, details: { features } });
  }
}

/** A stored artefact is missing, corrupt (sha256) or not a model the pipeline can use (422). */
export class ArtefactIntegrityError extends DomainError {
  override readonly name = 'ArtefactIntegrityError';
  override readonly statusCode = 422;
}

/** A request the pipeline cannot run: bad algorithm, class space, parameters (400). */
export class PipelineInputError extends DomainError {
  override readonly name = 'PipelineInputError';
  override readonly statusCode = 400;
}
