import { randomUUID } from 'node:crypto';
import type { AlarmFacts } from './alarm-facts.js';
import type { AlarmImpact } from './alarm-impact.js';
import type { SlackMessage } from './blocks.js';
import {
  type Action,
  type DeploymentInput,
  type DeploymentKey,
  type DeploymentRow,
  type MessageRef,
  type Related,
  formatAlarmReply,
  formatParent,
  formatRollbackLink,
  planDeploymentEvent,
  planDetailEvent,
  reduceDeployment,
} from './conversation.js';
import type { DeliveryDeps, NotifyOutcome } from './deliver.js';
import { outletFor } from './deliver.js';
import { accountViewOf } from './links.js';
import type { DeploymentRows } from './deployment-rows.js';
import { type EventKey, EventInProgressError, type StepRecord, eventKeyOf } from './once.js';
import { type RouteSubject, mentionsFor, selectDestination } from './route.js';
import type { AppEditor } from './slack-app.js';
import { SlackDeliveryError } from './webhook.js';
import { metrics as processMetrics } from '../metrics.js';
import { type Clock, type Sleep, realClock, realSleep } from '../time.js';

/**
 * One conversation per deployment, in app mode: the use case that runs the decisions of
 * conversation.ts against the deployment rows (deployment-rows.ts), the event ledger (ledger.ts)
 * and Slack (slack-app.ts). Webhook mode is untouched: an event with no conversation to join and
 * a webhook route is posted as before, by `deliver`.
 */

export interface Conversations {
  rows: DeploymentRows;
  app: AppEditor;
  /** Between two reads while another invocation posts the parent (default 250 ms). */
  pollMs?: number;
  /** Kept back from the deadline when waiting for the parent: time to fail cleanly (default 1.5 s). */
  reserveMs?: number;
  sleep?: Sleep;
  clock?: Clock;
  newClaimId?: () => string;
}

/**
 * Slack's answers for a message that cannot be edited or replied to any more: post a new parent
 * instead (https://docs.slack.dev/reference/methods/chat.update#errors). Whether the edit window
 * binds a bot's messages is not documented; `edit_window_closed` is handled either way.
 */
export const GONE_ERRORS = [
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'thread_not_found',
] as const;

/** Whether an error says the message to edit or reply to is gone or no longer editable. */
export const isGone = (error: unknown): boolean =>
  error instanceof SlackDeliveryError && (GONE_ERRORS as readonly string[]).includes(error.details.code ?? '');

/** The parent is being posted by another invocation that did not finish in time: Lambda retries this one. */
// Both mean another invocation is at work on the same deployment: Lambda's retry is expected, and
// counted as such, not as an error.
export class ParentPendingError extends EventInProgressError {
  override name = 'ParentPendingError';
}

/** The deployment's row kept changing under this invocation: Lambda retries it. */
export class ConversationBusyError extends EventInProgressError {
  override name = 'ConversationBusyError';
}

/** What one event's run of the conversation knows, and updates as it goes. */
interface Run {
  c: Conversations;
  deps: DeliveryDeps;
  key: DeploymentKey;
  row: DeploymentRow;
  /** This invocation claimed the parent (it has to post it). */
  claimId?: string;
  done: Record<string, StepRecord>;
  attempts: number;
  /** Slack calls made, by method: what a conversation costs against Slack's rate limits. */
  calls: Record<string, number>;
}

const count = (run: Run, method: string, attempts: number) => {
  run.calls[method] = (run.calls[method] ?? 0) + attempts;
  run.attempts += attempts;
};

const attemptsOf = (error: unknown) => (error instanceof SlackDeliveryError ? error.details.attempts : 1);

/** The conversation's rows, read without letting a table in trouble stop the alert. */
const readOrFallBack = async (
  c: Conversations,
  key: DeploymentKey,
  deps: DeliveryDeps,
): Promise<{ ok: true; row: DeploymentRow | undefined } | { ok: false }> => {
  try {
    return { ok: true, row: await c.rows.read(key, deps.deadline) };
  } catch (error) {
    deps.log.warn('state table unavailable: posting the alert on its own, outside its deployment conversation', {
      deploymentId: key.deploymentId,
      error,
    });
    return { ok: false };
  }
};

