import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDeployment } from '../../lib/codedeploy/describe.js';

// A CodeDeploy endpoint that accepts the request and never answers.
const server = createServer(() => {});
let client: CodeDeployClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new CodeDeployClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

it('abandons a CodeDeploy call that does not answer within its timeout', async () => {
  await expect(describeDeployment(client, 'd-ABCDEFGH1', { callTimeoutMs: 100 })).rejects.toThrow(/abort/i);
});
