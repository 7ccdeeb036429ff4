import * as z from 'zod/mini';
import '../zod.js';

/**
 * CodeDeploy events as EventBridge delivers them. `@types/aws-lambda` has no CodeDeploy types, so
 * they are defined (and validated) here. Shape: "Monitoring deployments with Amazon EventBridge" in
 * the CodeDeploy user guide, and the fixture in awslabs/aws-lambda-rust-runtime
 * (lambda-events/src/fixtures/example-codedeploy-deployment-event.json).
 */

export const DEPLOYMENT_DETAIL_TYPE = 'CodeDeploy Deployment State-change Notification';
export const INSTANCE_DETAIL_TYPE = 'CodeDeploy Instance State-change Notification';

/** The states CodeDeploy documents today (READY: blue/green, replacement ready and waiting for traffic). */
export const DEPLOYMENT_STATES = ['START', 'SUCCESS', 'FAILURE', 'STOP', 'READY'] as const;
export type KnownDeploymentState = (typeof DEPLOYMENT_STATES)[number];
/**
 * Deployment states are open-ended: a state CodeDeploy adds later is still a deployment event, so
 * the type keeps the known words for completion without closing the set.
 */
export type DeploymentState = KnownDeploymentState | (string & {});

/** A deployment state as CodeDeploy writes them: one upper-case word. */
export const deploymentStateSchema = z
  .string()
  .check(z.regex(/^[A-Z][A-Z0-9_]*$/, 'expected an upper-case word such as FAILURE')) as z.ZodMiniType<DeploymentState>;

export const isKnownDeploymentState = (state: string): state is KnownDeploymentState =>
  (DEPLOYMENT_STATES as readonly string[]).includes(state);

const envelope = {
  version: z.optional(z.string()),
  id: z.string().check(z.minLength(1)),
  account: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  source: z.literal('aws.codedeploy'),
  resources: z._default(z.array(z.string()), []),
};

const commonDetail = {
  application: z.string().check(z.minLength(1)),
  deploymentGroup: z.string().check(z.minLength(1)),
  deploymentId: z.string().check(z.minLength(1)),
  region: z.optional(z.string()),
  instanceGroupId: z.optional(z.string()),
};

export const deploymentStateChangeSchema = z.object({
  ...envelope,
  'detail-type': z.literal(DEPLOYMENT_DETAIL_TYPE),
  detail: z.looseObject({ ...commonDetail, state: deploymentStateSchema }),
});

export const instanceStateChangeSchema = z.object({
  ...envelope,
  'detail-type': z.literal(INSTANCE_DETAIL_TYPE),
  detail: z.looseObject({
    ...commonDetail,
    instanceId: z.string().check(z.minLength(1)),
    // Whether instance events carry every deployment state is unconfirmed: accept any word.
    state: z.string().check(z.minLength(1)),
  }),
});

export type DeploymentStateChange = z.infer<typeof deploymentStateChangeSchema>;
export type InstanceStateChange = z.infer<typeof instanceStateChangeSchema>;
