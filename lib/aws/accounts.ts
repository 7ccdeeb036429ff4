import type { AwsCredentialIdentity } from '@smithy/types';
import type { Logger } from '../log.js';
import { type Clock, deadlineAt } from '../time.js';
import type { CallBudget } from './call.js';
import type { AwsClientOptions } from './config.js';
import { awsErrorCode } from './errors.js';
import type { AssumedCredentials, StsPort } from './sts.js';

/**
 * Where an event happened, and so where the calls about it must go: an organisation hub serves
 * events of many accounts and regions, and a call made with the hub's own credentials in the hub's
 * own region would look in the wrong place (and, for a deletion, could act on a namesake there).
 */
export interface Target {
  account: string;
  region: string;
}

/** The hub's view of its members: its own account, and the role it assumes in every other one. */
export interface MemberAccess {
  /** The account the function runs in: its own credentials work there, no role is assumed. */
  homeAccount: string;
  /** The role name assumed in member accounts (`<memberRolePrefix>-read` or `-cleanup`). */
  roleName: string;
  sts: StsPort;
  clock: Clock;
  log: Logger;
  /** Names the sessions in the members' CloudTrail (the function's name). */
  sessionName: string;
  /** Credentials are assumed again this long before they expire (default 5 minutes). */
  refreshBeforeMs?: number;
  /** Asked for in AssumeRole (default one hour, the role's default maximum). */
  durationSeconds?: number;
  /** Each AssumeRole's own budget; the default allows 10 s and 3 attempts. */
  budget?: () => CallBudget;
}

/** The hub could not act in a member account: the message says which role, where and why. */
export class MemberAccessError extends Error {
  override name = 'MemberAccessError';
  constructor(
    readonly account: string,
    readonly role: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot assume ${role} in ${account}: ${code}`, options);
  }
}

/** The partition of a region, for role ARNs (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). */
export const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

export const roleArnOf = (account: string, roleName: string, region: string): string =>
  `arn:${partitionOf(region)}:iam::${account}:role/${roleName}`;

/** A member's temporary credentials, assumed on first use and kept until shortly before they expire. */
export interface CredentialCache {
  /** The member's credentials; throws `MemberAccessError` when the role cannot be assumed. */
  credentialsFor(account: string, region: string): Promise<AwsCredentialIdentity>;
  /** AssumeRole calls made so far (the bench and the tests read it). */
  readonly assumed: number;
}

const DEFAULT_REFRESH_BEFORE_MS = 5 * 60_000;

export const createCredentialCache = (access: MemberAccess): CredentialCache => {
  const refreshBeforeMs = access.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  const budget = access.budget ?? (() => ({ deadline: deadlineAt(access.clock() + 10_000, access.clock) }));
  // An entry is shared while AssumeRole is in flight, so concurrent calls for one account make one call.
  const held = new Map<string, { promise: Promise<AssumedCredentials>; value?: AssumedCredentials }>();
  let assumed = 0;

  const fresh = (credentials: AssumedCredentials) =>
    credentials.expiration.getTime() - access.clock() > refreshBeforeMs;

  const assume = (account: string, region: string): Promise<AssumedCredentials> => {
    assumed += 1;
    const role = access.roleName;
    return access.sts
      .assumeRole(
        {
          roleArn: roleArnOf(account, role, region),
          sessionName: access.sessionName.slice(0, 64),
          ...(access.durationSeconds ? { durationSeconds: access.durationSeconds } : {}),
        },
        budget(),
      )
      .catch((error: unknown) => {
        // One line per failure, naming everything an operator needs to fix the member.
        access.log.error('member account unreachable', { account, region, role, error });
        throw new MemberAccessError(account, role, awsErrorCode(error) ?? 'unknown error', { cause: error });
      });
  };

  return {
    get assumed() {
      return assumed;
    },
    credentialsFor(account, region) {
      const entry = held.get(account);
      if (entry && (!entry.value || fresh(entry.value))) return entry.promise;
      const next: { promise: Promise<AssumedCredentials>; value?: AssumedCredentials } = {
        promise: assume(account, region),
      };
      held.set(account, next);
      next.promise.then(
        (value) => {
          next.value = value;
        },
        // A failure is not kept: a role created a minute later must work on the next event.
        () => {
          if (held.get(account) === next) held.delete(account);
        },
      );
      return next.promise;
    },
  };
};

/**
 * Ports per account and region: the hub's own account with the function's own credentials, every
 * other account with its member role's (assumed lazily, on the first call a port makes, so an event
 * that needs no AWS call costs no AssumeRole). Each port is built once per account and region and kept
 * for the container's life, like a handler's module-scope clients.
 */
export type PortsByTarget<P> = (target: Target) => P;

export const portsByTarget = <P>(
  build: (options: AwsClientOptions) => P,
  access: { homeAccount: string; credentials?: CredentialCache },
): PortsByTarget<P> => {
  const ports = new Map<string, P>();
  return (target) => {
    const key = `${target.account}/${target.region}`;
    let port = ports.get(key);
    if (!port) {
      const own = target.account === access.homeAccount || !access.credentials;
      const cache = access.credentials;
      port = build({
        region: target.region,
        ...(own || !cache ? {} : { credentials: () => cache.credentialsFor(target.account, target.region) }),
      });
      ports.set(key, port);
    }
    return port;
  };
};

/** A hub function's access to accounts: its own account, and the member role it assumes elsewhere. */
export interface HubAccess {
  homeAccount: string;
  memberRole: string;
}

/** The STS port, loaded on first use: a standalone install and the hub's own events never need it. */
const lazyStsPort = (options: AwsClientOptions): StsPort => {
  let port: Promise<StsPort> | undefined;
  return {
    assumeRole: async (request, budget) => {
      port ??= import('./sts.js').then((module) => module.createStsPort(options));
      return (await port).assumeRole(request, budget);
    },
  };
};

/**
 * The ports of a function, per target. Standalone (no hub access): one port in the function's own
 * region, whatever the event says, as before. Hub: per account and region, members through their role.
 */
export const createAccountPorts = (
  hub: HubAccess | undefined,
  options: { region: string; log: Logger; sessionName: string; clock: Clock; sts?: StsPort },
) => {
  const credentials = hub
    ? createCredentialCache({
        homeAccount: hub.homeAccount,
        roleName: hub.memberRole,
        sts: options.sts ?? lazyStsPort({ region: options.region }),
        clock: options.clock,
        log: options.log,
        sessionName: options.sessionName,
      })
    : undefined;
  return {
    credentials,
    of<P>(build: (options: AwsClientOptions) => P): PortsByTarget<P> {
      if (!hub) {
        let port: P | undefined;
        return () => (port ??= build({ region: options.region }));
      }
      return portsByTarget(build, { homeAccount: hub.homeAccount, credentials });
    },
  };
};
