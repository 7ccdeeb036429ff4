import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { fromEnv } from '@aws-sdk/credential-provider-env';
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
 *   credentials without the use cases knowing. Without one, the credentials are the environment's:
 *   Lambda puts the execution role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 *   AWS_SESSION_TOKEN (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 *   so the SDK's default chain (SSO, shared files, processes, web identity) is never needed; the
 *   bundles replace it by this provider too (esbuild.config.cjs), so none of it is loaded at cold start.
 */
export interface AwsClientOptions {
  region?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** Connection set-up on a healthy network takes milliseconds; a stuck one must not eat the deadline. */
const CONNECTION_TIMEOUT_MS = 3_000;

export const clientConfig = (options: AwsClientOptions = {}) => ({
  ...(options.region ? { region: options.region } : {}),
  credentials: options.credentials ?? fromEnv(),
  ...transportConfig(),
});

/**
 * The retry and HTTP settings alone, for an operator's command: it keeps the SDK's default
 * credential chain (a profile, SSO), which a Lambda does not need.
 */
export const transportConfig = () => ({
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ connectionTimeout: CONNECTION_TIMEOUT_MS }),
});
