import { codeVersion, ConfigError, configToEnvironment, loadConfig } from './config';

describe('loadConfig', () => {
  it('derives names from the stage and uses defaults', () => {
    const config = loadConfig({ XDR_ML_STAGE: 'dev', AWS_REGION: 'eu-west-1' });
    expect(config.tables.registry).toBe('xdr-ml-dev-registry');
    expect(config.buckets.artefacts).toBe('xdr-ml-dev-artefacts-000000000000-eu-west-1');
    expect(config.autoRetrain).toEqual({ enabled: false, schedule: 'rate(24 hours)' });
    expect(config.endpoints).toEqual({ dynamodb: undefined, s3: undefined, eventBridge: undefined });
    expect(config.onnx).toEqual({ mergeBudgetBytes: 4 * 1024 * 1024, mergeMaxNodes: 4096 });
  });

  it('reads the ONNX merge settings as whole numbers, naming a bad one', () => {
    expect(loadConfig({ XDR_ML_ONNX_MERGE_BUDGET_BYTES: '0', XDR_ML_ONNX_MERGE_MAX_NODES: '16384' }).onnx).toEqual({
      mergeBudgetBytes: 0,
      mergeMaxNodes: 16384,
    });
    expect(() => loadConfig({ XDR_ML_ONNX_MERGE_MAX_NODES: '1.5' })).toThrow(
      /XDR_ML_ONNX_MERGE_MAX_NODES \(onnxMergeMaxNodes\) must be a whole number \(got "1.5"\)/,
    );
    expect(() => loadConfig({ XDR_ML_ONNX_MERGE_BUDGET_BYTES: '-1' })).toThrow(/XDR_ML_ONNX_MERGE_BUDGET_BYTES/);
    expect(() => loadConfig({ XDR_ML_ONNX_MERGE_BUDGET_BYTES: String(2 * 1024 ** 3) })).toThrow(/must be at most 1073741824/);
  });

  it('names the key of an invalid value', () => {
    expect(() => loadConfig({ XDR_ML_AUTO_RETRAIN: 'yes' })).toThrow(/XDR_ML_AUTO_RETRAIN/);
    expect(() => loadConfig({ XDR_ML_MIN_MACRO_F1: '1.5' })).toThrow(/XDR_ML_MIN_MACRO_F1/);
    expect(() => loadConfig({ XDR_ML_DYNAMODB_ENDPOINT: 'not a url' })).toThrow(/XDR_ML_DYNAMODB_ENDPOINT/);
    expect(() => loadConfig({ XDR_ML_STAGE: 'Prod!' })).toThrow(ConfigError);
    // schedules are read as EventBridge reads them, so a bad one fails here, not at deploy
    expect(() => loadConfig({ XDR_ML_RETRAIN_SCHEDULE: 'cron(0 3 * * *)' })).toThrow(/XDR_ML_RETRAIN_SCHEDULE.*6 fields/);
    expect(() => loadConfig({ XDR_ML_RETRAIN_SCHEDULE: 'rate(1 hours)' })).toThrow(/XDR_ML_RETRAIN_SCHEDULE.*singular/);
    expect(loadConfig({ XDR_ML_RETRAIN_SCHEDULE: 'cron(0 3 ? * MON-FRI *)' }).autoRetrain.schedule).toBe('cron(0 3 ? * MON-FRI *)');
  });

  it('reads the hardening settings with their documented defaults, naming a bad one', () => {
    const config = loadConfig({});
    expect(config.serving).toMatchObject({
      sampleRate: 1,
      telemetryMaxFlows: 100,
      telemetryRetentionDays: 30,
      inferenceRetentionDays: 90,
      telemetryMaxBytes: 256 * 1024 * 1024,
    });
    expect(config.collectionDatasets).toEqual(['collected*']);
    expect(config.local.token).toBeUndefined();
    expect(loadConfig({ XDR_ML_COLLECTION_DATASETS: ' incidents , soc-* ' }).collectionDatasets).toEqual(['incidents', 'soc-*']);
    expect(() => loadConfig({ XDR_ML_COLLECTION_DATASETS: 'a b' })).toThrow(/XDR_ML_COLLECTION_DATASETS/);
    expect(() => loadConfig({ XDR_ML_LOCAL_TOKEN: 'short' })).toThrow(/XDR_ML_LOCAL_TOKEN.*16-256 printable/);
    expect(loadConfig({ XDR_ML_LOCAL_TOKEN: 'a'.repeat(32) }).local.token).toBe('a'.repeat(32));
    expect(() => loadConfig({ XDR_ML_TELEMETRY_MAX_BYTES: '100' })).toThrow(/XDR_ML_TELEMETRY_MAX_BYTES/);
    const again = loadConfig({ ...configToEnvironment(loadConfig({ XDR_ML_COLLECTION_DATASETS: 'x,y*', XDR_ML_TELEMETRY_RETENTION_DAYS: '7' })) });
    expect(again.collectionDatasets).toEqual(['x', 'y*']);
    expect(again.serving.telemetryRetentionDays).toBe(7);
  });

  it('reads the federated tenants: none by default, ids by the tenant rule, no repeats, through the deploy environment', () => {
    expect(loadConfig({}).federated.tenants).toEqual([]);
    expect(loadConfig({ XDR_ML_TENANTS: ' acme , globex ' }).federated.tenants).toEqual(['acme', 'globex']);
    expect(() => loadConfig({ XDR_ML_TENANTS: 'acme,Bad_Id' })).toThrow(/XDR_ML_TENANTS.*must be a tenant id/);
    expect(() => loadConfig({ XDR_ML_TENANTS: 'acme,acme' })).toThrow(/XDR_ML_TENANTS.*must not repeat a tenant/);
    expect(loadConfig({ ...configToEnvironment(loadConfig({ XDR_ML_TENANTS: 'a,b' })) }).federated.tenants).toEqual(['a', 'b']);
  });

  it('lets CDK context override the environment', () => {
    const config = loadConfig({ XDR_ML_AUTO_RETRAIN: 'false' }, { autoRetrain: true, stage: 'prod' });
    expect(config.autoRetrain.enabled).toBe(true);
    expect(config.stage).toBe('prod');
  });

  it('round-trips through the Lambda environment', () => {
    const config = loadConfig({ XDR_ML_STAGE: 'dev', XDR_ML_AUTO_RETRAIN: 'true', XDR_ML_MIN_MACRO_F1: '0.8' });
    const again = loadConfig({ ...configToEnvironment(config) });
    expect(again.tables).toEqual(config.tables);
    expect(again.thresholds).toEqual(config.thresholds);
    expect(again.autoRetrain).toEqual(config.autoRetrain);
    expect(again.onnx).toEqual(config.onnx);
  });
});

describe('codeVersion', () => {
  it('is the package version plus XDR_CODE_VERSION when set', () => {
    expect(codeVersion({})).toMatch(/^\d+\.\d+\.\d+$/);
    expect(codeVersion({ XDR_CODE_VERSION: 'abc1234' })).toMatch(/^\d+\.\d+\.\d+\+abc1234$/);
  });
});
