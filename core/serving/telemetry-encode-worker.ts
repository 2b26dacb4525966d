// The worker thread of TelemetryEncoder: encodes telemetry columns as Parquet and hands the bytes
// back (transferred, not copied). A failure is answered, not thrown: the caller encodes those rows.
import { parentPort } from 'node:worker_threads';
import { encodeTelemetryColumns, type EncodeAnswer, type EncodeRequest } from './telemetry-encoder';

parentPort?.on('message', ({ id, columns }: EncodeRequest) => {
  let answer: EncodeAnswer;
  try {
    const bytes = encodeTelemetryColumns(columns);
    answer = { id, bytes };
    parentPort!.postMessage(answer, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    answer = { id, error: (error as Error).message };
    parentPort!.postMessage(answer);
  }
});
