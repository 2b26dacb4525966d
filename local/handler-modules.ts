// Loads the platform's handler modules by their catalogue entry, lazily (on first use, as a Lambda
// cold start would), so the local API server and the local event runtime run exactly the modules
// that are deployed as functions.
import type { Context } from 'aws-lambda';
import path from 'node:path';
import type { FunctionDefinition } from '../config/functions';
import { XdrError } from '../core/errors';

/** What a handler module exports: a Lambda handler of some event type. */
export type LambdaHandler<E = unknown, R = unknown> = (event: E, context: Context) => Promise<R>;

/** The repository root: where the catalogue's entry paths start. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Handler modules compiled into the CLI bundle (bin/cli-bundle.js), by catalogue entry path. */
const bundled = new Map<string, () => unknown>();

/**
 * Called by the CLI bundle: its handler modules, so that `xdr-ml serve` runs them on the same
 * module instances (the same installed platform) instead of loading the sources beside it.
 */
export function registerBundledHandlers(modules: Readonly<Record<string, () => unknown>>): void {
  for (const [entry, load] of Object.entries(modules)) bundled.set(entry, load);
}

export class HandlerModules {
  private readonly handlers = new Map<string, LambdaHandler>();
  constructor(private readonly root: string = PROJECT_ROOT) {}

  /** The handler of a function (its module loaded on first use). */
  get<E, R>(fn: FunctionDefinition): LambdaHandler<E, R> {
    let h = this.handlers.get(fn.id);
    if (!h) {
      const load = this.root === PROJECT_ROOT ? bundled.get(fn.entry) : undefined;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = (load ? load() : require(path.join(this.root, fn.entry))) as { handler?: LambdaHandler };
      if (typeof mod.handler !== 'function') throw new XdrError(`${fn.entry} does not export a handler`);
      h = mod.handler;
      this.handlers.set(fn.id, h);
    }
    return h as LambdaHandler<E, R>;
  }
}
