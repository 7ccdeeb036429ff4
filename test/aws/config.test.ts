import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../../lib/aws/config.js';

const KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_PROFILE',
];

describe("the service's client settings", () => {
  let saved: Record<string, string | undefined>;
  let dir: string;

  beforeEach(() => {
    saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
    for (const k of KEYS) delete process.env[k];
    dir = mkdtempSync(join(tmpdir(), 'client-config-'));
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  // What a client built with the settings signs its requests with.
  const credentialsOf = (config: ReturnType<typeof clientConfig>) =>
    new STSClient({ region: 'us-east-1', ...config }).config.credentials();

  it("take a Lambda's credentials from its environment", async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    process.env.AWS_SESSION_TOKEN = 'token';
    await expect(credentialsOf(clientConfig())).resolves.toMatchObject({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('look nowhere else: a shared credentials file is not read', async () => {
    const file = join(dir, 'credentials');
    writeFileSync(file, '[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n');
    process.env.AWS_SHARED_CREDENTIALS_FILE = file;
    await expect(credentialsOf(clientConfig())).rejects.toThrow(/environment/i);
  });

  it('keep the credentials they are given (a member account’s assumed role)', async () => {
    const given = { accessKeyId: 'AKIDROLE', secretAccessKey: 'role-secret', sessionToken: 'role-token' };
    await expect(credentialsOf(clientConfig({ credentials: given }))).resolves.toEqual(given);
  });
});
