import type { CodeDeployPort } from '../aws/codedeploy.js';

/**
 * What the cleanup needs from the AWS ports (lib/aws/), as narrow as it is: the use cases depend on
 * these interfaces only, so a test hands in plain objects. The Auto Scaling port (describe, list,
 * delete) and the EC2 port (DescribeInstances) are used whole; of CodeDeploy, only these reads.
 */
export type CleanupCodeDeploy = Pick<
  CodeDeployPort,
  'getDeployment' | 'batchGetDeployments' | 'getDeploymentGroup' | 'listInProgressDeployments'
>;
