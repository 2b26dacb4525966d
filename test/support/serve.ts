// Starts the local platform (`xdr-ml serve`, what `npm start` runs) as a child process in its
// own state directory and waits for its URL.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface ServedPlatform {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Environment for a child that must run its own embedded cloud (not the test run's). */
export function isolatedEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDR_ML_HOME: home, PORT: '0', XDR_ML_BOOTSTRAP: 'false', ...extra };
  delete env.XDR_ML_DYNAMODB_ENDPOINT;
  delete env.XDR_ML_S3_ENDPOINT;
  return env;
}

export async function startServe(env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ServedPlatform> {
  // Runs in its state directory: local exports (models/, change-control/) land there, not in the checkout.
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'xdr-ml.js'), 'serve'], {
    cwd: env.XDR_ML_HOME ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in ${timeoutMs} ms: ${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
