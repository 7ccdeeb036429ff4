import type { Logger } from '../log.js';
import { type Metrics, metrics as processMetrics } from '../metrics.js';
import type { SlackMessage } from './blocks.js';
import { type Destination, type RouteSubject, mentionsFor, selectDestination } from './route.js';
import { SlackDeliveryError, type WebhookSender } from './webhook.js';
import type { WebhookUrlResolver } from './webhook-url.js';
import type { AppPoster } from './slack-app.js';
import {
  type Claim,
  type EventKey,
  EventInProgressError,
  type EventLedger,
  type Step,
  type StepRecord,
  eventKeyOf,
  pendingSteps,
} from './once.js';
import type { CommonSettings } from '../settings/schema.js';
import type { Deadline } from '../time.js';
import type { Conversations } from './converse.js';

/** What both notifiers need to post: settings, the two delivery modes, and the event ledger. */
export interface DeliveryDeps {
  settings: CommonSettings;
  defaultWebhookParameter: string;
  /** Webhook mode: where webhook URLs are kept, and the sender. */
  urls: WebhookUrlResolver;
  sender: WebhookSender;
  /** App mode (a route or the default names a channel): the Slack app's poster. */
  app?: AppPoster;
  /** The state table's event records; without one (local runs) a duplicate is not turned away. */
  ledger?: EventLedger;
  /** App mode with a state table: one conversation per deployment (converse.ts). */
  conversations?: Conversations;
  deadline: Deadline;
  log: Logger;
  /** Alerts posted, degraded and failed, and Slack attempts (default: the process's recorder). */
  metrics?: Metrics;
}

export type NotifyOutcome =
  | {
      posted: true;
      route: string;
      attempts: number;
      degraded: boolean;
      message: SlackMessage;
      /** App mode: where the message is. */
      where?: { channel: string; ts: string };
    }
  | { posted: false; skipped: string; duplicate?: true };

export class DeliveryConfigError extends Error {
  override name = 'DeliveryConfigError';
}

/** What a delivery mode left of a posted message, and what it took. */
interface Posted {
  where: Pick<StepRecord, 'channel' | 'ts'>;
  attempts: number;
  degraded: boolean;
}

/** One destination in its delivery mode: posts a message, as a reply to an earlier one when asked. */
export interface Outlet {
  mode: 'webhook' | 'app';
  post(message: SlackMessage, replyTo: StepRecord | undefined): Promise<Posted>;
}

export const outletFor = (destination: Destination, deps: DeliveryDeps): Outlet => {
  const { channel } = destination;
  if (channel) {
    const app = deps.app;
    if (!app)
      throw new DeliveryConfigError(`route ${destination.route} names channel ${channel}, but no Slack app is set up`);
    return {
      mode: 'app',
      async post(message, replyTo) {
        const posted = await app.post(channel, message, deps.deadline, replyTo?.ts);
        return {
          where: { channel: posted.channel, ts: posted.ts },
          attempts: posted.attempts,
          degraded: posted.degraded,
        };
      },
    };
  }
  return {
    mode: 'webhook',
    // A webhook cannot thread: a reply is posted on its own.
    async post(message) {
      const url = await deps.urls.resolve(destination.webhookParameter ?? deps.defaultWebhookParameter, deps.deadline);
      return { where: {}, ...(await deps.sender.send(url, message, deps.deadline)) };
    },
  };
};

/** After a successful post the table's failure is logged, never thrown: the alert is in Slack. */
const unrecorded = (deps: DeliveryDeps, key: EventKey, route: string, error: unknown, step?: string) =>
  deps.log.error('posted, but the state table did not record it: a retry of this event may post it again', {
    eventId: key.eventId,
    route,
    ...(step ? { step } : {}),
    error,
  });

/** Claims the event in the ledger; decides nothing itself but logs what the claim found. */
const claimEvent = async (key: EventKey | undefined, route: string, deps: DeliveryDeps): Promise<Claim | undefined> => {
  if (!key || !deps.ledger) return undefined;
  const claim = await deps.ledger.claim(key, deps.deadline);
  if (claim.status === 'unavailable')
    deps.log.warn('state table unavailable: posting without the exactly-once guarantee', {
      eventId: key.eventId,
      route,
      error: claim.error,
    });
  return claim;
};

/** What posting an alert's steps came to. */
export type StepsOutcome =
  | { posted: true; mode: 'webhook' | 'app'; attempts: number; degraded: boolean; done: Record<string, StepRecord> }
  | { posted: false; skipped: string; duplicate: true };

/**
 * Posts an alert's steps (a message, then replies in its thread) to one destination, each at most
 * once per event when the ledger can say so: a duplicate is turned away, a retry redoes only the
 * steps Slack does not have yet, and the table being unavailable never stops an alert. Failures
 * propagate, so Lambda retries the event and, in the end, the dead-letter queue receives it.
 */
