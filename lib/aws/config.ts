import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * The settings every AWS client of the service is built with; each port under `lib/aws/` builds its
 * own client from these and nothing else does.
 *
 * - `maxAttempts: 1`: the SDK does not retry on its own. Every call goes through `callAws`, which
 *   retries transient errors within the invocation's deadline, so one call has one retry budget
 *   instead of the SDK's three attempts multiplied by ours.
 * - HTTP/1.1 with a connection time-out: the SDK's default handler for Kinesis is HTTP/2, which local
 *   endpoints reject; each call's own time-out is an abort signal set by `callAws`.
 * - Endpoint and region follow the SDK's standard settings (`AWS_REGION`, `AWS_ENDPOINT_URL`,
 *   `AWS_ENDPOINT_URL_<SERVICE>`) unless given.
 * - `credentials` is an input, so a caller can act in another account with assumed-role
 *   credentials without the use cases knowing.
 */
export interface AwsClientOptions {
  region?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** Connection set-up on a healthy network takes milliseconds; a stuck one must not eat the deadline. */
const CONNECTION_TIMEOUT_MS = 3_000;

export const clientConfig = (options: AwsClientOptions = {}) => ({
  ...(options.region ? { region: options.region } : {}),
  ...(options.credentials ? { credentials: options.credentials } : {}),
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ connectionTimeout: CONNECTION_TIMEOUT_MS }),
});
