// Where the helper threads' files are missing (a bundle that inlined the learner), a fit asked for
// several threads runs on the calling thread alone and fits the same model.
import { conformanceData } from '../conformance';

jest.mock('./helper-thread', () => ({ ...jest.requireActual<typeof import('./helper-thread')>('./helper-thread'), helperEntry: () => null }));

// jest hoists the mock above this import, so the pools see it
import { GbdtLearner } from './gbdt-learner';

describe('GBDT without helper files', () => {
  const d = conformanceData(5, 900);
  const opts = { schema: d.schema, classes: d.classes };

  it.each([
    ['per-class trees', {}],
    ['multi-output trees', { multiOutput: true, sketchDims: 2 }],
  ])('%s: threads 2 runs on one thread with the same model', (_kind, extra) => {
    const params = { seed: 3, nRounds: 6, maxDepth: 4, ...extra };
    const alone = new GbdtLearner({ ...params, threads: 1 });
    alone.fit(d.X, d.y, opts);
    const asked = new GbdtLearner({ ...params, threads: 2 });
    expect(asked.fit(d.X, d.y, opts).threads).toBe(1);
    expect(asked.toJSON().trees).toEqual(alone.toJSON().trees);
  });
});
