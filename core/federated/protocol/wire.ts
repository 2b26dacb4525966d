// The round protocol's transport: the coordinator posts one round object per participant and step
// (`federated/rounds/<run>/<tenant>/<seq>.json`), the participant answers with one submission
// (`federated/submissions/<tenant>/<run>/<seq>.json`). Every key is written once (s3rver has no
// versioning; immutable keys need none), so a retry or a replay can never overwrite a message.
// Messages are JSON with typed arrays and non-finite numbers tagged, so a Float64Array or an
// infinite range crosses intact.
import type { ObjectStore } from '../../ports';
import { FEDERATED_ROUNDS_PREFIX, federatedSubmissionPrefix } from '../keys';

const seqName = (seq: number): string => String(seq).padStart(6, '0');

/** The coordinator's message to one participant: step `seq` of run `runId`. */
export const roundObjectKey = (runId: string, tenant: string, seq: number): string => `${FEDERATED_ROUNDS_PREFIX}${runId}/${tenant}/${seqName(seq)}.json`;

/** A participant's answer to step `seq`. */
export const submissionKey = (runId: string, tenant: string, seq: number): string => `${federatedSubmissionPrefix(tenant)}${runId}/${seqName(seq)}.json`;

/** One step the coordinator asks of a participant. */
export interface RoundMessage {
  readonly seq: number;
  readonly method: string;
  readonly args: unknown;
  /** ISO-8601: an answer after it is a dropout. */
  readonly deadline: string;
}

/** A participant's answer: the method's result, or why it refused. */
export type Submission = { readonly seq: number; readonly result: unknown } | { readonly seq: number; readonly error: string };

type TypedArrayName = 'Float64Array' | 'Float32Array' | 'Int32Array' | 'Uint8Array';
const TYPED: Readonly<Record<TypedArrayName, { from(values: number[]): ArrayLike<number> }>> = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint8Array,
};

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name as TypedArrayName;
    if (name in TYPED) return { $typed: name, values: Array.from(value as unknown as ArrayLike<number>) };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (typeof v.$num === 'string' && Object.keys(v).length === 1) return Number(v.$num);
    if (typeof v.$typed === 'string' && Array.isArray(v.values) && v.$typed in TYPED) return TYPED[v.$typed as TypedArrayName].from(v.values as number[]);
  }
  return value;
}

/** A message as stored (tagged JSON). */
export const encodeMessage = (value: unknown): string => JSON.stringify(value, replacer);

/** A stored message back (typed arrays and non-finite numbers restored). */
export const decodeMessage = <T>(bytes: Uint8Array | string): T =>
  JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'), reviver) as T;

const parses = (body: Uint8Array): boolean => {
  try {
    JSON.parse(Buffer.from(body).toString('utf8'));
    return true;
  } catch {
    return false;
  }
};

/** How long an object that exists but does not parse yet (s3rver serves a file while it is written) is read again past the deadline. */
const PARTIAL_GRACE_MS = 30_000;

/**
 * Polls until `key` exists with a complete JSON body or `deadline` (epoch ms) passes; answers its
 * bytes, or undefined at the deadline. An object caught mid-write is read again.
 * @example const body = await waitForObject(store, submissionKey('run-1', 'acme', 3), Date.now() + 60_000);
 */
export async function waitForObject(store: ObjectStore, key: string, deadline: number, pollMs = 25): Promise<Uint8Array | undefined> {
  let wait = Math.min(pollMs, 5);
  for (;;) {
    let partial = false;
    if (await store.exists(key)) {
      const body = await store.get(key);
      if (parses(body)) return body;
      partial = true;
    }
    if (Date.now() >= deadline + (partial ? PARTIAL_GRACE_MS : 0)) return undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.max(Math.min(wait, deadline - Date.now()), 1)));
    wait = Math.min(wait * 2, pollMs);
  }
}
