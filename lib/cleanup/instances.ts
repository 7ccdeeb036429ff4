import { EC2Client, type EC2ClientConfig, type Instance, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import type { InstanceFacts, InstancesPort } from './ports.js';

/**
 * EC2 reads for blue/green deployments that used existing instances. This module is the only one
 * importing the EC2 client (~830 KiB): load it with `import()` on the path that needs it, so no
 * other path pays for it.
 */

/** Maps one DescribeInstances instance (pure). */
export const toInstanceFacts = (instance: Instance): InstanceFacts | undefined =>
  instance.InstanceId
    ? {
        instanceId: instance.InstanceId,
        instanceType: instance.InstanceType,
        state: instance.State?.Name,
        launchTimeMs: instance.LaunchTime?.getTime(),
      }
    : undefined;

/** The instances port over an SDK client. */
export const createInstancesPort = (client: EC2Client): InstancesPort => ({
  async describeInstances(filters) {
    const out: InstanceFacts[] = [];
    const pages = paginateDescribeInstances(
      { client },
      { Filters: filters.map((f) => ({ Name: f.name, Values: f.values })), MaxResults: 1000 },
    );
    for await (const page of pages) {
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          const fact = toInstanceFacts(instance);
          if (fact) out.push(fact);
        }
      }
    }
    return out;
  },
});

/** Creates the EC2 client (standard endpoint settings apply) and its port. */
export const createDefaultInstancesPort = (config: EC2ClientConfig = {}): InstancesPort =>
  createInstancesPort(new EC2Client(config));
