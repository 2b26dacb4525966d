// The helper thread of MultiOutputRound: builds its views of the shared buffers (and its own bin
// index), then for every new generation runs the second half of the command and counts itself
// done. Exits on the stop command.
import { workerData } from 'node:worker_threads';
import { BinMapper } from './bin-mapper';
import { ROUND_COMMAND, ROUND_CONTROL, roundViews, secondHalf, type RoundShared } from './multi-output-round';

function run(shared: RoundShared): void {
  const control = new Int32Array(shared.control);
  let generation = 0;
  try {
    const views = roundViews(shared, BinMapper.fromState(shared.mapper));
    Atomics.store(control, ROUND_CONTROL.ready, 1);
    Atomics.notify(control, ROUND_CONTROL.ready);
    for (;;) {
      Atomics.wait(control, ROUND_CONTROL.generation, generation);
      const next = Atomics.load(control, ROUND_CONTROL.generation);
      const command = Atomics.load(control, ROUND_CONTROL.command);
      if (command === ROUND_COMMAND.stop || next < 0) return;
      if (next === generation) continue;
      generation = next;
      secondHalf(views, command, Atomics.load(control, ROUND_CONTROL.a0), Atomics.load(control, ROUND_CONTROL.a1), shared);
      Atomics.store(control, ROUND_CONTROL.done, generation);
      Atomics.notify(control, ROUND_CONTROL.done);
    }
  } catch {
    Atomics.store(control, ROUND_CONTROL.failed, 1);
    Atomics.notify(control, ROUND_CONTROL.done);
    Atomics.notify(control, ROUND_CONTROL.ready);
  }
}

run(workerData as RoundShared);
