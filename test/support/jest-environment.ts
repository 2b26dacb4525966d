// The jest environment of every suite: Node's, with the main realm's typed-array constructors
// shared into the sandbox. onnxruntime-node's native binding returns typed arrays from the main
// realm while jest's sandbox has its own Float32Array & co., so onnxruntime-common's
// `instanceof` checks would otherwise fail in any suite that runs a model.
import { TestEnvironment } from 'jest-environment-node';

const SHARED = [
  'ArrayBuffer',
  'Uint8Array',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

export default class PlatformTestEnvironment extends TestEnvironment {
  override async setup(): Promise<void> {
    await super.setup();
    const sandbox = this.global as unknown as Record<string, unknown>;
    const main = globalThis as unknown as Record<string, unknown>;
    for (const name of SHARED) sandbox[name] = main[name];
  }
}
