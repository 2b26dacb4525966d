// In-memory ObjectStore / ItemTable fakes for the dataset module's unit tests only (the real
// adapters talk to S3 / DynamoDB or the embedded s3rver / dynalite).
import { ConditionFailedError, NotFoundError, type Item, type ItemTable, type ObjectStore } from '../../ports';

/** Records every write, in order, so tests can assert "manifest last". */
export type WriteLog = string[];

/** ObjectStore over a Map. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();

  constructor(
    readonly bucket = 'datasets',
    readonly log: WriteLog = [],
  ) {}

  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.log.push(`object:${key}`);
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body.slice());
  }

  async get(key: string): Promise<Uint8Array> {
    const body = this.objects.get(key);
    if (body === undefined) throw new NotFoundError(`no object ${key}`);
    return body.slice();
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}

/** ItemTable over a Map, keyed by a partition and a numeric sort attribute. */
export class MemoryItemTable implements ItemTable {
  readonly items = new Map<string, Item>();
  /** Called before each putIfAbsent; a test may throw from it to simulate a lost race. */
  beforePutIfAbsent?: (item: Item) => Promise<void> | void;

  constructor(
    readonly tableName = 'datasets',
    readonly partitionKey = 'name',
    readonly sortKey = 'version',
    readonly log: WriteLog = [],
  ) {}

  private keyOf(item: Item): string {
    return JSON.stringify([item[this.partitionKey], item[this.sortKey]]);
  }

  async get(key: Item): Promise<Item | undefined> {
    const item = this.items.get(this.keyOf(key));
    return item === undefined ? undefined : structuredClone(item);
  }

  async put(item: Item): Promise<void> {
    this.log.push(`item:${this.keyOf(item)}`);
    this.items.set(this.keyOf(item), structuredClone(item));
  }

  async batchPut(items: readonly Item[]): Promise<void> {
    for (const item of items) await this.put(item);
  }

  async putIfAbsent(item: Item): Promise<void> {
    await this.beforePutIfAbsent?.(item);
    if (this.items.has(this.keyOf(item))) throw new ConditionFailedError(`item ${this.keyOf(item)} exists`);
    await this.put(item);
  }

  async putIfRevision(item: Item, revisionAttribute: string, expectedRevision: number | undefined): Promise<void> {
    const current = this.items.get(this.keyOf(item));
    if ((current?.[revisionAttribute] as number | undefined) !== expectedRevision) {
      throw new ConditionFailedError(`revision of ${this.keyOf(item)} moved on`);
    }
    await this.put(item);
  }

  async increment(key: Item, attribute: string, by = 1): Promise<number> {
    const current = this.items.get(this.keyOf(key)) ?? { ...key };
    const value = ((current[attribute] as number | undefined) ?? 0) + by;
    this.items.set(this.keyOf(key), { ...current, [attribute]: value });
    return value;
  }

  async add(key: Item, deltas: Readonly<Record<string, number>>): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [attribute, by] of Object.entries(deltas)) out[attribute] = await this.increment(key, attribute, by);
    return out;
  }

  async query(partitionKey: Item, options: { descending?: boolean; limit?: number } = {}): Promise<Item[]> {
    const pk = partitionKey[this.partitionKey];
    const found = [...this.items.values()].filter((i) => i[this.partitionKey] === pk).sort((a, b) => (a[this.sortKey] as number) - (b[this.sortKey] as number));
    if (options.descending) found.reverse();
    return found.slice(0, options.limit ?? found.length).map((i) => structuredClone(i));
  }

  async scan(): Promise<Item[]> {
    return [...this.items.values()].map((i) => structuredClone(i));
  }

  async delete(key: Item): Promise<void> {
    this.items.delete(this.keyOf(key));
  }
}
