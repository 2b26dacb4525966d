// Every Lambda bundle holds only what it runs: each catalogue handler bundled with the CDK
// functions' esbuild settings (infra/constructs/xdr-function.ts: the SDK and onnxruntime external)
// pulls in none of the embedded cloud (dynalite, s3rver, their leveldb and koa stacks, busboy/dicer),
// no CLI and no build tool.
import { build } from 'esbuild';
import path from 'node:path';
import { EVENT_FUNCTIONS } from '../../config/event-functions';
import { FUNCTIONS } from '../../config/functions';
import { ONNX_RUNTIME_PACKAGES } from '../../infra/constructs/onnx-runtime-bundling';

const ROOT = path.resolve(__dirname, '..', '..');
// Powertools (and the X-Ray SDK its tracer wraps, with that SDK's own small dependencies), middy, zod, the Parquet codec
const ALLOWED =
  /^(@aws-lambda-powertools\/\w+|@aws\/lambda-invoke-store|@middy\/core|zod|hyparquet|hyparquet-writer|aws-xray-sdk-core|cls-hooked|emitter-listener|shimmer|atomic-batcher|semver|@smithy\/service-error-classification)$/;
const FORBIDDEN = ['dynalite', 's3rver', 'classic-level', 'level', 'koa', 'busboy', 'dicer', 'commander', 'tsx', 'esbuild', 'onnxruntime-node'];

function packageOf(input: string): string {
  const parts = input.split('node_modules/').pop()!.split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

describe('Lambda bundles', () => {
  it.each([...FUNCTIONS, ...Object.values(EVENT_FUNCTIONS)].map((fn) => [fn.id, fn.entry]))(
    '%s holds no embedded server, CLI or build tool',
    async (_id, entry) => {
      const result = await build({
        absWorkingDir: ROOT,
        entryPoints: [path.join(ROOT, entry)],
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        external: ['@aws-sdk/*', ...ONNX_RUNTIME_PACKAGES],
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const packages = new Set(
        Object.keys(result.metafile.inputs)
          .filter((i) => i.includes('node_modules/'))
          .map(packageOf),
      );
      expect(FORBIDDEN.filter((p) => packages.has(p))).toEqual([]);
      // what a handler runs (the SDK itself comes from the runtime)
      expect([...packages].filter((p) => !ALLOWED.test(p))).toEqual([]);
      expect(Object.keys(result.metafile.inputs).filter((i) => i.startsWith('local/embedded-cloud') || i.startsWith('cli/'))).toEqual([]);
    },
    60_000,
  );
});
