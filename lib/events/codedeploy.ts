import { z } from 'zod';

/**
 * CodeDeploy events as EventBridge delivers them. `@types/aws-lambda` has no CodeDeploy types, so
 * they are defined (and validated) here. Shape: the EventBridge reference for CodeDeploy and the
 * fixture in awslabs/aws-lambda-rust-runtime (see FACTS.md).
 */

export const DEPLOYMENT_DETAIL_TYPE = 'CodeDeploy Deployment State-change Notification';
export const INSTANCE_DETAIL_TYPE = 'CodeDeploy Instance State-change Notification';

export const DEPLOYMENT_STATES = ['START', 'SUCCESS', 'FAILURE', 'STOP', 'READY'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

const envelope = {
  version: z.string().optional(),
  id: z.string().min(1),
  account: z.string().min(1),
  region: z.string().min(1),
  time: z.string().min(1),
  source: z.literal('aws.codedeploy'),
  resources: z.array(z.string()).default([]),
};

const commonDetail = {
  application: z.string().min(1),
  deploymentGroup: z.string().min(1),
  deploymentId: z.string().min(1),
  region: z.string().optional(),
  instanceGroupId: z.string().optional(),
};

export const deploymentStateChangeSchema = z.object({
  ...envelope,
  'detail-type': z.literal(DEPLOYMENT_DETAIL_TYPE),
  detail: z.object({ ...commonDetail, state: z.enum(DEPLOYMENT_STATES) }).loose(),
});

export const instanceStateChangeSchema = z.object({
  ...envelope,
  'detail-type': z.literal(INSTANCE_DETAIL_TYPE),
  detail: z
    .object({
      ...commonDetail,
      instanceId: z.string().min(1),
      // Whether instance events carry every deployment state is unconfirmed: accept any word.
      state: z.string().min(1),
    })
    .loose(),
});

export type DeploymentStateChange = z.infer<typeof deploymentStateChangeSchema>;
export type InstanceStateChange = z.infer<typeof instanceStateChangeSchema>;
