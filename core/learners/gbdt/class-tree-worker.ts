// A tree-growing helper thread of ClassTreePool: builds its own grower over the shared bins, then
// for every round (a new generation number) claims tasks from the shared counter, grows them and
// posts the trees back, and counts itself done. Exits on the stop generation.
import { workerData } from 'node:worker_threads';
import { BinMapper } from './bin-mapper';
import { CONTROL, growTask, roundViews, STOP_GENERATION, type PoolWorkerData, type TaskResult } from './class-tree-pool';
import { TreeGrower } from './tree-grower';

function run(data: PoolWorkerData): void {
  const control = new Int32Array(data.control);
  const info = new Int32Array(data.taskInfo);
  const features = new Int32Array(data.features);
  const buffers = roundViews(data.gh, data.rows, data.classes, data.nRows);
  const grower = new TreeGrower(BinMapper.fromState(data.mapper), new Uint8Array(data.bins), data.nRows, data.settings);
  Atomics.or(control, CONTROL.ready, 1 << data.id);
  Atomics.notify(control, CONTROL.ready);
  let generation = 0;
  for (;;) {
    Atomics.wait(control, CONTROL.generation, generation);
    const next = Atomics.load(control, CONTROL.generation);
    if (next === STOP_GENERATION) return;
    if (next === generation) continue;
    generation = next;
    // a round that started before this helper was ready goes on without it
    if ((Atomics.load(control, CONTROL.roster) & (1 << data.id)) === 0) continue;
    const tasks = Atomics.load(control, CONTROL.tasks);
    try {
      for (let t = Atomics.add(control, CONTROL.next, 1); t < tasks; t = Atomics.add(control, CONTROL.next, 1)) {
        const { tree, gain } = growTask(grower, t, info, features, data.nFeatures, buffers);
        const result: TaskResult = { task: t, tree, gain };
        data.port.postMessage(result);
      }
    } catch (err) {
      const result: TaskResult = { task: -1, error: err instanceof Error ? err.message : String(err) };
      data.port.postMessage(result);
      Atomics.store(control, CONTROL.failed, 1);
    }
    Atomics.add(control, CONTROL.done, 1);
    Atomics.notify(control, CONTROL.done);
  }
}

run(workerData as PoolWorkerData);
