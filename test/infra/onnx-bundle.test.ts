// A function that needs onnxruntime-node is bundled with the package kept external and pruned
// to the target platform's binary, so the asset stays under Lambda's 250 MB unzipped limit.
import { App, Stack } from 'aws-cdk-lib';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XdrFunction } from '../../infra/constructs/xdr-function';

const ROOT = path.resolve(__dirname, '..', '..');
const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;

function directorySize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? directorySize(p) : statSync(p).size;
  }
  return total;
}

describe('onnxruntime-node bundling', () => {
  it('ships only the linux-arm64 binary and stays under the Lambda size limit', () => {
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'cdk-onnx-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'OnnxBundle', { env: { account: '123456789012', region: 'eu-west-1' } });
    new XdrFunction(stack, 'Scorer', {
      projectRoot: ROOT,
      environment: {},
      definition: {
        id: 'onnx-probe',
        description: 'bundling probe',
        entry: 'functions/health/handler.ts',
        routes: [],
        memoryMb: 1024,
        timeoutSeconds: 10,
        usesOnnxRuntime: true,
        access: {},
      },
    });
    const assembly = app.synth();
    const assetDirs = readdirSync(assembly.directory).filter((d) => d.startsWith('asset.'));
    expect(assetDirs).toHaveLength(1);
    const asset = path.join(assembly.directory, assetDirs[0]);
    const bin = path.join(asset, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');

    expect(existsSync(path.join(bin, 'linux', 'arm64', 'onnxruntime_binding.node'))).toBe(true);
    expect(readdirSync(bin)).toEqual(['linux']);
    expect(readdirSync(path.join(bin, 'linux'))).toEqual(['arm64']);
    expect(existsSync(path.join(asset, 'node_modules', 'onnxruntime-common', 'package.json'))).toBe(true);

    const size = directorySize(asset);
    expect(size).toBeLessThan(LAMBDA_UNZIPPED_LIMIT);
    expect(size).toBeLessThan(directorySize(path.join(ROOT, 'node_modules', 'onnxruntime-node')));
    rmSync(outdir, { recursive: true, force: true });
  });
});
