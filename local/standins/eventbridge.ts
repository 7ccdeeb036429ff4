import { randomUUID } from 'node:crypto';
import { AwsFault, type JsonOperation } from './aws.js';

/**
 * EventBridge PutEvents for `startAwsStandIn({ json: eventBridgeOperations(bus) })`: accepted
 * entries are recorded as the events rules would deliver (envelope included), so tests can
 * validate them against the consumers' schemas. Entries can be refused on purpose, inside a 200
 * answer with FailedEntryCount, as EventBridge does.
 */

/** The X-Amz-Target prefix of EventBridge. */
export const EVENTBRIDGE_TARGET_PREFIX = 'AWSEvents';

/** An event as an EventBridge rule delivers it to its target. */
export interface DeliveredEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** One PutEvents entry as it arrives on the wire. */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: number | string;
  EventBusName?: string;
}

/** Decides per entry whether to refuse it: return an error code, or undefined to accept. */
export type EntryRefusal = (entry: PutEventsEntry, index: number) => string | undefined;

/** What the stand-in bus recorded, and how it refuses entries. */
export interface EventBus {
  region: string;
  accountId: string;
  events: DeliveredEvent[];
  /** The bus each recorded event was put on (same index as `events`). */
  busNames: string[];
  /** PutEvents calls received, with their entry counts. */
  calls: number[];
  /** Refuses entries until replaced (`undefined` accepts everything). */
  refuse: EntryRefusal | undefined;
}

/** A recording bus; `refuse` can be set at any time. */
export const createEventBus = (
  options: { region?: string; accountId?: string; refuse?: EntryRefusal } = {},
): EventBus => ({
  region: options.region ?? 'us-east-1',
  accountId: options.accountId ?? '123456789012',
  events: [],
  busNames: [],
  calls: [],
  refuse: options.refuse,
});

/** Refuses the first `count` entries it sees with `code`, then accepts everything. */
export const refuseFirst = (count: number, code = 'ThrottlingException'): EntryRefusal => {
  let left = count;
  return () => (left-- > 0 ? code : undefined);
};

const isJsonObject = (text: string | undefined) => {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
};

/** The JSON 1.1 operations for the stand-in server. */
export const eventBridgeOperations = (bus: EventBus): Record<string, Record<string, JsonOperation>> => ({
  [EVENTBRIDGE_TARGET_PREFIX]: {
    PutEvents: (input) => {
      const entries = (input.Entries ?? []) as PutEventsEntry[];
      if (entries.length < 1 || entries.length > 10) {
        throw new AwsFault(
          'ValidationException',
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10 (got ${entries.length})`,
        );
      }
      bus.calls.push(entries.length);
      const results = entries.map((entry, index) => {
        if (!entry.Source || !entry.DetailType || !isJsonObject(entry.Detail)) {
          return {
            ErrorCode: 'MalformedDetail',
            ErrorMessage: 'Detail, Source and DetailType are required; Detail must be a JSON object.',
          };
        }
        const refused = bus.refuse?.(entry, index);
        if (refused) return { ErrorCode: refused, ErrorMessage: `refused by the stand-in (${refused})` };
        const id = randomUUID();
        bus.events.push({
          version: '0',
          id,
          'detail-type': entry.DetailType,
          source: entry.Source,
          account: bus.accountId,
          time: (entry.Time !== undefined
            ? new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : entry.Time)
            : new Date()
          )
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z'),
          region: bus.region,
          resources: entry.Resources ?? [],
          detail: JSON.parse(entry.Detail!),
        });
        bus.busNames.push(entry.EventBusName ?? 'default');
        return { EventId: id };
      });
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    },
  },
});
