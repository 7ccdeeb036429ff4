import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type CallBudget, callAws } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';

/**
 * The STS port: AssumeRole within the caller's budget (`callAws`), so that the hub can act in a
 * member account with that member's role. The SDK v3 STS client calls the regional endpoint of the
 * region it is built for (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_region-endpoints.html).
 */

/** Temporary credentials of an assumed role. */
export interface AssumedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** When STS says they stop working. */
  expiration: Date;
}

export interface StsPort {
  /** AssumeRole; AccessDenied (a missing role, or a trust that does not admit the caller) is thrown. */
  assumeRole(
    request: { roleArn: string; sessionName: string; durationSeconds?: number },
    budget: CallBudget,
  ): Promise<AssumedCredentials>;
}

/** STS answered without credentials: never seen from AWS, but nothing may be signed with half a key. */
export class IncompleteCredentialsError extends Error {
  override name = 'IncompleteCredentialsError';
}

/** The STS port over a client built from the service's client settings. */
export const createStsPort = (options: AwsClientOptions = {}): StsPort =>
  stsPortOver(new STSClient(clientConfig(options)));

/** The port over a given client (tests hand in one behind aws-sdk-client-mock or pointed at a stand-in). */
export const stsPortOver = (client: STSClient): StsPort => ({
  async assumeRole({ roleArn, sessionName, durationSeconds }, budget) {
    const { Credentials: c } = await callAws(
      (abortSignal) =>
        client.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: sessionName,
            ...(durationSeconds ? { DurationSeconds: durationSeconds } : {}),
          }),
          { abortSignal },
        ),
      budget,
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
      throw new IncompleteCredentialsError(`AssumeRole of ${roleArn} answered without complete credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  },
});
