import type { Logger } from '../log.js';
import type { SlackMessage } from './blocks.js';
import { type RouteSubject, mentionsFor, selectDestination } from './route.js';
import type { WebhookSender } from './webhook.js';
import type { WebhookUrlResolver } from './webhook-url.js';
import type { Settings } from '../settings/schema.js';
import type { Deadline } from '../time.js';

/** What both notifiers need to post: settings, where webhooks live, and the sender. */
export interface DeliveryDeps {
  settings: Settings;
  defaultWebhookParameter: string;
  urls: WebhookUrlResolver;
  sender: WebhookSender;
  deadline: Deadline;
  log: Logger;
}

export type NotifyOutcome =
  | { posted: true; route: string; attempts: number; degraded: boolean; message: SlackMessage }
  | { posted: false; skipped: string };

/** Routes a message, resolves the webhook, posts it; failures propagate so the event is retried. */
export const deliver = async (
  subject: RouteSubject,
  build: (mentions: string[]) => SlackMessage,
  deps: DeliveryDeps,
): Promise<NotifyOutcome> => {
  const destination = selectDestination(subject, deps.settings.slack.routes);
  const message = build(mentionsFor(subject.severity, deps.settings.slack.mentions));
  const url = await deps.urls.resolve(destination.webhookParameter ?? deps.defaultWebhookParameter, deps.deadline);
  const result = await deps.sender.send(url, message, deps.deadline);
  deps.log.info('alert posted', {
    route: destination.route,
    kind: subject.kind,
    severity: subject.severity,
    attempts: result.attempts,
    degraded: result.degraded,
  });
  return { posted: true, route: destination.route, ...result, message };
};
