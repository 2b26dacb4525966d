// Artefact keys: a job's artefacts must lie under its own model's prefix.
import { artefactKey, isModelArtefactKey } from './bundle';

describe('isModelArtefactKey', () => {
  it("accepts the model's content-addressed keys", () => {
    expect(isModelArtefactKey('general', artefactKey('general', 'onnx', 'a'.repeat(64)))).toBe(true);
    expect(isModelArtefactKey('general', 'models/general/x/evaluation.parquet')).toBe(true);
  });

  it('refuses keys of another model, outside models/, or escaping the prefix', () => {
    for (const key of [
      'models/other/abc/model.onnx',
      'models/generalx/abc/model.onnx',
      'datasets/general/abc.parquet',
      'models/general/../other/abc/model.onnx',
      'models/general/./model.onnx',
      'models/general//model.onnx',
      'models/general/',
      'models/general\\..\\other/model.onnx',
      '/models/general/abc/model.onnx',
    ]) {
      expect(isModelArtefactKey('general', key)).toBe(false);
    }
  });
});
