import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createCredentialCache,
  MemberAccessError,
  type MemberAccess,
  portsByTarget,
  roleArnOf,
} from '../../lib/aws/accounts.js';
import type { AwsClientOptions } from '../../lib/aws/config.js';
import { clientConfig } from '../../lib/aws/config.js';
import { type AssumedCredentials, type StsPort, stsPortOver } from '../../lib/aws/sts.js';
import { createLogger } from '../../lib/log.js';
import { deadlineAt } from '../../lib/time.js';

const HUB = '111122223333';
const MEMBER = '444455556666';
const OTHER = '777788889999';
const ROLE = 'deploy-sentinel-prod-member-read';
const MINUTE = 60_000;
const T0 = Date.parse('2026-12-01T10:00:00Z');

/** An STS that hands out one-hour credentials naming the account, and denies the accounts listed. */
const fakeSts = (clock: () => number, denied: string[] = []) => {
  const calls: string[] = [];
  let pending: Array<() => void> | undefined;
  const port: StsPort = {
    async assumeRole({ roleArn }) {
      calls.push(roleArn);
      if (pending) await new Promise<void>((resolve) => pending!.push(resolve));
      const account = roleArn.split(':')[4]!;
      if (denied.includes(account))
        throw Object.assign(new Error(`not authorized to perform sts:AssumeRole on ${roleArn}`), {
          name: 'AccessDenied',
        });
      return {
        accessKeyId: `ASIA${account}`,
        secretAccessKey: 'secret',
        sessionToken: 'token',
        expiration: new Date(clock() + 60 * MINUTE),
      } satisfies AssumedCredentials;
    },
  };
  return {
    port,
    calls,
    /** Holds every AssumeRole until `release` is called. */
    hold() {
      pending = [];
    },
    release() {
      const waiting = pending ?? [];
      pending = undefined;
      for (const resolve of waiting) resolve();
    },
  };
};

const setup = (denied: string[] = []) => {
  let now = T0;
  const clock = () => now;
  const sts = fakeSts(clock, denied);
  const lines: Array<Record<string, unknown>> = [];
  const access: MemberAccess = {
    homeAccount: HUB,
    roleName: ROLE,
    sts: sts.port,
    clock,
    log: createLogger({ write: (line) => lines.push(JSON.parse(line)) }),
    sessionName: 'deploy-sentinel-prod-notifyDeployment',
  };
  const cache = createCredentialCache(access);
  return { cache, sts, lines, advance: (ms: number) => (now += ms) };
};

describe('credentials per member account', () => {
  it("assumes the member's role once, and uses its credentials until five minutes before they expire", async () => {
    const { cache, sts, advance } = setup();
    const first = await cache.credentialsFor(MEMBER, 'eu-west-1');
    expect(first.accessKeyId).toBe(`ASIA${MEMBER}`);
    expect(sts.calls).toEqual([`arn:aws:iam::${MEMBER}:role/${ROLE}`]);

    advance(54 * MINUTE);
    expect(await cache.credentialsFor(MEMBER, 'us-east-1')).toBe(first);
    expect(cache.assumed).toBe(1);

    // 55 minutes in: five minutes left, so they are assumed again before they run out.
    advance(1 * MINUTE + 1);
    const renewed = await cache.credentialsFor(MEMBER, 'eu-west-1');
    expect(renewed).not.toBe(first);
    expect(cache.assumed).toBe(2);
  });

  it('keeps each account apart', async () => {
    const { cache, sts } = setup();
    const [a, b] = await Promise.all([
      cache.credentialsFor(MEMBER, 'eu-west-1'),
      cache.credentialsFor(OTHER, 'eu-west-1'),
    ]);
    expect([a.accessKeyId, b.accessKeyId]).toEqual([`ASIA${MEMBER}`, `ASIA${OTHER}`]);
    expect(sts.calls).toHaveLength(2);
  });

  it('makes one AssumeRole for calls that arrive while it is in flight', async () => {
    const { cache, sts } = setup();
    sts.hold();
    const waiting = [1, 2, 3].map(() => cache.credentialsFor(MEMBER, 'eu-west-1'));
    sts.release();
    const answers = await Promise.all(waiting);
    expect(new Set(answers).size).toBe(1);
    expect(sts.calls).toHaveLength(1);
  });

  it('says which role could not be assumed where and why, logs it once, and tries again on the next call', async () => {
    const { cache, sts, lines } = setup([MEMBER]);
    const failure = await cache.credentialsFor(MEMBER, 'eu-west-1').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MemberAccessError);
    expect((failure as Error).message).toBe(`cannot assume ${ROLE} in ${MEMBER}: AccessDenied`);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'member account unreachable',
        account: MEMBER,
        region: 'eu-west-1',
        role: ROLE,
        error: expect.objectContaining({ name: 'AccessDenied' }),
      }),
    ]);
    // A role created after the failure works at once: failures are not kept.
    await expect(cache.credentialsFor(MEMBER, 'eu-west-1')).rejects.toBeInstanceOf(MemberAccessError);
    expect(sts.calls).toHaveLength(2);
  });

  it('names roles in the partition of the region', () => {
    expect(roleArnOf(MEMBER, ROLE, 'cn-north-1')).toBe(`arn:aws-cn:iam::${MEMBER}:role/${ROLE}`);
    expect(roleArnOf(MEMBER, ROLE, 'us-gov-west-1')).toBe(`arn:aws-us-gov:iam::${MEMBER}:role/${ROLE}`);
    expect(roleArnOf(MEMBER, ROLE, 'eu-west-1')).toBe(`arn:aws:iam::${MEMBER}:role/${ROLE}`);
  });
});

