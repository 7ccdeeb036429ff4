import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type CallBudget, callAws } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';

/**
 * The EventBridge port: PutEvents within the caller's budget (`callAws`). Which entries to send
 * again after some were refused is the caller's decision; this port only says, per entry, what
 * EventBridge answered.
 */

/** PutEvents takes at most 10 entries per call. */
export const ENTRIES_PER_CALL = 10;

/** One event to put. */
export interface EventEntry {
  source: string;
  detailType: string;
  /** The detail as JSON text. */
  detail: string;
  /** Name or ARN of the bus; the account's default bus when absent. */
  eventBusName?: string;
}

/** What EventBridge said about one entry: its event id when accepted, an error code when refused. */
export interface PutEventResult {
  eventId?: string;
  errorCode?: string;
  errorMessage?: string;
}

/**
 * PutEvents' answer, one result per entry in the order sent. Refused entries come back inside a
 * 200 answer (EventBridge API Reference, PutEvents, FailedEntryCount).
 */
export interface PutEventsAnswer {
  failedEntryCount: number;
  results: PutEventResult[];
}

export interface EventBridgePort {
  /** PutEvents of at most 10 entries. */
  putEvents(entries: EventEntry[], budget: CallBudget): Promise<PutEventsAnswer>;
}

/** The EventBridge port over a client built from the service's client settings. */
export const createEventBridgePort = (options: AwsClientOptions = {}): EventBridgePort =>
  eventBridgePortOver(new EventBridgeClient(clientConfig(options)));

/** The port over a given client (tests hand in one behind aws-sdk-client-mock or pointed at a stand-in). */
export const eventBridgePortOver = (client: EventBridgeClient): EventBridgePort => ({
  async putEvents(entries, budget) {
    const answer = await callAws(
      (abortSignal) =>
        client.send(
          new PutEventsCommand({
            Entries: entries.map((e) => ({
              Source: e.source,
              DetailType: e.detailType,
              Detail: e.detail,
              ...(e.eventBusName ? { EventBusName: e.eventBusName } : {}),
            })),
          }),
          { abortSignal },
        ),
      budget,
    );
    return {
      failedEntryCount: answer.FailedEntryCount ?? 0,
      results: (answer.Entries ?? []).map((entry) => ({
        ...(entry.EventId ? { eventId: entry.EventId } : {}),
        ...(entry.ErrorCode ? { errorCode: entry.ErrorCode } : {}),
        ...(entry.ErrorMessage ? { errorMessage: entry.ErrorMessage } : {}),
      })),
    };
  },
});
