import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetterMessage } from './decide.js';
import type { AsyncInvoker, DeadLetterQueue } from './redrive.js';

/** The SQS and Lambda edges of the re-drive: I/O only, the clients are passed in. */

/** The queue named by the stack does not exist in this account and region. */
export class QueueNotFoundError extends Error {
  override name = 'QueueNotFoundError';
}

/** The queue's URL from its name (GetQueueUrl). */
export const findQueueUrl = async (sqs: SQSClient, queueName: string): Promise<string> => {
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (!QueueUrl) throw new QueueNotFoundError(`GetQueueUrl returned no URL for ${queueName}`);
    return QueueUrl;
  } catch (error) {
    if (
      error instanceof QueueDoesNotExist ||
      (error as { name?: string }).name === 'AWS.SimpleQueueService.NonExistentQueue'
    ) {
      throw new QueueNotFoundError(
        `there is no queue named ${queueName} here: is the stage deployed in this account and region?`,
        { cause: error },
      );
    }
    throw error;
  }
};

/** Some left messages could not be made visible again; they reappear when their visibility timeout ends. */
export class VisibilityResetError extends Error {
  override name = 'VisibilityResetError';
}

/** How the queue is read. */
export interface QueueReadOptions {
  /** Long poll: an empty answer then means the queue is empty, not that one server had nothing. */
  waitSeconds?: number;
  /** How long received messages stay hidden; long enough for a batch of invokes with SDK retries. */
  visibilityTimeoutSeconds?: number;
}

/** The dead-letter queue behind the `DeadLetterQueue` port. */
export const createSqsDeadLetterQueue = (
  sqs: SQSClient,
  queueUrl: string,
  options: QueueReadOptions = {},
): DeadLetterQueue => ({
  receive: async (maxMessages) => {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: options.waitSeconds ?? 10,
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 300,
        // EventBridge says where an undeliverable event was going only in message attributes.
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    return (Messages ?? []) as DeadLetterMessage[];
  },
  remove: async (receiptHandle) => {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
  },
  release: async (receiptHandles) => {
    const failed: string[] = [];
    for (let i = 0; i < receiptHandles.length; i += 10) {
      const entries = receiptHandles
        .slice(i, i + 10)
        .map((handle, n) => ({ Id: String(i + n), ReceiptHandle: handle, VisibilityTimeout: 0 }));
      const { Failed } = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
      );
      for (const entry of Failed ?? []) failed.push(`${entry.Code ?? 'error'}: ${entry.Message ?? 'no message'}`);
    }
    if (failed.length > 0)
      throw new VisibilityResetError(
        `${failed.length} message(s) stay hidden until their visibility timeout ends (${failed[0]})`,
      );
  },
});

/** Asynchronous invocation (`InvocationType: 'Event'`): Lambda queues the event and answers 202. */
export const createLambdaInvoker = (lambda: LambdaClient): AsyncInvoker => ({
  invokeAsync: async (functionArn, payload) => {
    const { StatusCode } = await lambda.send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(payload),
      }),
    );
    return StatusCode;
  },
});
