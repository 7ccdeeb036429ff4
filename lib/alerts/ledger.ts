import { randomUUID } from 'node:crypto';
import type { CallBudget } from '../aws/call.js';
import type { DynamoDbPort, Item } from '../aws/dynamodb.js';
import { type Clock, type Deadline, realClock } from '../time.js';
import { type EventKey, type EventLedger, type StepRecord, judgeConflict } from './once.js';

/**
 * The event ledger in the stack's state table (DynamoDB), with conditional writes: a claim is
 * taken only if the event has no record, or its record is neither completed nor held by a live
 * claim. Steps are noted one by one in a map, so a retry knows exactly what Slack already has.
 * Records expire 14 days after the first claim through the table's TTL attribute
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html): far longer than an
 * event can come back (Lambda keeps an asynchronous event at most 6 hours; a redrive from the
 * dead-letter queue comes within its 14-day retention).
 */

/** The table's partition key: `event#<account>#<region>#<event id>`. */
export const STATE_TABLE_KEY = 'pk';
/** The table's TTL attribute (epoch seconds). */
export const STATE_TABLE_TTL_ATTRIBUTE = 'expiresAt';
export const RECORD_TTL_DAYS = 14;

export const recordKey = (key: EventKey): string => `event#${key.account}#${key.region}#${key.eventId}`;

export interface EventLedgerOptions {
  dynamodb: DynamoDbPort;
  table: string;
  clock?: Clock;
  /** Each table call, its retries included, ends within this long (or the deadline, if sooner). */
  callBudgetMs?: number;
  /** Each attempt of a table call is abandoned after this long. */
  attemptTimeoutMs?: number;
  newClaimId?: () => string;
}

export const createEventLedger = (options: EventLedgerOptions): EventLedger => {
  const { dynamodb, table } = options;
  const clock = options.clock ?? realClock;
  const newClaimId = options.newClaimId ?? randomUUID;
  // The table must never eat the time the post needs: each call gets a short budget of its own.
  const budget = (deadline: Deadline): CallBudget => {
    const end = clock() + (options.callBudgetMs ?? 2_000);
    return {
      deadline: { remainingMs: () => Math.min(deadline.remainingMs(), end - clock()) },
      timeoutMs: options.attemptTimeoutMs ?? 1_000,
      attempts: 3,
    };
  };
  const key = (k: EventKey): Item => ({ [STATE_TABLE_KEY]: recordKey(k) });

  const tryClaim = async (k: EventKey, deadline: Deadline) => {
    const now = clock();
    const claimId = newClaimId();
    const answer = await dynamodb.updateItem(
      {
        table,
        key: key(k),
        update:
          'SET #state = :claimed, claimId = :claimId, leaseUntil = :lease, steps = if_not_exists(steps, :none), ' +
          'account = :account, #region = :region, eventId = :eventId, attempts = if_not_exists(attempts, :zero) + :one, ' +
          `${STATE_TABLE_TTL_ATTRIBUTE} = if_not_exists(${STATE_TABLE_TTL_ATTRIBUTE}, :expires)`,
        condition: `attribute_not_exists(${STATE_TABLE_KEY}) OR (#state <> :completed AND leaseUntil < :now)`,
        names: { '#state': 'state', '#region': 'region' },
        values: {
          ':claimed': 'claimed',
          ':completed': 'completed',
          ':claimId': claimId,
          // Held for as long as this invocation can run: a crashed one frees the event when its time is up.
          ':lease': now + Math.max(0, deadline.remainingMs()),
          ':now': now,
          ':none': {},
          ':account': k.account,
          ':region': k.region,
          ':eventId': k.eventId,
          ':zero': 0,
          ':one': 1,
          ':expires': Math.floor(now / 1000) + RECORD_TTL_DAYS * 86_400,
        },
      },
      budget(deadline),
    );
    return { answer, claimId };
  };

  return {
    async claim(k, deadline) {
      try {
        // A refused claim is read back (dynalite ignores ReturnValuesOnConditionCheckFailure); a
        // record that changed in between is claimed once more.
        for (let round = 0; round < 2; round += 1) {
          const { answer, claimId } = await tryClaim(k, deadline);
          if (answer.updated)
            return {
              status: 'claimed',
              claimId,
              done: (answer.item.steps ?? {}) as Record<string, StepRecord>,
              attempt: Number(answer.item.attempts ?? 1),
            };
          const record = await dynamodb.getItem(table, key(k), budget(deadline));
          const conflict = judgeConflict(record, clock());
          if (conflict === 'completed')
            return { status: 'completed', done: (record?.steps ?? {}) as Record<string, StepRecord> };
          if (conflict === 'busy') return { status: 'busy', leaseUntil: Number(record?.leaseUntil) };
        }
        return { status: 'busy', leaseUntil: clock() };
      } catch (error) {
        return { status: 'unavailable', error };
      }
    },

    async recordStep(k, step, record, deadline) {
      // Whoever holds the claim, Slack has this message: it is noted unconditionally.
      await dynamodb.updateItem(
        {
          table,
          key: key(k),
          update: 'SET steps.#step = :record',
          condition: `attribute_exists(${STATE_TABLE_KEY})`,
          names: { '#step': step },
          values: { ':record': record },
        },
        budget(deadline),
      );
    },

    async complete(k, deadline) {
      // Every step is done, whoever holds the claim now.
      await dynamodb.updateItem(
        {
          table,
          key: key(k),
          update: 'SET #state = :completed REMOVE leaseUntil',
          condition: `attribute_exists(${STATE_TABLE_KEY})`,
          names: { '#state': 'state' },
          values: { ':completed': 'completed' },
        },
        budget(deadline),
      );
    },

    async release(k, claimId, deadline) {
      // Only this invocation's own claim: one that outlived its lease may have been taken over.
      await dynamodb.updateItem(
        {
          table,
          key: key(k),
          update: 'SET leaseUntil = :zero',
          condition: 'claimId = :claimId AND #state <> :completed',
          names: { '#state': 'state' },
          values: { ':zero': 0, ':claimId': claimId, ':completed': 'completed' },
        },
        budget(deadline),
      );
    },
  };
};