export const postSteps = async (
  destination: Destination,
  steps: readonly Step<SlackMessage>[],
  key: EventKey | undefined,
  deps: DeliveryDeps,
): Promise<StepsOutcome> => {
  const { route } = destination;
  const outlet = outletFor(destination, deps);
  const claim = await claimEvent(key, route, deps);
  const ledger = claim?.status === 'claimed' && key ? { ...claim, key, store: deps.ledger! } : undefined;

  if (claim?.status === 'busy')
    throw new EventInProgressError(
      `event ${key?.eventId} is being posted by another invocation until ${new Date(claim.leaseUntil).toISOString()}; Lambda will try it again`,
    );
  const done: Record<string, StepRecord> =
    claim?.status === 'claimed' || claim?.status === 'completed' ? { ...claim.done } : {};
  const pending = claim?.status === 'completed' ? [] : pendingSteps(steps, done);
  if (pending.length === 0) {
    deps.log.info('duplicate event turned away: already posted', {
      eventId: key?.eventId,
      route,
      steps: Object.keys(done),
    });
    // Every step was done by an earlier invocation that stopped before saying so.
    if (ledger)
      await ledger.store
        .complete(ledger.key, deps.deadline)
        .catch((error) => unrecorded(deps, ledger.key, route, error));
    return { posted: false, skipped: 'duplicate: already posted', duplicate: true };
  }
  if (ledger && Object.keys(done).length > 0)
    deps.log.info('event retried: posting only the steps Slack does not have', {
      eventId: ledger.key.eventId,
      attempt: ledger.attempt,
      done: Object.keys(done),
      pending: pending.map((s) => s.id),
    });

  let attempts = 0;
  let degraded = false;
  try {
    for (const step of pending) {
      const posted = await outlet.post(step.message, step.replyTo ? done[step.replyTo] : undefined);
      attempts += posted.attempts;
      degraded ||= posted.degraded;
      const record: StepRecord = { at: new Date().toISOString(), route, ...posted.where };
      done[step.id] = record;
      if (ledger)
        await ledger.store
          .recordStep(ledger.key, step.id, record, deps.deadline)
          .catch((error) => unrecorded(deps, ledger.key, route, error, step.id));
    }
  } catch (error) {
    if (error instanceof SlackDeliveryError)
      deps.log.error(
        error.details.uncertain
          ? 'slack failed part way (fatal_error): the alert may have been posted, and a retry may post it twice'
          : error.details.permanent
            ? 'slack refused the alert: no retry will fix it; it goes to the dead-letter queue'
            : 'slack delivery failed within the time the invocation had',
        {
          route,
          mode: outlet.mode,
          slackError: error.details.code,
          status: error.details.status,
          eventId: key?.eventId,
        },
      );
    if (ledger)
      await ledger.store
        .release(ledger.key, ledger.claimId, deps.deadline)
        .catch((releaseError) =>
          deps.log.warn('could not release the claim: a retry waits until it runs out', { error: releaseError }),
        );
    throw error;
  }
  if (ledger)
    await ledger.store.complete(ledger.key, deps.deadline).catch((error) => unrecorded(deps, ledger.key, route, error));
  return { posted: true, mode: outlet.mode, attempts, degraded, done };
};

/** Routes an alert and posts it once per event (see postSteps). */
export const deliver = async (
  subject: RouteSubject,
  build: (mentions: string[]) => SlackMessage,
  deps: DeliveryDeps,
  event?: unknown,
): Promise<NotifyOutcome> => {
  const destination = selectDestination(subject, deps.settings.slack.routes, deps.settings.slack.defaultChannel);
  const message = build(mentionsFor(subject.severity, deps.settings.slack.mentions));
  const metrics = deps.metrics ?? processMetrics;
  const outcome = await postSteps(destination, [{ id: 'post', message }], eventKeyOf(event), deps).catch(
    (error: unknown) => {
      // Another invocation holding the event is no failure: it is counted as an expected retry.
      if (!(error instanceof EventInProgressError)) {
        const mode = destination.channel ? 'app' : 'webhook';
        metrics.add('AlertsFailed', { kind: subject.kind, mode });
        if (error instanceof SlackDeliveryError) metrics.add('SlackAttempts', { mode }, error.details.attempts);
      }
      throw error;
    },
  );
  if (!outcome.posted) return outcome;
  const { route } = destination;
  const { attempts, degraded, mode } = outcome;
  metrics.add('AlertsPosted', { kind: subject.kind, mode });
  if (degraded) metrics.add('AlertsDegraded', { kind: subject.kind, mode });
  metrics.add('SlackAttempts', { mode }, attempts);
  const post = outcome.done.post;
  deps.log.info('alert posted', {
    route,
    mode,
    kind: subject.kind,
    severity: subject.severity,
    attempts,
    degraded,
    ...(post?.ts ? { channel: post.channel, ts: post.ts } : {}),
  });
  return {
    posted: true,
    route,
    attempts,
    degraded,
    message,
    ...(post?.channel && post.ts ? { where: { channel: post.channel, ts: post.ts } } : {}),
  };
};