/** A permalink, or none: a link to the channel does when Slack cannot say. */
const permalinkOf = async (run: Run, channel: string, ts: string): Promise<string | undefined> => {
  try {
    const link = await run.c.app.permalink(channel, ts, run.deps.deadline);
    count(run, 'chat.getPermalink', 1);
    return link || undefined;
  } catch (error) {
    count(run, 'chat.getPermalink', attemptsOf(error));
    run.deps.log.warn('no permalink for the message: linking its channel instead', { channel, ts, error });
    return undefined;
  }
};

const otherKey = (run: Run, deploymentId: string): DeploymentKey => ({ ...run.key, deploymentId });

/**
 * A parent with its permalink, asked of Slack only when a link is about to be posted (most
 * conversations never need one) and then kept in its row.
 */
const linkable = async (run: Run, key: DeploymentKey, parent: MessageRef): Promise<MessageRef> => {
  if (parent.permalink) return parent;
  const permalink = await permalinkOf(run, parent.channel, parent.ts);
  if (!permalink) return parent;
  await run.c.rows
    .setPermalink(key, parent.ts, permalink, run.deps.deadline)
    .catch((error) => run.deps.log.warn('could not keep the permalink in the row', { error }));
  if (key.deploymentId === run.key.deploymentId && run.row.parent?.ts === parent.ts)
    run.row = { ...run.row, parent: { ...parent, permalink } };
  return { ...parent, permalink };
};

/** The parents the parent links to, read from their rows. */
const relatedOf = async (run: Run, row: DeploymentRow): Promise<Related> => {
  const details = row.shown.details;
  const parentOf = async (id: string | undefined) => {
    if (!id) return undefined;
    const key = otherKey(run, id);
    const parent = (await run.c.rows.read(key, run.deps.deadline))?.parent;
    return parent && linkable(run, key, parent);
  };
  const [rollsBack, rolledBackBy] = await Promise.all([parentOf(details?.rollsBack), parentOf(details?.rolledBackBy)]);
  return { ...(rollsBack ? { rollsBack } : {}), ...(rolledBackBy ? { rolledBackBy } : {}) };
};

const viewOf = (deps: DeliveryDeps, row: DeploymentRow) => accountViewOf(deps.settings, row.shown.change.account);

const render = async (run: Run, row: DeploymentRow) =>
  formatParent(row, await relatedOf(run, row), viewOf(run.deps, row));

/** Posts a parent for the row (the first, or one replacing a parent that is gone). */
const postParent = async (run: Run, row: DeploymentRow): Promise<MessageRef> => {
  const message = await render(run, row);
  const posted = await run.c.app.post(row.channel, message, run.deps.deadline).catch((error) => {
    count(run, 'chat.postMessage', attemptsOf(error));
    throw error;
  });
  count(run, 'chat.postMessage', posted.attempts);
  return { channel: posted.channel, ts: posted.ts };
};

/**
 * A parent deleted by someone (`message_not_found`) or no longer editable (`cant_update_message`,
 * `edit_window_closed`) is replaced by a new one, and the row re-pointed; if another invocation
 * re-pointed it first, its parent is the one kept.
 */
const replaceParent = async (run: Run, row: DeploymentRow, cause: unknown): Promise<void> => {
  const old = row.parent!;
  run.deps.log.warn('the parent message is gone or no longer editable: posting a new one', {
    deploymentId: run.key.deploymentId,
    channel: old.channel,
    ts: old.ts,
    slackError: cause instanceof SlackDeliveryError ? cause.details.code : undefined,
  });
  const fresh = await postParent(run, row);
  const moved = await run.c.rows.repoint(run.key, old.ts, fresh, run.deps.deadline);
  if (moved) {
    run.row = moved;
    return;
  }
  run.row = (await run.c.rows.read(run.key, run.deps.deadline)) ?? row;
  run.deps.log.warn('another invocation replaced the parent first: the one this invocation posted is left over', {
    deploymentId: run.key.deploymentId,
    kept: run.row.parent?.ts,
    leftOver: fresh.ts,
  });
};