describe('ports per account and region', () => {
  const recordingPorts = (cache = setup().cache) => {
    const built: AwsClientOptions[] = [];
    const portFor = portsByTarget(
      (options) => {
        built.push(options);
        return { options };
      },
      { homeAccount: HUB, credentials: cache },
    );
    return { portFor, built, cache };
  };

  it("uses the function's own credentials in its own account, in the event's region", () => {
    const { portFor, built } = recordingPorts();
    portFor({ account: HUB, region: 'ap-southeast-2' });
    expect(built).toEqual([{ region: 'ap-southeast-2' }]);
  });

  it("signs a member's calls with the member's credentials, assumed on the first call only", async () => {
    const { portFor, built, cache } = recordingPorts();
    const port = portFor({ account: MEMBER, region: 'eu-west-1' });
    expect(built[0]!.region).toBe('eu-west-1');
    expect(cache.assumed).toBe(0);
    const provider = port.options.credentials as () => Promise<{ accessKeyId: string }>;
    expect((await provider()).accessKeyId).toBe(`ASIA${MEMBER}`);
    expect(cache.assumed).toBe(1);
  });

  it('builds each account and region once', () => {
    const { portFor, built } = recordingPorts();
    const a = portFor({ account: MEMBER, region: 'eu-west-1' });
    expect(portFor({ account: MEMBER, region: 'eu-west-1' })).toBe(a);
    portFor({ account: MEMBER, region: 'us-east-1' });
    portFor({ account: OTHER, region: 'eu-west-1' });
    expect(built).toHaveLength(3);
  });
});

describe('STS port', () => {
  const sts = mockClient(STSClient);
  const port = stsPortOver(new STSClient(clientConfig({ region: 'eu-west-1' })));
  const budget = () => ({ deadline: deadlineAt(Date.now() + 60_000), sleep: async () => {} });
  beforeEach(() => sts.reset());

  it("asks for the role by ARN with the function's session name, and answers its credentials", async () => {
    const expiration = new Date('2026-12-01T11:00:00Z');
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIAX', SecretAccessKey: 's', SessionToken: 't', Expiration: expiration },
    });
    await expect(
      port.assumeRole({ roleArn: `arn:aws:iam::${MEMBER}:role/${ROLE}`, sessionName: 'notify' }, budget()),
    ).resolves.toEqual({ accessKeyId: 'ASIAX', secretAccessKey: 's', sessionToken: 't', expiration });
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toEqual({
      RoleArn: `arn:aws:iam::${MEMBER}:role/${ROLE}`,
      RoleSessionName: 'notify',
    });
  });

  it('lets AccessDenied through at once', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(new STSServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));
    await expect(
      port.assumeRole({ roleArn: `arn:aws:iam::${MEMBER}:role/${ROLE}`, sessionName: 'notify' }, budget()),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });
});
