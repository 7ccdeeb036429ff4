import type { CallBudget } from '../aws/call.js';
import type { DynamoDbPort, Item, UpdateAnswer, UpdateRequest } from '../aws/dynamodb.js';
import { type Clock, type Deadline, realClock } from '../time.js';
import { type DeploymentKey, type DeploymentRow, type MessageRef, deploymentRowKey } from './conversation.js';
import { STATE_TABLE_KEY, STATE_TABLE_TTL_ATTRIBUTE } from './ledger.js';

/**
 * Deployment rows in the stack's state table, next to the event records, each write conditional
 * (DynamoDB Developer Guide, "Condition expressions",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html):
 * a row is created only if absent, changed only at the version it was read at, and its parent set
 * only by the invocation that claimed it. Every write answers with the row as written, so the
 * writer knows at once whether the parent exists and which version it must show.
 */

/** A row lives 30 days from its first event: longer than a blue/green deployment waits, with its termination wait. */
export const DEPLOYMENT_ROW_TTL_DAYS = 30;

export interface DeploymentRows {
  /** The row (consistent read), or undefined. Throws when the table cannot say. */
  read(key: DeploymentKey, deadline: Deadline): Promise<DeploymentRow | undefined>;
  /** Creates the row, its parent claimed by the creator; undefined when it exists already. */
  create(
    key: DeploymentKey,
    row: DeploymentRow,
    claim: { id: string; until: number },
    deadline: Deadline,
  ): Promise<DeploymentRow | undefined>;
  /** Writes what the parent shows, if the row is still at `expected`; undefined when it moved on. */
  update(
    key: DeploymentKey,
    expected: number,
    row: DeploymentRow,
    deadline: Deadline,
  ): Promise<DeploymentRow | undefined>;
  /** Takes over the claim on a parent nobody posted (its claim ran out); undefined when refused. */
  claimParent(
    key: DeploymentKey,
    claim: { id: string; until: number },
    deadline: Deadline,
  ): Promise<DeploymentRow | undefined>;
  /** Records the parent the claim holder posted; undefined when the claim was not (any longer) its own. */
  setParent(
    key: DeploymentKey,
    claimId: string,
    parent: MessageRef,
    deadline: Deadline,
  ): Promise<DeploymentRow | undefined>;
  /** Points the row at a new parent, if it still points at `oldTs`; undefined when someone else did first. */
  repoint(
    key: DeploymentKey,
    oldTs: string,
    parent: MessageRef,
    deadline: Deadline,
  ): Promise<DeploymentRow | undefined>;
  /** Keeps the parent's permalink once Slack gave it, if the row still points at that parent. */
  setPermalink(key: DeploymentKey, ts: string, permalink: string, deadline: Deadline): Promise<void>;
  /** Drops this invocation's claim on the parent (it could not post it), so a retry may. */
  releaseClaim(key: DeploymentKey, claimId: string, deadline: Deadline): Promise<void>;
  /** Marks the rollback link as posted in this deployment's thread; false when it was already. */
  markRollbackLinked(key: DeploymentKey, rollbackId: string, deadline: Deadline): Promise<boolean>;
}

export interface DeploymentRowsOptions {
  dynamodb: DynamoDbPort;
  table: string;
  clock?: Clock;
  /** Each table call, its retries included, ends within this long (or the deadline, if sooner). */
  callBudgetMs?: number;
  attemptTimeoutMs?: number;
}

const ROW_FIELDS = ['version', 'route', 'channel', 'parent', 'claim', 'shown', 'rollbackLinked'] as const;

const toRow = (item: Item | undefined): DeploymentRow | undefined => {
  if (!item || typeof item.version !== 'number') return undefined;
  return Object.fromEntries(
    ROW_FIELDS.filter((f) => item[f] !== undefined && item[f] !== null).map((f) => [f, item[f]]),
  ) as unknown as DeploymentRow;
};

