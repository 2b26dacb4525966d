// The layout of telemetry objects, declared once: the object writer and reader
// (core/serving/telemetry.ts) and the Glue table of the CDK data stack read it.
//
//   samples/model=<model>/date=<yyyy-mm-dd>/<first at>_<last at>_<id>.parquet
import type { RawRow } from '../onnx/feeds';

/** Prefix of every telemetry object. */
export const SAMPLES_PREFIX = 'samples/';
/** Prefix of an input field's column. */
export const FEATURE_COLUMN_PREFIX = 'feature:';
/** The fixed columns of a telemetry object (also the Glue table's columns, with the partition keys model and date). */
export const TELEMETRY_COLUMNS = [
  { name: 'request_id', type: 'STRING', glue: 'string' },
  { name: 'flow_index', type: 'INT32', glue: 'int' },
  { name: 'model', type: 'STRING', glue: 'string' },
  { name: 'version', type: 'INT32', glue: 'int' },
  { name: 'at', type: 'STRING', glue: 'string' },
  { name: 'label', type: 'STRING', glue: 'string' },
  { name: 'confidence', type: 'DOUBLE', glue: 'double' },
] as const;

/** Hive-style partition keys of the telemetry objects, in key order (`model=<m>/date=<yyyy-mm-dd>/`). */
export const TELEMETRY_PARTITION_KEYS = ['model', 'date'] as const;

/** One sampled flow and what the model answered for it. */
export interface TelemetryRow {
  readonly requestId: string;
  readonly flowIndex: number;
  readonly model: string;
  readonly version: number;
  /** ISO-8601 (Date.toISOString()). */
  readonly at: string;
  readonly label: string;
  readonly confidence: number;
  readonly flow: RawRow;
}
