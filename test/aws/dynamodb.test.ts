import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/config.js';
import { dynamoDbPortOver, fromAttributes, toAttributes } from '../../lib/aws/dynamodb.js';
import { deadlineAt } from '../../lib/time.js';

const dynamodb = mockClient(DynamoDBClient);
const port = dynamoDbPortOver(new DynamoDBClient({ ...clientConfig({ region: 'us-east-1' }) }));
const meta = { $metadata: {} };
const budget = () => ({ deadline: deadlineAt(Date.now() + 60_000), sleep: async () => {} });
const request = {
  table: 't',
  key: { pk: 'k' },
  update: 'SET a = :a',
  condition: 'attribute_not_exists(pk)',
  values: { ':a': 1 },
};

beforeEach(() => dynamodb.reset());

describe('DynamoDB port', () => {
  it('round-trips plain values through attribute values', () => {
    const item = { s: 'x', n: 1.5, b: true, none: null, list: ['a', 2], map: { post: { ts: '1.000100', at: 'now' } } };
    expect(fromAttributes(toAttributes(item))).toEqual(item);
    expect(toAttributes({ gone: undefined, n: 0 })).toEqual({ n: { N: '0' } });
  });

  it('reads consistently, under an abort signal', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: 'k' }, n: { N: '3' } } });
    await expect(port.getItem('t', { pk: 'k' }, budget())).resolves.toEqual({ pk: 'k', n: 3 });
    const call = dynamodb.commandCalls(GetItemCommand)[0]!;
    expect(call.args[0].input).toEqual({ TableName: 't', Key: { pk: { S: 'k' } }, ConsistentRead: true });
    expect((call.args as unknown[])[1]).toMatchObject({ abortSignal: expect.any(AbortSignal) });
  });

  it('answers a failed condition as such, at once, without retrying it', async () => {
    dynamodb.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', ...meta }));
    await expect(port.updateItem(request, budget())).resolves.toEqual({ updated: false, conditionFailed: true });
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('retries throttling within its budget and returns the item as written', async () => {
    dynamodb
      .on(UpdateItemCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', ...meta }))
      .resolves({ Attributes: { pk: { S: 'k' }, a: { N: '1' } } });
    await expect(port.updateItem(request, budget())).resolves.toEqual({ updated: true, item: { pk: 'k', a: 1 } });
    const calls = dynamodb.commandCalls(UpdateItemCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      ExpressionAttributeValues: { ':a': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    });
  });
});