/** Edits the parent to what the row shows, replacing it when it is gone. */
const edit = async (run: Run, row: DeploymentRow): Promise<void> => {
  const parent = row.parent!;
  try {
    const { attempts } = await run.c.app.update(parent.channel, parent.ts, await render(run, row), run.deps.deadline);
    count(run, 'chat.update', attempts);
  } catch (error) {
    count(run, 'chat.update', attemptsOf(error));
    if (!isGone(error)) throw error;
    await replaceParent(run, row, error);
  }
};

/**
 * After an edit, the row is read again: if it moved on meanwhile, the edit that reached Slack last
 * may be an older one, so the newest is rendered once more. Edits that cross at Slack thus end on
 * the newest state.
 */
const settle = async (run: Run, shownVersion: number): Promise<void> => {
  let shown = shownVersion;
  for (let round = 0; round < 5; round += 1) {
    const current = await run.c.rows.read(run.key, run.deps.deadline);
    if (!current?.parent || current.version <= shown) {
      if (current) run.row = current;
      return;
    }
    run.row = current;
    await edit(run, current);
    shown = current.version;
  }
};

/** The parent, waiting (within the deadline) while another invocation posts it. */
const parentOf = async (run: Run): Promise<MessageRef> => {
  const sleep = run.c.sleep ?? realSleep;
  const reserve = run.c.reserveMs ?? 1_500;
  let reads = 0;
  while (!run.row.parent) {
    if (run.deps.deadline.remainingMs() <= reserve + (run.c.pollMs ?? 250))
      throw new ParentPendingError(
        `the parent of ${run.key.deploymentId} is being posted by another invocation, which did not finish after ${reads} reads of its row; Lambda will try this event again`,
      );
    await sleep(run.c.pollMs ?? 250);
    reads += 1;
    run.row = (await run.c.rows.read(run.key, run.deps.deadline)) ?? run.row;
  }
  return run.row.parent;
};

/** A reply in the deployment's thread; a parent that is gone is replaced first. */
const reply = async (run: Run, message: (parent: MessageRef) => SlackMessage, broadcast?: boolean) => {
  for (let round = 0; ; round += 1) {
    const parent = await parentOf(run);
    try {
      const posted = await run.c.app.post(parent.channel, message(parent), run.deps.deadline, parent.ts, {
        broadcast,
      });
      count(run, 'chat.postMessage', posted.attempts);
      return { channel: posted.channel, ts: posted.ts };
    } catch (error) {
      count(run, 'chat.postMessage', attemptsOf(error));
      if (!isGone(error) || round > 0) throw error;
      await replaceParent(run, run.row, error);
    }
  }
};

/**
 * Carries out one action; what it returns is recorded as the step's record. Undefined: nothing was
 * done yet (another invocation or a later event does it), so a retry of this event tries again.
 */
const execute = async (run: Run, action: Action): Promise<Pick<StepRecord, 'channel' | 'ts'> | undefined> => {
  switch (action.kind) {
    case 'parent': {
      if (run.claimId && !run.row.parent) {
        // A retry after the post: the ledger knows the parent, so it is not posted twice.
        const earlier = run.done.parent?.ts ? { channel: run.done.parent.channel!, ts: run.done.parent.ts } : undefined;
        const parent = earlier ?? (await postParent(run, run.row));
        const rendered = run.row.version;
        const set = await run.c.rows.setParent(run.key, run.claimId, parent, run.deps.deadline);
        run.claimId = undefined;
        if (set) run.row = set;
        else {
          run.row = (await run.c.rows.read(run.key, run.deps.deadline)) ?? run.row;
          run.deps.log.warn('the claim on the parent ran out before it was recorded: the row keeps the other one', {
            deploymentId: run.key.deploymentId,
            kept: run.row.parent?.ts,
            leftOver: parent.ts,
          });
        }
        await settle(run, set ? rendered : run.row.version);
        return { channel: parent.channel, ts: parent.ts };
      }
      // No parent yet and another invocation posting it: it renders the row as this one left it.
      if (!run.row.parent) return undefined;
      await edit(run, run.row);
      await settle(run, run.row.version);
      return { channel: run.row.parent?.channel, ts: run.row.parent?.ts };
    }
    case 'reply':
      return reply(run, action.message, action.broadcast);
    case 'standalone': {
      const parent = await linkable(run, run.key, await parentOf(run));
      const outlet = outletFor(action.destination, run.deps);
      const posted = await outlet.post(action.message(parent), undefined);
      count(run, outlet.mode === 'app' ? 'chat.postMessage' : 'webhook', posted.attempts);
      return posted.where;
    }
    case 'rollback-link': {
      const read = (id: string) =>
        id === run.key.deploymentId ? run.row : run.c.rows.read(otherKey(run, id), run.deps.deadline);
      const [failed, rollback] = await Promise.all([read(action.failed), read(action.rollback)]);
      // The other side links them when its parent comes: whichever parent is posted second.
      if (!failed?.parent || !rollback?.parent) return undefined;
      if (!(await run.c.rows.markRollbackLinked(otherKey(run, action.failed), action.rollback, run.deps.deadline)))
        return {};
      const target = await linkable(run, otherKey(run, action.rollback), rollback.parent);
      const posted = await run.c.app.post(
        failed.parent.channel,
        formatRollbackLink(action.rollback, target),
        run.deps.deadline,
        failed.parent.ts,
      );
      count(run, 'chat.postMessage', posted.attempts);
      return { channel: posted.channel, ts: posted.ts };
    }
  }
};

