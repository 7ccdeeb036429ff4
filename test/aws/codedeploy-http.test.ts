import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { clientConfig } from '../../lib/aws/config.js';
import { deadlineAt } from '../../lib/time.js';

// A CodeDeploy endpoint that accepts the request and never answers.
const server = createServer(() => {});
let client: CodeDeployClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new CodeDeployClient({
    ...clientConfig({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
});
afterAll(() => {
  client.destroy();
  server.closeAllConnections();
  server.close();
});

it('abandons a CodeDeploy call that does not answer within its time-out', async () => {
  const port = codeDeployPortOver(client);
  await expect(
    port.getDeployment('d-ABCDEFGH1', { deadline: deadlineAt(Date.now() + 30_000), timeoutMs: 100, attempts: 1 }),
  ).rejects.toThrow(/abort/i);
});
