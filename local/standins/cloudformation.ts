import { AwsFault, toXml, type AwsStandInOptions } from './aws.js';

/**
 * CloudFormation as `serverless invoke local` uses it: ListStackResources, which it reads to turn
 * a function's environment that names a resource with `Ref` (the notifiers' state table, the state
 * stream) into that resource's physical id, as on a deployed stack. Query protocol (form-encoded
 * POST, XML answer: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackResources.html).
 */

export const CLOUDFORMATION_VERSION = '2010-05-15';
export const CLOUDFORMATION_NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** A stack of the local account: its resources by logical id. */
export interface StackModel {
  name: string;
  resources: Record<string, { type: string; physicalId: string }>;
}

export const cloudFormationOperations = (stacks: StackModel[]): NonNullable<AwsStandInOptions['query']> => ({
  [CLOUDFORMATION_VERSION]: {
    namespace: CLOUDFORMATION_NAMESPACE,
    operations: {
      ListStackResources: (params) => {
        const name = params.get('StackName') ?? '';
        const stack = stacks.find((s) => s.name === name);
        if (!stack) throw new AwsFault('ValidationError', `Stack with id ${name} does not exist`, 400);
        return toXml({
          StackResourceSummaries: Object.entries(stack.resources).map(([logicalId, { type, physicalId }]) => ({
            LogicalResourceId: logicalId,
            PhysicalResourceId: physicalId,
            ResourceType: type,
            ResourceStatus: 'CREATE_COMPLETE',
            LastUpdatedTimestamp: new Date(0),
          })),
        });
      },
    },
  },
});
