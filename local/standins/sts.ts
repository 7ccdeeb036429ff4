import { randomUUID } from 'node:crypto';
import { AwsFault, toXml, type AwsStandInOptions } from './aws.js';

/**
 * STS as the hub uses it, for `startAwsStandIn`: AssumeRole in the Query protocol (form-encoded POST,
 * XML answer). The credentials it hands out name the account of the role (`ASIA<account>…`), so
 * every later call signed with them is served from that account's state, as AWS would.
 */

export const STS_VERSION = '2011-06-15';
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** The access key of credentials assumed in an account: 20 characters, like AWS's. */
export const accessKeyOf = (account: string): string => `ASIA${account}LOCL`;

/** The account an access key was handed out for; undefined for the hub's own keys. */
export const accountOfAccessKey = (accessKeyId: string | undefined): string | undefined =>
  /^ASIA(\d{12})LOCL$/.exec(accessKeyId ?? '')?.[1];

export interface StsModel {
  /** Role ARNs that exist and trust the caller; AssumeRole of any other is AccessDenied. */
  roles: Set<string>;
  /** How long the credentials last (default one hour). */
  durationMs?: number;
  clock?: () => number;
  /** Every AssumeRole asked for, granted or not. */
  assumed: string[];
}

export const stsOperations = (model: StsModel): NonNullable<AwsStandInOptions['query']> => ({
  [STS_VERSION]: {
    namespace: STS_NAMESPACE,
    operations: {
      AssumeRole: (params) => {
        const roleArn = params.get('RoleArn') ?? '';
        const session = params.get('RoleSessionName') ?? '';
        model.assumed.push(roleArn);
        const arn = /^arn:aws[\w-]*:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
        // AWS says the same for a role that does not exist and for one whose trust refuses the caller.
        if (!arn || !model.roles.has(roleArn))
          throw new AwsFault(
            'AccessDenied',
            `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
            403,
          );
        const now = (model.clock ?? Date.now)();
        return toXml({
          Credentials: {
            AccessKeyId: accessKeyOf(arn[1]!),
            SecretAccessKey: randomUUID(),
            SessionToken: randomUUID(),
            Expiration: new Date(now + (model.durationMs ?? 3_600_000)),
          },
          AssumedRoleUser: {
            AssumedRoleId: `AROA${arn[1]}:${session}`,
            Arn: `arn:aws:sts::${arn[1]}:assumed-role/${arn[2]}/${session}`,
          },
        });
      },
    },
  },
});