/** What a conversation run came to, for the handler's answer and the logs. */
export interface ConversationOutcome {
  deploymentId: string;
  parent?: MessageRef;
  version: number;
  /** Slack calls by method (attempts included). */
  calls: Record<string, number>;
}

/** A conversation's event counted as any alert is (in app mode): posted or failed, and its Slack attempts. */
const counted = async <T extends NotifyOutcome>(
  kind: RouteSubject['kind'],
  deps: DeliveryDeps,
  run: () => Promise<T>,
): Promise<T> => {
  const metrics = deps.metrics ?? processMetrics;
  try {
    const outcome = await run();
    if (outcome.posted) {
      metrics.add('AlertsPosted', { kind, mode: 'app' });
      metrics.add('SlackAttempts', { mode: 'app' }, outcome.attempts);
    }
    return outcome;
  } catch (error) {
    if (!(error instanceof EventInProgressError)) {
      metrics.add('AlertsFailed', { kind, mode: 'app' });
      if (error instanceof SlackDeliveryError) metrics.add('SlackAttempts', { mode: 'app' }, error.details.attempts);
    }
    throw error;
  }
};

/**
 * Runs an event's actions each at most once (the event ledger notes every step as Slack takes it),
 * turning a duplicate away. A failure releases the event and the parent claim and propagates, so
 * Lambda retries the event.
 */
