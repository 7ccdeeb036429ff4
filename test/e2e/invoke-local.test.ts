import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStreamRecords } from '../../tools/metrics/reader.js';
import { STATE_TABLE, STREAM_NAME, type World, startWorld } from '../../local/world.js';

/**
 * The README's `serverless invoke local` on a sample event, against `npm run local-account`'s
 * stand-ins: the function's environment names the state table and the stream with `Ref` and
 * `Fn::If`, which the command must resolve. Run in a copy of the service, so that its build does
 * not meet the packaging of the other end-to-end tests.
 */

const ROOT = join(import.meta.dirname, '..', '..');
let world: World;
let dir: string;

beforeAll(async () => {
  world = await startWorld();
  dir = mkdtempSync(join(tmpdir(), 'deploy-sentinel-invoke-'));
  for (const entry of ['serverless.yml', 'esbuild.config.cjs', 'package.json', 'tsconfig.json', 'serverless']) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  for (const entry of ['settings', 'functions', 'lib', 'events']) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
});
afterAll(async () => {
  await world.close();
  rmSync(dir, { recursive: true, force: true });
});

const invokeLocal = async (fn: string, event: string) => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'),
      'invoke',
      'local',
      '--stage',
      'local',
      '-f',
      fn,
      '-p',
      event,
    ],
    {
      cwd: dir,
      timeout: 90_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        SLS_TELEMETRY_DISABLED: '1',
        ...world.env,
        STATE_STREAM_NAME: STREAM_NAME,
        STATE_TABLE_NAME: STATE_TABLE,
      },
    },
  );
  return stdout;
};

describe('serverless invoke local', () => {
  it('runs a notifier on a sample event: the state table named by Ref is found, the alert posted', async () => {
    const before = world.slack.messages.length;
    const out = await invokeLocal('notifyDeployment', 'events/codedeploy/deployment.failure.json');
    expect(out).toContain('"posted": true');
    expect(world.slack.messages.length).toBe(before + 1);
    expect(world.slack.messages.at(-1)!.body.text).toContain('d-F41LED001');
  }, 120_000);

  it('runs the stream on a sample event: the stream named by Fn::If is found, the record written', async () => {
    await invokeLocal('streamState', 'events/codedeploy/deployment.failure.json');
    const { records } = await readStreamRecords(world.kinesis.client(), STREAM_NAME);
    expect(records.map((r) => [r.kind, r.deploymentId])).toContainEqual(['deployment', 'd-F41LED001']);
  }, 120_000);
});
