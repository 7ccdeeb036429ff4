import type { Severity } from './blocks.js';
import type { Route, Settings } from '../settings/schema.js';

/** What routing looks at: who an alert is about, and how bad it is. */
export interface RouteSubject {
  kind: 'deployment' | 'instance' | 'alarm' | 'cleanup' | 'unknown';
  severity: Severity;
  application?: string;
  deploymentGroup?: string;
  alarmName?: string;
  alarmTags?: Record<string, string>;
  /** The account the event happened in, and its name from the settings' `accounts`. */
  account?: string;
  accountName?: string;
}

/**
 * Where an alert goes. A `channel` means app mode (the stage's Slack app posts there with its bot
 * token); otherwise webhook mode, to `webhookParameter`'s webhook or, without one, the stage's
 * default webhook.
 */
export interface Destination {
  /** The route's name, or `default`. */
  route: string;
  /** SSM parameter holding the webhook URL; undefined means the stage's default webhook. */
  webhookParameter?: string;
  /** A channel ID: app mode. */
  channel?: string;
}

const matches = (route: Route, s: RouteSubject): boolean => {
  const m = route.match;
  if (m.kind && (s.kind === 'unknown' || !m.kind.includes(s.kind))) return false;
  if (m.application && (!s.application || !m.application.includes(s.application))) return false;
  if (m.deploymentGroup && (!s.deploymentGroup || !m.deploymentGroup.includes(s.deploymentGroup))) return false;
  if (m.alarmPrefix && (!s.alarmName || !m.alarmPrefix.some((p) => s.alarmName!.startsWith(p)))) return false;
  if (m.alarmTag && Object.entries(m.alarmTag).some(([k, v]) => s.alarmTags?.[k] !== v)) return false;
  if (m.severity && !m.severity.includes(s.severity)) return false;
  if (m.account && !m.account.some((a) => a === s.account || (s.accountName !== undefined && a === s.accountName)))
    return false;
  return true;
};

/**
 * First matching route wins; nothing matching goes to `defaultChannel` when the stage names one (app
 * mode), else to the default webhook, as before app mode existed.
 */
export const selectDestination = (
  subject: RouteSubject,
  routes: readonly Route[],
  defaultChannel?: string,
): Destination => {
  const route = routes.find((r) => matches(r, subject));
  if (!route) return defaultChannel ? { route: 'default', channel: defaultChannel } : { route: 'default' };
  return route.channel
    ? { route: route.name, channel: route.channel }
    : { route: route.name, webhookParameter: route.webhookParameter };
};

/** Whether any alert of these settings may go through the Slack app (and so needs its token). */
export const usesAppMode = (slack: Settings['slack']): boolean =>
  Boolean(slack.defaultChannel) || slack.routes.some((r) => r.channel !== undefined);

/** The mentions configured for a severity, ready to prefix a message. */
export const mentionsFor = (severity: Severity, mentions: Settings['slack']['mentions']): string[] =>
  mentions[severity] ?? [];
