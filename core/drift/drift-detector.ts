// The streaming drift-detector protocol (River style): hyperparameters in the constructor only,
// update(x) returns the detector, driftDetected is a getter, reset() clears state, clone() copies
// hyperparameters but not state.

/** A stateful detector of change in a stream of numbers (errors as 0/1, losses, scores ...). */
export interface DriftDetector {
  /** Feeds one value; returns this so calls chain. */
  update(x: number): this;
  /** True when the last update signalled drift. */
  readonly driftDetected: boolean;
  /** Forgets everything seen, keeping the hyperparameters. */
  reset(): void;
  /** A fresh detector with the same hyperparameters and no state. */
  clone(): DriftDetector;
}

/** A detector that also signals a warning zone before drift (DDM). */
export interface DriftAndWarningDetector extends DriftDetector {
  /** True when the last update fell in the warning zone (and not drift). */
  readonly warningDetected: boolean;
}
