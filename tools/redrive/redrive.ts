import {
  type DeadLetterMessage,
  isSelected,
  isSkip,
  type Redrive,
  type RedriveDecision,
  type StackIdentity,
  toRedrive,
} from './decide.js';
import { errorText } from '../../lib/aws/errors.js';

/**
 * Re-drives the dead-letter queue: reads it page by page, sends each understood event back to its
 * function asynchronously, and deletes a message only once Lambda has accepted the event. Whatever
 * is not re-driven stays in the queue and is made visible again at the end of the run.
 */

/** The queue as the use case needs it (adapter: `createSqsDeadLetterQueue`). */
export interface DeadLetterQueue {
  /** Up to `maxMessages` (at most 10) messages, hidden from other readers while the run lasts. */
  receive(maxMessages: number): Promise<DeadLetterMessage[]>;
  remove(receiptHandle: string): Promise<void>;
  /** Makes received messages visible again now, for the next run and for the queue-depth alarm. */
  release(receiptHandles: string[]): Promise<void>;
}

/** Asynchronous invocation (adapter: `createLambdaInvoker`); resolves to Lambda's status code. */
export interface AsyncInvoker {
  invokeAsync(functionArn: string, payload: string): Promise<number | undefined>;
}

/** `left`: not re-drivable (see the decision's `skip`); `not-selected`: another function than `--function`. */
export const REDRIVE_STATUSES = ['redriven', 'would-redrive', 'failed', 'left', 'not-selected'] as const;
export type RedriveStatus = (typeof REDRIVE_STATUSES)[number];

/** What happened to one message. */
export interface RedriveOutcome {
  status: RedriveStatus;
  messageId: string;
  decision: RedriveDecision;
  /** Why a re-drive failed. */
  error?: string;
}

/** Why the run ended. */
export const STOP_REASONS = ['queue-empty', 'max-reached', 'only-repeats', 'queue-error'] as const;
/** `only-repeats`: the queue handed back only messages this run had already looked at. */
export type StopReason = (typeof STOP_REASONS)[number];

/** Counts of one run, for the totals line and the exit code. */
export interface RedriveReport {
  dryRun: boolean;
  received: number;
  counts: Record<RedriveStatus, number>;
  stoppedBecause: StopReason;
  /** Set when left messages could not be made visible again; they reappear after the visibility timeout. */
  releaseError?: string;
}

/** What one run does. */
export interface RedriveOptions {
  stack: StackIdentity;
  /** Print what would happen; invoke nothing, delete nothing. */
  dryRun: boolean;
  /** Messages to look at in this run, at most. */
  max: number;
  /** `--function`: only this function (full name or serverless.yml key) is re-driven. */
  only?: string;
  /** How a message is decided; the stack's own dead-letter queue by default (`toRedrive`). */
  decide?: (message: DeadLetterMessage) => RedriveDecision;
  onOutcome?(outcome: RedriveOutcome): void;
}

/** The run stopped before it was done (the queue could not be read); `report` holds what happened until then. */
export class RedriveError extends Error {
  override name = 'RedriveError';
  constructor(
    message: string,
    readonly report: RedriveReport,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const ACCEPTED = 202;
const BATCH = 10;

const redriveOne = async (
  message: DeadLetterMessage,
  decision: Redrive,
  queue: DeadLetterQueue,
  invoker: AsyncInvoker,
): Promise<Pick<RedriveOutcome, 'status' | 'error'>> => {
  const handle = message.ReceiptHandle;
  if (!handle)
    return {
      status: 'failed',
      error: 'the message has no receipt handle, so it could not be deleted after a re-drive',
    };
  // Deleted only once every function took the event; a later run sends it to all of them again.
  const targets = [decision.functionArn, ...(decision.alsoFunctionArns ?? [])];
  for (const functionArn of targets) {
    const which = targets.length > 1 ? ` (${functionArn})` : '';
    let status: number | undefined;
    try {
      status = await invoker.invokeAsync(functionArn, decision.payload);
    } catch (error) {
      return { status: 'failed', error: `invoke failed${which}: ${errorText(error)}` };
    }
    if (status !== ACCEPTED)
      return { status: 'failed', error: `Lambda answered ${status ?? 'without a status'}${which}, not ${ACCEPTED}` };
  }
  try {
    await queue.remove(handle);
  } catch (error) {
    return {
      status: 'failed',
      error: `invoked, but the message could not be deleted, so a later re-drive would send the event again: ${errorText(error)}`,
    };
  }
  return { status: 'redriven' };
};

/** Re-drives up to `options.max` messages; never deletes a message whose event Lambda did not accept. */
export const redriveDeadLetters = async (
  queue: DeadLetterQueue,
  invoker: AsyncInvoker,
  options: RedriveOptions,
): Promise<RedriveReport> => {
  const counts = Object.fromEntries(REDRIVE_STATUSES.map((s) => [s, 0])) as Record<RedriveStatus, number>;
  const seen = new Set<string>();
  // Latest receipt handle of every message still in the queue, to make it visible again at the end.
  const leftInQueue = new Map<string, string>();
  let received = 0;
  // Every way out of the loop below names why it stopped.
  let stoppedBecause: StopReason;
  let failure: unknown;

  try {
    for (;;) {
      if (received >= options.max) {
        stoppedBecause = 'max-reached';
        break;
      }
      const batch = await queue.receive(Math.min(BATCH, options.max - received));
      if (batch.length === 0) {
        stoppedBecause = 'queue-empty';
        break;
      }
      const fresh: DeadLetterMessage[] = [];
      for (const message of batch) {
        const id = message.MessageId ?? message.ReceiptHandle ?? `message-${received + fresh.length + 1}`;
        // A message seen earlier in this run is back (its visibility ran out, or SQS delivered it twice).
        if (seen.has(id)) {
          if (message.ReceiptHandle && leftInQueue.has(id)) leftInQueue.set(id, message.ReceiptHandle);
          continue;
        }
        seen.add(id);
        fresh.push({ ...message, MessageId: id });
      }
      if (fresh.length === 0) {
        stoppedBecause = 'only-repeats';
        break;
      }
      for (const message of fresh) {
        received += 1;
        const messageId = message.MessageId!;
        const decision = (options.decide ?? ((m: DeadLetterMessage) => toRedrive(m, options.stack)))(message);
        let result: Pick<RedriveOutcome, 'status' | 'error'>;
        if (isSkip(decision)) result = { status: 'left' };
        else if (!isSelected(decision, options.only, options.stack)) result = { status: 'not-selected' };
        else if (options.dryRun) result = { status: 'would-redrive' };
        else result = await redriveOne(message, decision, queue, invoker);
        if (result.status !== 'redriven' && message.ReceiptHandle) leftInQueue.set(messageId, message.ReceiptHandle);
        counts[result.status] += 1;
        options.onOutcome?.({ messageId, decision, ...result });
      }
    }
  } catch (error) {
    failure = error;
    stoppedBecause = 'queue-error';
  }

  let releaseError: string | undefined;
  try {
    if (leftInQueue.size > 0) await queue.release([...leftInQueue.values()]);
  } catch (error) {
    releaseError = errorText(error);
  }
  const report: RedriveReport = {
    dryRun: options.dryRun,
    received,
    counts,
    stoppedBecause,
    ...(releaseError ? { releaseError } : {}),
  };
  if (failure !== undefined) {
    throw new RedriveError(`the run stopped after ${received} message(s): ${errorText(failure)}`, report, {
      cause: failure,
    });
  }
  return report;
};
