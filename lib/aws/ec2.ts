import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { type CallBudget, callAws } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';
import { pagesOf } from './pages.js';

/**
 * The EC2 port: DescribeInstances, for blue/green deployments that used existing instances. This
 * module is the only one importing the EC2 client (~830 KiB): load it with `import()` on the path
 * that needs it (lib/cleanup/lazy-instances.ts), so no other path pays for it.
 */

/** An EC2 DescribeInstances filter (`tag:Name`, `tag-key`, `instance-state-name`, ...). */
export interface Ec2Filter {
  name: string;
  values: string[];
}

/** What DescribeInstances says about one instance. */
export interface InstanceFacts {
  instanceId: string;
  instanceType?: string;
  state?: string;
  launchTimeMs?: number;
}

export interface Ec2Port {
  /** DescribeInstances with every page followed (each page a call within the budget); all filters must match. */
  describeInstances(filters: Ec2Filter[], budget: CallBudget): Promise<InstanceFacts[]>;
}

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

/** The EC2 port over a client built from the service's client settings. */
export const createEc2Port = (options: AwsClientOptions = {}): Ec2Port =>
  ec2PortOver(new EC2Client(clientConfig(options)));

/** The port over a given client (tests hand in one behind aws-sdk-client-mock or pointed at a stand-in). */
export const ec2PortOver = (client: EC2Client): Ec2Port => ({
  async describeInstances(filters, budget) {
    const out: InstanceFacts[] = [];
    const pages = pagesOf(
      (token) =>
        callAws(
          (abortSignal) =>
            client.send(
              new DescribeInstancesCommand({
                Filters: filters.map((f) => ({ Name: f.name, Values: f.values })),
                MaxResults: 1000,
                NextToken: token,
              }),
              { abortSignal },
            ),
          budget,
        ),
      (page) => page.NextToken,
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
