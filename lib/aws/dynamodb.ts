import { type AttributeValue, DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type CallBudget, callAws } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';

/**
 * The DynamoDB port: a consistent GetItem and a conditional UpdateItem within the caller's budget
 * (`callAws`), with items as plain values. A failed condition is an answer, not an error: it is how
 * a conditional write says "someone was here first" (DynamoDB Developer Guide, "Condition
 * expressions", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
 */

/** An item's attributes as plain values: strings, numbers, booleans, null, lists and maps of them. */
export type Item = Record<string, unknown>;

export interface UpdateRequest {
  table: string;
  key: Item;
  /** An UpdateExpression (`SET …`, `REMOVE …`). */
  update: string;
  /** A ConditionExpression: the write happens only if it holds. */
  condition?: string;
  names?: Record<string, string>;
  values?: Item;
}

/** The item as written (`ReturnValues: ALL_NEW`), or `conditionFailed` when the condition did not hold. */
export type UpdateAnswer = { updated: true; item: Item } | { updated: false; conditionFailed: true };

export interface DynamoDbPort {
  /** GetItem with a strongly consistent read: undefined when there is no such item. */
  getItem(table: string, key: Item, budget: CallBudget): Promise<Item | undefined>;
  /** UpdateItem (creates the item when absent), conditional when `condition` is given. */
  updateItem(request: UpdateRequest, budget: CallBudget): Promise<UpdateAnswer>;
}

/** The DynamoDB port over a client built from the service's client settings. */
export const createDynamoDbPort = (options: AwsClientOptions = {}): DynamoDbPort =>
  dynamoDbPortOver(new DynamoDBClient(clientConfig(options)));

/** A plain value as a DynamoDB attribute value (Data types: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html). */
export const toAttribute = (value: unknown): AttributeValue => {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  if (typeof value === 'object') return { M: toAttributes(value as Item) };
  throw new TypeError(`cannot store a ${typeof value} in DynamoDB`);
};

export const toAttributes = (item: Item): Record<string, AttributeValue> =>
  Object.fromEntries(
    Object.entries(item)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, toAttribute(v)]),
  );

/** A DynamoDB attribute value as a plain value (the types `toAttribute` writes). */
export const fromAttribute = (value: AttributeValue): unknown => {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.L !== undefined) return value.L.map(fromAttribute);
  if (value.M !== undefined) return fromAttributes(value.M);
  return null;
};

export const fromAttributes = (item: Record<string, AttributeValue>): Item =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, fromAttribute(v)]));

const isConditionFailure = (error: unknown) =>
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

/** The port over a given client (tests hand in one behind aws-sdk-client-mock or pointed at dynalite). */
export const dynamoDbPortOver = (client: DynamoDBClient): DynamoDbPort => ({
  async getItem(table, key, budget) {
    const answer = await callAws(
      (abortSignal) =>
        client.send(new GetItemCommand({ TableName: table, Key: toAttributes(key), ConsistentRead: true }), {
          abortSignal,
        }),
      budget,
    );
    return answer.Item ? fromAttributes(answer.Item) : undefined;
  },

  async updateItem(request, budget) {
    try {
      const answer = await callAws(
        (abortSignal) =>
          client.send(
            new UpdateItemCommand({
              TableName: request.table,
              Key: toAttributes(request.key),
              UpdateExpression: request.update,
              ConditionExpression: request.condition,
              ExpressionAttributeNames: request.names,
              ExpressionAttributeValues: request.values ? toAttributes(request.values) : undefined,
              ReturnValues: 'ALL_NEW',
            }),
            { abortSignal },
          ),
        { ...budget, final: (error) => isConditionFailure(error) || Boolean(budget.final?.(error)) },
      );
      return { updated: true, item: fromAttributes(answer.Attributes ?? {}) };
    } catch (error) {
      if (isConditionFailure(error)) return { updated: false, conditionFailed: true };
      throw error;
    }
  },
});
