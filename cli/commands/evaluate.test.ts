import { CliError } from '../output';
import { evaluateOutput, parseModelRef } from './evaluate';
import { progressLine, trainOutput } from './train';
import type { ModelEvaluation, TrainingJobResult } from '../../core/pipeline';

describe('xdr-ml evaluate / train helpers', () => {
  it('parses model references by version number or alias', () => {
    expect(parseModelRef('xdr-general')).toEqual({ model: 'xdr-general' });
    expect(parseModelRef('xdr-general@3')).toEqual({ model: 'xdr-general', version: 3 });
    expect(parseModelRef('xdr-general@production')).toEqual({ model: 'xdr-general', alias: 'production' });
    expect(() => parseModelRef('bad name@1')).toThrow(CliError);
  });

  it('prints the documented JSON shapes', () => {
    const evaluation = {
      macroF1: 0.9,
      accuracy: 0.95,
      perClass: { a: { precision: 1, recall: 0.9, f1: 0.95, support: 10 } },
      confusion: [
        [9, 1],
        [0, 5],
      ],
      classes: ['a', 'b'],
      rows: 15,
      unseenLabels: { c: 2 },
      unknownCategories: {},
      labelScheme: 'fine',
      dataset: { name: 'd', version: 1, sha256: 'x' },
    } satisfies ModelEvaluation;
    expect(evaluateOutput('m', 2, evaluation)).toMatchObject({
      macroF1: 0.9,
      accuracy: 0.95,
      perClass: evaluation.perClass,
      confusion: evaluation.confusion,
      unseenLabels: { c: 2 },
    });
    const job = { model: 'm', version: 4, metrics: { macroF1: 0.8, accuracy: 0.9 } } as unknown as TrainingJobResult;
    expect(trainOutput(job)).toEqual({ model: 'm', version: 4, metrics: { macroF1: 0.8, accuracy: 0.9 } });
  });

  it('renders a progress line with rounds and validation loss', () => {
    const line = progressLine({
      stage: 'train',
      message: 'round 0 iteration 12/200',
      training: { phase: 'fit', round: 0, message: '', fit: { iteration: 12, maxIterations: 200, validationLoss: 0.0123456 } },
    });
    expect(line).toBe('train 12/200 validation loss 0.01235');
    expect(progressLine({ stage: 'store', message: 'writing the bundle' })).toBe('writing the bundle');
  });
});
