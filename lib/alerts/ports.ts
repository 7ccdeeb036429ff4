import type { CodeDeployPort } from '../aws/codedeploy.js';
import type { SsmPort } from '../aws/ssm.js';

/**
 * What the alerts need from the AWS ports (lib/aws/), as narrow as it is: the use cases depend on
 * these interfaces only, so a test hands in plain objects. Slack itself is the webhook adapter
 * (webhook.ts), tested against a local server.
 */

/** Why a deployment failed: GetDeployment and its failed targets. */
export type DeploymentReader = Pick<CodeDeployPort, 'getDeployment' | 'failedTargets'>;

/** Which deployment groups an alarm guards, and what of theirs is running. */
export type DeploymentGroupReader = Pick<CodeDeployPort, 'listDeploymentGroups' | 'listInProgressDeployments'>;

/** Where the webhook URLs are kept. */
export type ParameterReader = Pick<SsmPort, 'getParameter'>;
