// The worker thread of a ChunkEncoder (chunk-encoder.ts): one ChunkBuilder fed the ingest's
// blocks in order; each message is answered with the chunks it completed (their bytes
// transferred, not copied). An encoding failure is answered, and the ingest stops with it.
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkBuilder } from './chunk-builder';
import type { EncodeWorkerAnswer, EncodeWorkerData, EncodeWorkerRequest } from './chunk-encoder';

const data = workerData as EncodeWorkerData;
const builder = new ChunkBuilder(data.columns, data.chunkRows);
let blocks = 0;

parentPort?.on('message', (request: EncodeWorkerRequest) => {
  let answer: EncodeWorkerAnswer;
  try {
    if (request.kind === 'block') {
      if (blocks++ === data.exitOnBlock) process.exit(1);
      answer = { kind: 'chunks', chunks: builder.add(request.block) };
    } else {
      const last = builder.flush();
      answer = { kind: 'chunks', chunks: last === undefined ? [] : [last], totals: builder.totals() };
    }
  } catch (error) {
    parentPort?.postMessage({ kind: 'error', message: (error as Error).message } satisfies EncodeWorkerAnswer);
    return;
  }
  parentPort?.postMessage(
    answer,
    answer.chunks.map((c) => c.bytes.buffer as ArrayBuffer),
  );
});
