import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CLEANUP_DETAIL_TYPE, type CleanupDetail, cleanupDetailSchema, SENTINEL_SOURCE } from '../events/sentinel.js';
import { retry } from '../retry.js';
import { type Deadline, realSleep, type Sleep } from '../time.js';

/** PutEvents takes at most 10 entries per call. */
export const ENTRIES_PER_CALL = 10;

/** Some entries of a PutEvents call were refused (they come back inside a 200 answer). */
export class CleanupPublishError extends Error {
  override name = 'CleanupPublishError';
  constructor(
    message: string,
    readonly failedEntries: Array<{ errorCode?: string; errorMessage?: string; detail: CleanupDetail }>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where to publish and how long to retry refused entries. */
export interface CleanupPublisherOptions {
  /** Name or ARN of the bus; the account's default bus when absent. */
  busName?: string;
  sleep?: Sleep;
  /** Retries of refused entries stop before this deadline. */
  deadline?: Deadline;
  /** Calls in all for one batch, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  random?: () => number;
}

/** Publishes cleanup outcomes on the bus, so that the notifier and the stream report them. */
export type CleanupPublisher = (details: CleanupDetail[]) => Promise<void>;

const isTransient = (error: unknown): boolean => {
  if (error instanceof CleanupPublishError) return true;
  const e = error as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; name?: string } | undefined;
  return Boolean(e?.$retryable) || (e?.$metadata?.httpStatusCode ?? 0) >= 500 || /Throttl/i.test(e?.name ?? '');
};

/** One PutEvents entry for a cleanup outcome (pure); the detail is checked against the contract. */
export const toPutEventsEntry = (detail: CleanupDetail, busName?: string): PutEventsRequestEntry => ({
  Source: SENTINEL_SOURCE,
  DetailType: CLEANUP_DETAIL_TYPE,
  Detail: JSON.stringify(cleanupDetailSchema.parse(detail)),
  ...(busName ? { EventBusName: busName } : {}),
});

/**
 * A publisher over an EventBridge client: 10 entries per call; entries refused inside a 200
 * answer (FailedEntryCount) are sent again with backoff until the deadline, then it throws.
 */
export const createCleanupPublisher =
  (client: EventBridgeClient, options: CleanupPublisherOptions = {}): CleanupPublisher =>
  async (details) => {
    for (let i = 0; i < details.length; i += ENTRIES_PER_CALL) {
      let pending = details
        .slice(i, i + ENTRIES_PER_CALL)
        .map((detail) => ({ detail, entry: toPutEventsEntry(detail, options.busName) }));
      await retry(
        async () => {
          const answer = await client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
          if (!answer.FailedEntryCount) return;
          const refused = pending.flatMap((p, index) => {
            const result = answer.Entries?.[index];
            // An entry with no result at all is not known to be accepted: count it as refused.
            return !result || result.ErrorCode || !result.EventId
              ? [{ ...p, errorCode: result?.ErrorCode, errorMessage: result?.ErrorMessage }]
              : [];
          });
          if (refused.length === 0) return;
          pending = refused.map(({ detail, entry }) => ({ detail, entry }));
          throw new CleanupPublishError(
            `EventBridge refused ${refused.length} of the cleanup events (${[...new Set(refused.map((r) => r.errorCode ?? 'no result'))].join(', ')})`,
            refused.map(({ detail, errorCode, errorMessage }) => ({ detail, errorCode, errorMessage })),
          );
        },
        {
          maxAttempts: options.maxAttempts ?? 5,
          baseDelayMs: options.baseDelayMs ?? 200,
          maxDelayMs: 5_000,
          deadline: options.deadline,
          sleep: options.sleep ?? realSleep,
          random: options.random,
          classify: isTransient,
        },
      );
    }
  };
