// Ports: the interfaces the core needs from storage and messaging. Adapters implement them over
// AWS SDK v3 (real AWS or the embedded dynalite + s3rver); unit tests may use in-memory fakes.
import { XdrError } from './errors';

/** Thrown by stores when a conditional write loses (item exists, revision moved on, ...). */
export class ConditionFailedError extends XdrError {
  override readonly name: string = 'ConditionFailedError';
}

/** Thrown when a key or item does not exist. */
export class NotFoundError extends XdrError {
  override readonly name: string = 'NotFoundError';
}

/** Blob storage for one bucket (S3). Keys are immutable by convention (content-addressed). */
export interface ObjectStore {
  readonly bucket: string;
  put(key: string, body: Uint8Array | string, options?: { contentType?: string }): Promise<void>;
  /** Throws NotFoundError when the key does not exist. */
  get(key: string): Promise<Uint8Array>;
  exists(key: string): Promise<boolean>;
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

/** One stored object and its size in bytes. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

/** An ObjectStore that also says how large its objects are (S3's listing does). */
export interface SizedObjectStore extends ObjectStore {
  /** Every object under `prefix` with its size. */
  listObjects(prefix: string): Promise<ObjectInfo[]>;
}

/** A DynamoDB-style item: plain JSON-compatible values. */
export type Item = Record<string, unknown>;

/** Key-value table with single-item conditional writes (no transactions: dynalite has none). */
export interface ItemTable {
  readonly tableName: string;
  get(key: Item): Promise<Item | undefined>;
  /** Unconditional put. */
  put(item: Item): Promise<void>;
  /**
   * Unconditional puts of up to 25 items in one request (DynamoDB BatchWriteItem), retried until
   * every item is stored. No two items may share a key.
   */
  batchPut(items: readonly Item[]): Promise<void>;
  /** Put only when no item with this key exists; ConditionFailedError otherwise. */
  putIfAbsent(item: Item): Promise<void>;
  /**
   * Put only when the stored item's `revisionAttribute` equals `expectedRevision`
   * (undefined = item must not exist); ConditionFailedError otherwise.
   */
  putIfRevision(item: Item, revisionAttribute: string, expectedRevision: number | undefined): Promise<void>;
  /** Atomically adds `by` to a numeric attribute and returns the new value (creates it at 0). */
  increment(key: Item, attribute: string, by?: number): Promise<number>;
  /** Atomically adds each delta to its numeric attribute in one write; returns the new values. */
  add(key: Item, deltas: Readonly<Record<string, number>>): Promise<Record<string, number>>;
  /** All items with the given partition key, sort key ascending (or descending). */
  query(partitionKey: Item, options?: { descending?: boolean; limit?: number; index?: string }): Promise<Item[]>;
  scan(): Promise<Item[]>;
  delete(key: Item): Promise<void>;
}

/** Publishes domain events (EventBridge in AWS, the in-process bus locally). */
export interface EventPublisher {
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
}
