import { isTransientAwsError } from '../aws/errors.js';
import { ENTRIES_PER_CALL, type EventBridgePort, type EventEntry } from '../aws/eventbridge.js';
import { CLEANUP_DETAIL_TYPE, type CleanupDetail, cleanupDetailSchema, SENTINEL_SOURCE } from '../events/sentinel.js';
import { retry } from '../retry.js';
import { type Deadline, realSleep, type Sleep } from '../time.js';

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
  /** No call and no retry starts that would pass this deadline. */
  deadline: Deadline;
  /** PutEvents calls in all for one batch, the first included, whatever the cause (default 5). */
  maxAttempts?: number;
  baseDelayMs?: number;
  random?: () => number;
}

/** Publishes cleanup outcomes on the bus, so that the notifier and the stream report them. */
export type CleanupPublisher = (details: CleanupDetail[]) => Promise<void>;

/** One PutEvents entry for a cleanup outcome (pure); the detail is checked against the contract. */
export const toEventEntry = (detail: CleanupDetail, busName?: string): EventEntry => ({
  source: SENTINEL_SOURCE,
  detailType: CLEANUP_DETAIL_TYPE,
  detail: JSON.stringify(cleanupDetailSchema.parse(detail)),
  ...(busName ? { eventBusName: busName } : {}),
});

/**
 * A publisher over the EventBridge port: 10 entries per call; a failed call, or entries refused
 * inside a 200 answer (FailedEntryCount), are sent again with backoff. This loop is the calls' only
 * retry budget (the port is asked for one attempt each time); it throws once attempts or the
 * deadline run out.
 */
export const createCleanupPublisher =
  (events: Pick<EventBridgePort, 'putEvents'>, options: CleanupPublisherOptions): CleanupPublisher =>
  async (details) => {
    for (let i = 0; i < details.length; i += ENTRIES_PER_CALL) {
      let pending = details
        .slice(i, i + ENTRIES_PER_CALL)
        .map((detail) => ({ detail, entry: toEventEntry(detail, options.busName) }));
      await retry(
        async () => {
          const answer = await events.putEvents(
            pending.map((p) => p.entry),
            { deadline: options.deadline, attempts: 1 },
          );
          if (!answer.failedEntryCount) return;
          const refused = pending.flatMap((p, index) => {
            const result = answer.results[index];
            // An entry with no result at all is not known to be accepted: count it as refused.
            return !result || result.errorCode || !result.eventId
              ? [{ ...p, errorCode: result?.errorCode, errorMessage: result?.errorMessage }]
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
          // Refused entries are sent again whatever their error code: attempts and the deadline bound it.
          classify: (error) => error instanceof CleanupPublishError || isTransientAwsError(error),
        },
      );
    }
  };
