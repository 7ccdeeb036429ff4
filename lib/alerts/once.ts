import type { Deadline } from '../time.js';

/**
 * Posting an event once: the decisions, apart from the table that records them (ledger.ts).
 *
 * EventBridge delivers an event at least once, and Lambda runs a failed asynchronous invocation
 * again, so the same event can reach a notifier twice, even side by side
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). Each event
 * therefore has a record, keyed by its account, region and id, that an invocation claims for as
 * long as it can run, and in which it notes every step (the post, each reply) as soon as Slack has
 * it. A later invocation of the same event skips what is noted and does the rest; once every step
 * is done the event is turned away. Unlike Powertools' Idempotency utility, a failure releases the
 * claim but keeps the steps, so a retry after a successful post does not post again.
 */

/** Which event a record is about; the account and region let an organisation hub share one table. */
export interface EventKey {
  account: string;
  region: string;
  eventId: string;
}

/** What a done step left behind: app mode's channel and message ts (to thread under, to edit). */
export interface StepRecord {
  /** When Slack took it (ISO 8601). */
  at: string;
  route: string;
  channel?: string;
  ts?: string;
}

/** What claiming an event's record found. */
export type Claim =
  /** This invocation holds the event: `done` are the steps an earlier one finished. */
  | { status: 'claimed'; claimId: string; done: Record<string, StepRecord>; attempt: number }
  /** Every step was done before: a duplicate. */
  | { status: 'completed'; done: Record<string, StepRecord> }
  /** Another invocation holds the event right now. */
  | { status: 'busy'; leaseUntil: number }
  /** The table could not say: post anyway, without the guarantee. */
  | { status: 'unavailable'; error: unknown };

/** The record of each event's steps (the state table). */
export interface EventLedger {
  /** Claims the event until the deadline; never throws (an unreadable table is `unavailable`). */
  claim(key: EventKey, deadline: Deadline): Promise<Claim>;
  /** Notes a done step; throws when the table does not take it. */
  recordStep(key: EventKey, step: string, record: StepRecord, deadline: Deadline): Promise<void>;
  /** Every step done: later deliveries of the event are turned away. Throws when the table does not take it. */
  complete(key: EventKey, deadline: Deadline): Promise<void>;
  /** The invocation failed: the claim ends now, the steps stay. Throws when the table does not take it. */
  release(key: EventKey, claimId: string, deadline: Deadline): Promise<void>;
}

/** Raised while another invocation holds the event: Lambda runs this one again later, when it is done. */
export class EventInProgressError extends Error {
  override name = 'EventInProgressError';
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/**
 * The key of an EventBridge event (its `id`, `account` and `region`), or undefined for input that
 * carries none: such input is posted without the guarantee.
 */
export const eventKeyOf = (raw: unknown): EventKey | undefined => {
  if (!raw || typeof raw !== 'object') return undefined;
  const event = raw as Record<string, unknown>;
  const eventId = text(event.id);
  if (!eventId) return undefined;
  return { account: text(event.account) ?? 'unknown', region: text(event.region) ?? 'unknown', eventId };
};

/** What a stored record says to an invocation whose claim was refused. */
export type Conflict = 'completed' | 'busy' | 'free';

/**
 * Why a claim was refused, from the record read afterwards: every step done, a live claim, or (the
 * record changed in between: released, or expired and removed) free to claim again.
 */
export const judgeConflict = (record: { state?: unknown; leaseUntil?: unknown } | undefined, now: number): Conflict => {
  if (!record) return 'free';
  if (record.state === 'completed') return 'completed';
  return typeof record.leaseUntil === 'number' && record.leaseUntil >= now ? 'busy' : 'free';
};

/** One message of an alert: the post, or a reply in the thread of an earlier step. */
export interface Step<M> {
  id: string;
  message: M;
  /** The step whose message this one replies to (app mode threads it; a webhook posts it on its own). */
  replyTo?: string;
}

/** The steps still to do, in order: those not done before. */
export const pendingSteps = <M>(steps: readonly Step<M>[], done: Record<string, StepRecord>): Step<M>[] =>
  steps.filter((step) => done[step.id] === undefined);