const runOnce = async (
  eventKey: EventKey | undefined,
  route: string,
  deps: DeliveryDeps,
  prepare: (
    done: Record<string, StepRecord>,
    attempt: number,
  ) => Promise<{ run: Run; actions: Action[]; skipped?: string }>,
): Promise<NotifyOutcome & { conversation?: ConversationOutcome }> => {
  const ledger = deps.ledger;
  const claim = eventKey && ledger ? await ledger.claim(eventKey, deps.deadline) : undefined;
  if (claim?.status === 'busy')
    throw new EventInProgressError(
      `event ${eventKey?.eventId} is being posted by another invocation until ${new Date(claim.leaseUntil).toISOString()}; Lambda will try it again`,
    );
  if (claim?.status === 'completed') {
    deps.log.info('duplicate event turned away: already posted', { eventId: eventKey?.eventId, route });
    return { posted: false, skipped: 'duplicate: already posted', duplicate: true };
  }
  if (claim?.status === 'unavailable')
    deps.log.warn('state table unavailable: posting without the exactly-once guarantee', {
      eventId: eventKey?.eventId,
      route,
      error: claim.error,
    });
  const held = claim?.status === 'claimed' && eventKey && ledger ? { ...claim, key: eventKey, ledger } : undefined;
  const done: Record<string, StepRecord> = held ? { ...held.done } : {};
  let run: Run | undefined;
  let skipped: string | undefined;
  try {
    const prepared = await prepare(done, held?.attempt ?? 1);
    run = prepared.run;
    skipped = prepared.actions.length === 0 ? prepared.skipped : undefined;
    for (const action of prepared.actions) {
      if (done[action.id]) continue;
      const where = await execute(run, action);
      if (!where) continue;
      const record: StepRecord = { at: new Date().toISOString(), route, ...where };
      done[action.id] = record;
      if (held)
        await held.ledger.recordStep(held.key, action.id, record, deps.deadline).catch((error) =>
          deps.log.error('posted, but the state table did not record it: a retry of this event may post it again', {
            eventId: held.key.eventId,
            step: action.id,
            error,
          }),
        );
    }
  } catch (error) {
    if (run?.claimId)
      await run.c.rows.releaseClaim(run.key, run.claimId, deps.deadline).catch((releaseError) =>
        deps.log.warn('could not release the claim on the parent: a retry waits until it runs out', {
          error: releaseError,
        }),
      );
    if (held)
      await held.ledger
        .release(held.key, held.claimId, deps.deadline)
        .catch((releaseError) =>
          deps.log.warn('could not release the claim: a retry waits until it runs out', { error: releaseError }),
        );
    if (error instanceof SlackDeliveryError)
      deps.log.error(
        error.details.permanent
          ? 'slack refused a message of the conversation: no retry will fix it; it goes to the dead-letter queue'
          : 'slack delivery failed within the time the invocation had',
        { route, slackError: error.details.code, eventId: eventKey?.eventId },
      );
    throw error;
  }
  if (held)
    await held.ledger.complete(held.key, deps.deadline).catch((error) =>
      deps.log.error('posted, but the state table did not record it: a retry of this event may post it again', {
        eventId: held.key.eventId,
        error,
      }),
    );
  const finished = run!;
  if (skipped) {
    deps.log.info('alert skipped', {
      reason: skipped,
      eventId: eventKey?.eventId,
      deploymentId: finished.key.deploymentId,
    });
    return { posted: false, skipped };
  }
  const conversation: ConversationOutcome = {
    deploymentId: finished.key.deploymentId,
    ...(finished.row.parent ? { parent: finished.row.parent } : {}),
    version: finished.row.version,
    calls: finished.calls,
  };
  deps.log.info('conversation updated', {
    route,
    eventId: eventKey?.eventId,
    steps: Object.keys(done),
    ...conversation,
  });
  return {
    posted: true,
    route,
    attempts: finished.attempts,
    degraded: false,
    message: formatParent(finished.row, {}, viewOf(deps, finished.row)),
    conversation,
  };
};

const newRun = (c: Conversations, deps: DeliveryDeps, key: DeploymentKey, row: DeploymentRow, done: Run['done']) =>
  ({ c, deps, key, row, done, attempts: 0, calls: {} }) satisfies Run;

/**
 * A deployment state change in its conversation. Undefined when it has none to join and its own
 * route is a webhook, or when the table cannot say: the caller posts it on its own, as before.
 */
export const converseDeployment = async (
  raw: unknown,
  input: DeploymentInput,
  subject: RouteSubject,
  deps: DeliveryDeps,
): Promise<(NotifyOutcome & { conversation?: ConversationOutcome }) | undefined> => {
  const c = deps.conversations;
  if (!c) return undefined;
  const { change } = input;
  const key: DeploymentKey = {
    account: change.account,
    region: change.region,
    deploymentId: change.detail.deploymentId,
  };
  const read = await readOrFallBack(c, key, deps);
  if (!read.ok) return undefined;
  const slack = deps.settings.slack;
  const own = selectDestination(subject, slack.routes, slack.defaultChannel);
  if (!read.row && !own.channel) return undefined;
  const home = read.row
    ? { route: read.row.route, channel: read.row.channel }
    : { route: own.route, channel: own.channel! };
  const clock = c.clock ?? realClock;
  return counted(subject.kind, deps, async () =>
    runOnce(eventKeyOf(raw), home.route, deps, async (done, attempt) => {
      const claim = { id: (c.newClaimId ?? randomUUID)(), until: clock() + Math.max(0, deps.deadline.remainingMs()) };
      let row = read.row;
      let changed = false;
      let claimId: string | undefined;
      for (let round = 0; ; round += 1) {
        if (round >= 6)
          throw new ConversationBusyError(`the row of ${key.deploymentId} kept changing; Lambda will try again`);
        if (!row) {
          const created = await c.rows.create(key, reduceDeployment(undefined, input, home).row, claim, deps.deadline);
          if (created) {
            row = created;
            changed = true;
            claimId = claim.id;
            break;
          }
          row = await c.rows.read(key, deps.deadline);
          continue;
        }
        const reduced = reduceDeployment(row, input, home);
        if (!reduced.changed) break;
        const updated = await c.rows.update(key, row.version, reduced.row, deps.deadline);
        if (updated) {
          row = updated;
          changed = true;
          break;
        }
        row = await c.rows.read(key, deps.deadline);
      }
      // A parent whose poster ran out of time is taken over.
      if (!row.parent && !claimId && (!row.claim || row.claim.until < clock())) {
        const taken = await c.rows.claimParent(key, claim, deps.deadline);
        if (taken) {
          row = taken;
          claimId = claim.id;
        }
      }
      const run: Run = { ...newRun(c, deps, key, row, done), ...(claimId ? { claimId } : {}) };
      // A retry whose edit did not happen edits now: it cannot know whether Slack shows its state.
      const retried = attempt > 1 && !done.parent;
      const actions = planDeploymentEvent({
        row,
        changed: changed || Boolean(claimId) || retried,
        input,
        own,
        mentions: mentionsFor(subject.severity, slack.mentions),
      });
      return { run, actions, skipped: 'older than the state the parent shows: nothing to change' };
    }),
  );
};

