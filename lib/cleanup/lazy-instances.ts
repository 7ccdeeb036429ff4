import type { AwsClientOptions } from '../aws/config.js';
import type { Ec2Port } from '../aws/ec2.js';

/**
 * The EC2 port, loaded on first use: `import()` keeps the EC2 client out of every path that never
 * asks for it (only DISCOVER_EXISTING deployments do); the packaging makes it a bundle of its own
 * (esbuild.config.cjs), so no cold start parses it. The port is kept once loaded.
 */
export const lazyEc2Port = (options: AwsClientOptions = {}): (() => Promise<Ec2Port>) => {
  let loading: Promise<Ec2Port> | undefined;
  return () => {
    loading ??= import('../aws/ec2.js')
      .then((module) => module.createEc2Port(options))
      .catch((error: unknown) => {
        loading = undefined; // a failed load is retried by the next caller
        throw error;
      });
    return loading;
  };
};