export const createDeploymentRows = (options: DeploymentRowsOptions): DeploymentRows => {
  const { dynamodb, table } = options;
  const clock = options.clock ?? realClock;
  const budget = (deadline: Deadline): CallBudget => {
    const end = clock() + (options.callBudgetMs ?? 2_000);
    return {
      deadline: { remainingMs: () => Math.min(deadline.remainingMs(), end - clock()) },
      timeoutMs: options.attemptTimeoutMs ?? 1_000,
      attempts: 3,
    };
  };
  const keyOf = (k: DeploymentKey): Item => ({ [STATE_TABLE_KEY]: deploymentRowKey(k) });
  // Every write is one conditional update of the deployment's row, within the call's share of the time.
  const updateRow = (k: DeploymentKey, request: Omit<UpdateRequest, 'table' | 'key'>, deadline: Deadline) =>
    dynamodb.updateItem({ table, key: keyOf(k), ...request }, budget(deadline));
  const written = (answer: UpdateAnswer) => (answer.updated ? toRow(answer.item) : undefined);

  return {
    async read(k, deadline) {
      return toRow(await dynamodb.getItem(table, keyOf(k), budget(deadline)));
    },

    async create(k, row, claim, deadline) {
      const answer = await updateRow(
        k,
        {
          update:
            'SET version = :version, route = :route, channel = :channel, shown = :shown, claim = :claim, ' +
            `kind = :kind, account = :account, #region = :region, deploymentId = :deploymentId, ${STATE_TABLE_TTL_ATTRIBUTE} = :expires`,
          condition: `attribute_not_exists(${STATE_TABLE_KEY})`,
          names: { '#region': 'region' },
          values: {
            ':version': row.version,
            ':route': row.route,
            ':channel': row.channel,
            ':shown': row.shown,
            ':claim': claim,
            ':kind': 'deployment',
            ':account': k.account,
            ':region': k.region,
            ':deploymentId': k.deploymentId,
            ':expires': Math.floor(clock() / 1000) + DEPLOYMENT_ROW_TTL_DAYS * 86_400,
          },
        },
        deadline,
      );
      return written(answer);
    },

    async update(k, expected, row, deadline) {
      const answer = await updateRow(
        k,
        {
          update: 'SET version = :version, shown = :shown',
          condition: 'version = :expected',
          values: { ':version': row.version, ':shown': row.shown, ':expected': expected },
        },
        deadline,
      );
      return written(answer);
    },

    async claimParent(k, claim, deadline) {
      const answer = await updateRow(
        k,
        {
          update: 'SET claim = :claim',
          condition:
            'attribute_exists(version) AND attribute_not_exists(parent) AND (attribute_not_exists(claim) OR claim.#until < :now)',
          names: { '#until': 'until' },
          values: { ':claim': claim, ':now': clock() },
        },
        deadline,
      );
      return written(answer);
    },

    async setParent(k, claimId, parent, deadline) {
      const answer = await updateRow(
        k,
        {
          update: 'SET parent = :parent REMOVE claim',
          condition: 'claim.id = :claimId AND attribute_not_exists(parent)',
          values: { ':parent': parent, ':claimId': claimId },
        },
        deadline,
      );
      return written(answer);
    },

    async repoint(k, oldTs, parent, deadline) {
      const answer = await updateRow(
        k,
        {
          update: 'SET parent = :parent',
          condition: 'parent.ts = :old',
          values: { ':parent': parent, ':old': oldTs },
        },
        deadline,
      );
      return written(answer);
    },

    async setPermalink(k, ts, permalink, deadline) {
      await updateRow(
        k,
        {
          update: 'SET parent.permalink = :permalink',
          condition: 'parent.ts = :ts',
          values: { ':permalink': permalink, ':ts': ts },
        },
        deadline,
      );
    },

    async releaseClaim(k, claimId, deadline) {
      await updateRow(
        k,
        {
          update: 'REMOVE claim',
          condition: 'claim.id = :claimId',
          values: { ':claimId': claimId },
        },
        deadline,
      );
    },

    async markRollbackLinked(k, rollbackId, deadline) {
      const answer = await updateRow(
        k,
        {
          update: 'SET rollbackLinked = :rollback',
          condition: 'attribute_exists(version) AND attribute_not_exists(rollbackLinked)',
          values: { ':rollback': rollbackId },
        },
        deadline,
      );
      return answer.updated;
    },
  };
};
