// ItemTable over DynamoDB (real AWS, dynalite or LocalStack). Conditional writes are single-item
// condition expressions; a lost condition becomes the domain's ConditionFailedError.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError, type Item, type ItemTable } from '../core/ports';
import type { TableDefinition } from '../config/resources';

/** Items one BatchWriteItem request takes. */
const BATCH_WRITE_MAX = 25;

/** DynamoDB numbers hold magnitudes in [1e-130, 1e126) and no NaN or Infinity. */
const DYNAMO_MIN_MAGNITUDE = 1e-130;

/**
 * Makes an item storable: a number too small for DynamoDB (a p-value of 1e-300, say) becomes 0,
 * and NaN / ±Infinity become null — the closest values DynamoDB can hold. Everything else is kept.
 */
export function toStorableItem<T>(value: T): T {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null as T;
    return (value !== 0 && Math.abs(value) < DYNAMO_MIN_MAGNITUDE ? 0 : value) as T;
  }
  if (Array.isArray(value)) return value.map((v) => toStorableItem(v)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Set)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toStorableItem(v);
    return out as T;
  }
  return value;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

export class DynamoItemTable implements ItemTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly definition: TableDefinition,
  ) {}

  async get(key: Item): Promise<Item | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return out.Item;
  }

  async put(item: Item): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: toStorableItem(item) }));
  }

  async batchPut(items: readonly Item[]): Promise<void> {
    if (items.length > BATCH_WRITE_MAX) throw new RangeError(`batchPut takes at most ${BATCH_WRITE_MAX} items (got ${items.length})`);
    let requests = items.map((item) => ({ PutRequest: { Item: toStorableItem(item) } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      if (attempt > 10) throw new Error(`${this.tableName}: ${requests.length} item(s) still unprocessed after ${attempt} BatchWriteItem attempts`);
      const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
      requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
    }
  }

  async putIfAbsent(item: Item): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toStorableItem(item),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': this.definition.partitionKey.name },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error))
        throw new ConditionFailedError(`${this.tableName}: an item with key ${this.describeKey(item)} already exists`, { cause: error });
      throw error;
    }
  }

  async putIfRevision(item: Item, revisionAttribute: string, expectedRevision: number | undefined): Promise<void> {
    const condition: Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> =
      expectedRevision === undefined
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': this.definition.partitionKey.name } }
        : {
            ConditionExpression: '#rev = :rev',
            ExpressionAttributeNames: { '#rev': revisionAttribute },
            ExpressionAttributeValues: { ':rev': expectedRevision },
          };
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: toStorableItem(item), ...condition }));
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConditionFailedError(`${this.tableName}: ${this.describeKey(item)} is no longer at revision ${expectedRevision ?? '(absent)'}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async increment(key: Item, attribute: string, by = 1): Promise<number> {
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'ADD #a :by',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':by': by },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.[attribute]);
  }

  async add(key: Item, deltas: Readonly<Record<string, number>>): Promise<Record<string, number>> {
    const entries = Object.entries(deltas);
    if (entries.length === 0) return {};
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `ADD ${entries.map((_, i) => `#a${i} :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#a${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, by], i) => [`:v${i}`, by])),
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Object.fromEntries(entries.map(([name]) => [name, Number(out.Attributes?.[name])]));
  }

  async query(partitionKey: Item, options: { descending?: boolean; limit?: number; index?: string } = {}): Promise<Item[]> {
    const [name, value] = Object.entries(partitionKey)[0];
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: options.index,
          KeyConditionExpression: '#k = :v',
          ExpressionAttributeNames: { '#k': name },
          ExpressionAttributeValues: { ':v': value },
          ScanIndexForward: !options.descending,
          ConsistentRead: options.index ? undefined : true,
          Limit: options.limit,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
      if (options.limit !== undefined && items.length >= options.limit) break;
    } while (start);
    return options.limit !== undefined ? items.slice(0, options.limit) : items;
  }

  async scan(): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start, ConsistentRead: true }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async delete(key: Item): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
  }

  private describeKey(item: Item): string {
    const parts = [this.definition.partitionKey.name, this.definition.sortKey?.name].filter((k): k is string => !!k);
    return parts.map((k) => `${k}=${JSON.stringify(item[k])}`).join(', ');
  }
}
