// Errors of federated learning: secure-aggregation protocol violations and refused runs.
import { ConflictError, DomainError, UnprocessableError } from '../errors';

/** A secure-aggregation message breaks the protocol (unknown sender, wrong length, a replay). */
export class SecureAggregationError extends DomainError {
  override readonly name: string = 'SecureAggregationError';
}

/** Fewer than the threshold of shares (or survivors) are left: nobody can be unmasked. */
export class InsufficientSharesError extends UnprocessableError {
  override readonly name: string = 'InsufficientSharesError';
}

/** A participant was asked to reveal both secrets of one peer (which would unmask its input). */
export class UnmaskRefusedError extends ConflictError {
  override readonly name: string = 'UnmaskRefusedError';
}

/** A federated fit cannot run as asked (too few participants, unsupported parameters, mismatched data). */
export class FederatedTrainingError extends DomainError {
  override readonly name: string = 'FederatedTrainingError';
}