/**
 * A detail of a deployment (an instance state change, the cleanup of its group) in the thread of
 * its conversation. Undefined when the deployment has no conversation: the caller posts it on its
 * own, as before.
 */
export const converseDetail = async (
  raw: unknown,
  key: DeploymentKey,
  subject: RouteSubject,
  reply: SlackMessage,
  alert: (mentions: string[]) => SlackMessage,
  deps: DeliveryDeps,
): Promise<(NotifyOutcome & { conversation?: ConversationOutcome }) | undefined> => {
  const c = deps.conversations;
  if (!c) return undefined;
  const read = await readOrFallBack(c, key, deps);
  if (!read.ok || !read.row) return undefined;
  const row = read.row;
  const slack = deps.settings.slack;
  const own = selectDestination(subject, slack.routes, slack.defaultChannel);
  return counted(subject.kind, deps, () =>
    runOnce(eventKeyOf(raw), row.route, deps, async (done) => ({
      run: newRun(c, deps, key, row, done),
      actions: planDetailEvent(row, own, reply, alert(mentionsFor(subject.severity, slack.mentions))),
    })),
  );
};

/**
 * The alarm's reply in the thread of every deployment it stops or rolls back that has a
 * conversation, each at most once (its own record in the ledger, keyed by the alarm event and the
 * deployment). `alarmMessage` is where the app posted the alarm, if it did.
 */
export const joinAlarmThreads = async (
  raw: unknown,
  facts: AlarmFacts,
  impact: readonly AlarmImpact[] | undefined,
  alarmMessage: Pick<MessageRef, 'channel' | 'ts'> | undefined,
  deps: DeliveryDeps,
): Promise<ConversationOutcome[]> => {
  const c = deps.conversations;
  const eventKey = eventKeyOf(raw);
  if (!c || facts.transition.to !== 'ALARM' || !impact) return [];
  const targets = impact.flatMap((i) =>
    i.inProgressDeployments.map((deploymentId) => ({ deploymentId, effect: i.effect })),
  );
  const joined: ConversationOutcome[] = [];
  let link: MessageRef | undefined;
  for (const { deploymentId, effect } of targets) {
    const key: DeploymentKey = { account: facts.account, region: facts.region, deploymentId };
    const read = await readOrFallBack(c, key, deps);
    if (!read.ok || !read.row) continue;
    const row = read.row;
    const outcome = await runOnce(
      eventKey && { ...eventKey, eventId: `${eventKey.eventId}#thread#${deploymentId}` },
      row.route,
      deps,
      async (done) => {
        const run = newRun(c, deps, key, row, done);
        if (alarmMessage && !link) {
          const permalink = await permalinkOf(run, alarmMessage.channel, alarmMessage.ts);
          link = { ...alarmMessage, ...(permalink ? { permalink } : {}) };
        }
        const message = formatAlarmReply(facts, effect, link);
        return { run, actions: [{ id: 'alarm', kind: 'reply', message: () => message }] };
      },
    );
    if (outcome.conversation) joined.push(outcome.conversation);
  }
  return joined;
};
