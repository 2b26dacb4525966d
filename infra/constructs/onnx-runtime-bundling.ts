// Bundling for functions that run onnxruntime-node: esbuild keeps the package external, and an
// after-bundling hook copies it (and onnxruntime-common) from this checkout's node_modules into
// the asset, keeping only the target platform's native binary. The npm package ships binaries
// for every OS and CPU (~290 MB); pruned to linux-arm64 it is ~30 MB, far under Lambda's
// 250 MB unzipped limit. Nothing is downloaded: the copy is offline and Docker-free.
import * as path from 'node:path';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';

export const ONNX_RUNTIME_PACKAGES = ['onnxruntime-node', 'onnxruntime-common'] as const;

export interface OnnxRuntimeTarget {
  /** @default 'linux' */
  readonly platform?: 'linux';
  /** @default 'arm64' */
  readonly arch?: 'arm64' | 'x64';
}

/** Shell commands that copy onnxruntime into `outputDir/node_modules` and prune other binaries. */
export function onnxRuntimeCopyCommands(projectRoot: string, outputDir: string, target: OnnxRuntimeTarget = {}): string[] {
  const platform = target.platform ?? 'linux';
  const arch = target.arch ?? 'arm64';
  const modules = path.join(outputDir, 'node_modules');
  const commands = [`mkdir -p "${modules}"`];
  for (const pkg of ONNX_RUNTIME_PACKAGES) {
    commands.push(`cp -R "${path.join(projectRoot, 'node_modules', pkg)}" "${modules}/"`);
  }
  const bin = path.join(modules, 'onnxruntime-node', 'bin');
  // Keep bin/napi-v*/<platform>/<arch>; remove every other OS and CPU.
  commands.push(
    `find "${bin}" -mindepth 2 -maxdepth 2 -type d ! -name "${platform}" -exec rm -rf {} +`,
    `find "${bin}" -mindepth 3 -maxdepth 3 -type d ! -name "${arch}" -exec rm -rf {} +`,
    `rm -rf "${path.join(modules, 'onnxruntime-node', 'script')}" "${path.join(modules, 'onnxruntime-node', 'lib')}"`,
  );
  return commands;
}

/** Command hooks for NodejsFunction bundling that add a pruned onnxruntime-node. */
export function onnxRuntimeCommandHooks(projectRoot: string, target: OnnxRuntimeTarget = {}): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => onnxRuntimeCopyCommands(projectRoot, outputDir, target),
  };
}
