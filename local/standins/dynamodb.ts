import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { STATE_TABLE_KEY } from '../../lib/alerts/ledger.js';

/**
 * A local DynamoDB: dynalite (pure JavaScript, in memory) behind a small front that can be told to
 * answer like a table in trouble: throttled (`ProvisionedThroughputExceededException`, HTTP 400, as
 * DynamoDB answers it), failing (HTTP 500 `InternalServerError`), or not answering at all.
 * Dynalite has no TTL, no transactions and ignores `ReturnValuesOnConditionCheckFailure`; nothing
 * here uses them.
 */

export type TableMode = 'up' | 'throttled' | 'failing' | 'hang';

export interface DynamoDbStandIn {
  url: string;
  /** Every operation asked, by name (`X-Amz-Target` without its prefix), whatever was answered. */
  calls: string[];
  setMode(mode: TableMode): void;
  /** A client for tests and local tools (never for the functions, which build their own). */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

const fault = (res: ServerResponse, status: number, type: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }));
};

export const startDynamoDbStandIn = async (options: { tables?: string[] } = {}): Promise<DynamoDbStandIn> => {
  const engine = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const handle = engine.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  const calls: string[] = [];
  let mode: TableMode = 'up';
  const server = createServer((req, res) => {
    calls.push(String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, ''));
    if (mode === 'hang') return;
    if (mode === 'throttled')
      return fault(
        res,
        400,
        'ProvisionedThroughputExceededException',
        'The level of configured provisioned throughput for the table was exceeded.',
      );
    if (mode === 'failing') return fault(res, 500, 'InternalServerError', 'Internal server error');
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = () =>
    new DynamoDBClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  const standIn: DynamoDbStandIn = {
    url,
    calls,
    setMode: (next) => {
      mode = next;
    },
    client,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => engine.close(() => resolve()));
      }),
  };
  for (const table of options.tables ?? []) await createStateTable(standIn, table);
  calls.length = 0;
  return standIn;
};

/** The state table as serverless.yml declares it (the template test holds the two together). */
export const createStateTable = async (standIn: Pick<DynamoDbStandIn, 'client'>, name: string): Promise<void> => {
  const client = standIn.client();
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: STATE_TABLE_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: STATE_TABLE_KEY, KeyType: 'HASH' }],
      }),
    );
  } finally {
    client.destroy();
  }
};
