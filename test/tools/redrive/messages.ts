import type { DeadLetterMessage, StackIdentity } from '../../../tools/redrive/decide.js';

/** Dead-letter messages as the two producers write them, for the re-drive tests. */

export const STACK: StackIdentity = { service: 'deploy-sentinel', stage: 'prod', region: 'us-east-1' };
export const ACCOUNT = '123456789012';

/** An unqualified function ARN of `name` in the test account. */
export const functionArn = (name: string, region = 'us-east-1'): string =>
  `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;

let sequence = 0;
const ids = () => {
  sequence += 1;
  return { MessageId: `msg-${sequence}`, ReceiptHandle: `handle-${sequence}` };
};

const stringAttribute = (value: string) => ({ DataType: 'String', StringValue: value });

/** What EventBridge puts in the queue when it cannot deliver `event` to the target. */
export const eventBridgeDeadLetter = (
  event: unknown,
  targetArn = functionArn('deploy-sentinel-prod-notifyDeployment'),
  attributes: Record<string, string> = {
    RULE_ARN: `arn:aws:events:us-east-1:${ACCOUNT}:rule/deploy-sentinel-prod-notifyDeployment-rule-1`,
    ERROR_CODE: 'NO_PERMISSIONS',
    ERROR_MESSAGE: 'Not authorized to invoke the function',
    EXHAUSTED_RETRY_CONDITION: 'MaximumEventAgeInSeconds',
    RETRY_ATTEMPTS: '185',
  },
): DeadLetterMessage => ({
  ...ids(),
  Body: typeof event === 'string' ? event : JSON.stringify(event),
  MessageAttributes: Object.fromEntries(
    Object.entries({ ...attributes, TARGET_ARN: targetArn }).map(([name, value]) => [name, stringAttribute(value)]),
  ),
});

/** The invocation record a Lambda on-failure destination sends after the retries ran out. */
export const invocationRecord = (event: unknown, qualifiedArn: string, overrides: Record<string, unknown> = {}) => ({
  version: '1.0',
  timestamp: '2026-11-20T15:13:02.118Z',
  requestContext: {
    requestId: 'e4b46cbf-b738-4b8a-8880-a18cdf61200e',
    functionArn: qualifiedArn,
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  },
  requestPayload: event,
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: {
    errorType: 'SlackDeliveryError',
    errorMessage: 'Slack answered 500 rollup_error after 4 attempts',
    trace: [
      'SlackDeliveryError: Slack answered 500 rollup_error after 4 attempts',
      '    at deliver (/var/task/index.cjs:1:2)',
    ],
  },
  ...overrides,
});

/** A message whose body is an invocation record (Lambda adds no message attributes). */
export const destinationDeadLetter = (record: unknown): DeadLetterMessage => ({
  ...ids(),
  Body: typeof record === 'string' ? record : JSON.stringify(record),
});
