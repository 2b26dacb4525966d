/** @jest-environment node */
// Online learning on real data (issue 19), seed 42, GBDT: the prequential NSL-KDD task through the
// real training and adaptation jobs (test/quality/online-task.ts), in a child process as the other
// quality tests. Times are printed by bench/online-adaptation.ts, not asserted here.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeWithData } from '../support/datasets';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const ATTACK_CLASSES = ['DoS', 'Probe', 'R2L', 'U2R'];
/** Classes with fewer test rows than this are not held to the forgetting bound (one row moves recall by more than it). */
const MIN_SUPPORT = 30;

interface Side {
  readonly macroF1: number;
}
interface Brief {
  readonly version: number;
  readonly parentVersion: number;
  readonly trainingKind: string;
  readonly samples: { fit: number; heldOut: number; replay: number };
  readonly learned: { parent: Side; adapted: Side };
  readonly provenance: readonly { dataset: string; rows: number }[];
}
interface Figures {
  readonly staticMacroF1: number;
  readonly adaptedMacroF1: number;
  readonly fullRetrainMacroF1: number;
  readonly forgetting: Record<string, { support: number; change: number }>;
  readonly adaptation: Brief;
  readonly secondAdaptation: Brief;
}

describeWithData(
  'online adaptation: prequential NSL-KDD (train on KDDTrain+, adapt on the first half of KDDTest+, score the second)',
  ['nsl_kdd/KDDTrain+.txt.gz', 'nsl_kdd/KDDTest+.txt'],
  () => {
    let r: Figures;
    beforeAll(async () => {
      const { stdout } = await run(
        process.execPath,
        [path.join(ROOT, 'bin', 'run-ts.js'), path.join(ROOT, 'test', 'quality', 'run-online.ts'), 'gbdt', '42', '--second'],
        {
          cwd: ROOT,
          maxBuffer: 1 << 24,
        },
      );
      r = JSON.parse(stdout.trim().split('\n').pop() as string) as Figures;
    }, 600_000);

    it('the adapted model beats the static one by at least 0.10 macro-F1 on the unseen half', () => {
      expect(r.adaptedMacroF1).toBeGreaterThanOrEqual(r.staticMacroF1 + 0.1);
    });

    it('comes within 0.02 of a full retrain on KDDTrain+ plus the first half', () => {
      expect(r.adaptedMacroF1).toBeGreaterThanOrEqual(r.fullRetrainMacroF1 - 0.02);
    });

    it("forgets little: no attack class with enough rows loses more than 0.02 recall on the parent's own test split", () => {
      for (const c of ATTACK_CLASSES) {
        const f = r.forgetting[c];
        expect(f).toBeDefined();
        if (f.support >= MIN_SUPPORT) expect(f.change).toBeGreaterThanOrEqual(-0.02);
      }
    });

    it('registers a candidate version with its parent, kind, samples and provenance', () => {
      expect(r.adaptation).toMatchObject({ version: 2, parentVersion: 1, trainingKind: 'online-adaptation' });
      expect(r.adaptation.samples.fit + r.adaptation.samples.heldOut).toBe(r.adaptation.provenance[0].rows);
      expect(r.adaptation.samples.replay).toBeGreaterThan(5000);
      expect(r.adaptation.learned.adapted.macroF1).toBeGreaterThan(r.adaptation.learned.parent.macroF1);
    });

    it('a second adaptation continues from the first', () => {
      expect(r.secondAdaptation.parentVersion).toBe(r.adaptation.version);
      expect(r.secondAdaptation.provenance[0]).toMatchObject({ dataset: 'nsl-test-b' });
      expect(r.secondAdaptation.learned.adapted.macroF1).toBeGreaterThanOrEqual(r.secondAdaptation.learned.parent.macroF1);
    });
  },
);
