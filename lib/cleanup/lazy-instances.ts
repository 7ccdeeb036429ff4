import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import type { InstancesPort } from './ports.js';

/**
 * The instances port, loaded on first use: `import()` keeps the EC2 client out of every path that
 * never asks for it (only DISCOVER_EXISTING deployments do). The port is kept once loaded.
 */
export const lazyInstancesPort = (config: EC2ClientConfig = {}): (() => Promise<InstancesPort>) => {
  let loading: Promise<InstancesPort> | undefined;
  return () => {
    loading ??= import('./instances.js')
      .then((module) => module.createDefaultInstancesPort(config))
      .catch((error: unknown) => {
        loading = undefined; // a failed load is retried by the next caller
        throw error;
      });
    return loading;
  };
};
