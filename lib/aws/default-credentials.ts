import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (esbuild.config.cjs): every
 * SDK client imports that default chain (SSO, shared files, processes, web identity, container and
 * instance metadata) for when it is given no credentials. A Lambda's are in its environment
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * so the chain is replaced by the environment's provider and none of it is parsed at cold start.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
