import type { DeploymentDetails } from '../codedeploy/deployment.js';
import type { DeploymentStateChange } from '../events/codedeploy.js';
import type { AlarmFacts } from './alarm-facts.js';
import type { AlarmEffect } from './alarm-impact.js';
import { type Severity, type SlackMessage, context, escape, fitMessage, link, section } from './blocks.js';
import { deploymentSeverity, formatDeploymentMessage, formatWhyReply } from './format-deployment.js';
import type { AccountView } from './links.js';
import type { Destination } from './route.js';

/**
 * One conversation per deployment (app mode): the decisions, apart from the table and Slack.
 *
 * A deployment has one parent message, edited in place as the deployment moves, and a thread for
 * the details. What the parent shows lives in the deployment's row of the state table; every edit
 * is rendered from that row, so whichever invocation edits last, the parent ends on what the row
 * says. The row keeps the deployment's latest state *by event time*: EventBridge and Lambda's
 * retries deliver out of order (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html),
 * and an older event arriving later never rolls the parent back.
 */

/** Which deployment a row is about; the account and region let an organisation hub share one table. */
export interface DeploymentKey {
  account: string;
  region: string;
  deploymentId: string;
}

/** The row's partition key: `deployment#<account>#<region>#<deployment id>`. */
export const deploymentRowKey = (key: DeploymentKey): string =>
  `deployment#${key.account}#${key.region}#${key.deploymentId}`;

/** A Slack message of a conversation. */
export interface MessageRef {
  channel: string;
  ts: string;
  /** chat.getPermalink's answer, when Slack gave one. */
  permalink?: string;
}

/** DeploymentDetails as the row keeps them: times as ISO text, and none of the why (it goes to the thread). */
export type StoredDetails = Omit<
  DeploymentDetails,
  | 'createTime'
  | 'startTime'
  | 'completeTime'
  | 'revisionRegisterTime'
  | 'failedTargets'
  | 'revisionLocation'
  | 'targetTagSet'
  | 'autoScalingGroups'
> & { createTime?: string; startTime?: string; completeTime?: string };

/** What the parent shows: the deployment event it renders, with what CodeDeploy said then. */
export interface Shown {
  eventId: string;
  change: DeploymentStateChange;
  details?: StoredDetails;
  detailsUnavailable?: string;
}

/** A deployment's row in the state table. */
export interface DeploymentRow {
  /** Goes up by one with every change of what the parent shows. */
  version: number;
  /** The route and channel the first event fixed. */
  route: string;
  channel: string;
  /** The parent, once posted. */
  parent?: MessageRef;
  /** An invocation posting the parent holds this until it has, or until its time is up. */
  claim?: { id: string; until: number };
  shown: Shown;
  /** The rollback whose link was posted in this deployment's thread. */
  rollbackLinked?: string;
}

const iso = (d: Date | undefined) => (d && Number.isFinite(d.getTime()) ? d.toISOString() : undefined);
const date = (s: string | undefined) => (s ? new Date(s) : undefined);

/** The details as the row keeps them. */
export const toStoredDetails = (d: DeploymentDetails): StoredDetails => {
  const {
    createTime,
    startTime,
    completeTime,
    revisionRegisterTime: _registered,
    failedTargets: _failed,
    revisionLocation: _location,
    targetTagSet: _tags,
    autoScalingGroups: _groups,
    ...rest
  } = d;
  return { ...rest, createTime: iso(createTime), startTime: iso(startTime), completeTime: iso(completeTime) };
};

/** The details back from the row, as the formatter takes them. */
export const fromStoredDetails = (s: StoredDetails): DeploymentDetails => ({
  ...s,
  createTime: date(s.createTime),
  startTime: date(s.startTime),
  completeTime: date(s.completeTime),
});

/**
 * How states of the same second order: event times have one-second resolution, and a deployment
 * that starts and is ready, or is ready and fails, within one second is common.
 */
export const tieRank = (state: string): number =>
  state === 'START'
    ? 0
    : state === 'READY'
      ? 1
      : state === 'SUCCESS' || state === 'FAILURE' || state === 'STOP'
        ? 3
        : 2;

/** Whether event `a` is later than `b`: by event time, then by the tie order; equal is not later. */
export const isLater = (a: { time: string; state: string }, b: { time: string; state: string }): boolean => {
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  const na = Number.isFinite(ta) ? ta : Number.NEGATIVE_INFINITY;
  const nb = Number.isFinite(tb) ? tb : Number.NEGATIVE_INFINITY;
  if (na !== nb) return na > nb;
  return tieRank(a.state) > tieRank(b.state);
};

/** A deployment state change as the conversation takes it. */
export interface DeploymentInput {
  eventId: string;
  change: DeploymentStateChange;
  details?: DeploymentDetails;
  detailsUnavailable?: string;
  /** The account's name and how console links open (an organisation hub's settings). */
  view?: AccountView;
}

const shownOf = (input: DeploymentInput): Shown => ({
  eventId: input.eventId,
  change: input.change,
  ...(input.details ? { details: toStoredDetails(input.details) } : {}),
  ...(input.detailsUnavailable ? { detailsUnavailable: input.detailsUnavailable } : {}),
});

/** The row after a deployment event, and whether what the parent shows changed. */
export interface Reduced {
  row: DeploymentRow;
  changed: boolean;
}

/**
 * The reducer: a new row for the first event (in the channel its route names), a new version when
 * the event is later than what the parent shows, and the row unchanged otherwise.
 */
export const reduceDeployment = (
  row: DeploymentRow | undefined,
  input: DeploymentInput,
  home: { route: string; channel: string },
): Reduced => {
  if (!row)
    return { row: { version: 1, route: home.route, channel: home.channel, shown: shownOf(input) }, changed: true };
  const now = { time: input.change.time, state: input.change.detail.state };
  const before = { time: row.shown.change.time, state: row.shown.change.detail.state };
  if (!isLater(now, before)) return { row, changed: false };
  return { row: { ...row, version: row.version + 1, shown: shownOf(input) }, changed: true };
};

/** Related parents the parent links to: the deployment it rolls back, the one that rolled it back. */
export interface Related {
  rollsBack?: MessageRef;
  rolledBackBy?: MessageRef;
}

const THREAD_NOTE = '🧵 Details, instance failures, alarms and the cleanup are in the thread.';

/** The parent, rendered from the row alone (and the related parents' links): never with mentions. */
export const formatParent = (row: DeploymentRow, related: Related = {}, view?: AccountView): SlackMessage => {
  const { change, details, detailsUnavailable } = row.shown;
  const message = formatDeploymentMessage(change, details && fromStoredDetails(details), {
    why: false,
    detailsUnavailable,
    view,
    conversation: { rollsBack: related.rollsBack?.permalink, rolledBackBy: related.rolledBackBy?.permalink },
  });
  return appendContext(message, THREAD_NOTE);
};

/** A message with one more context line before its links (the last block stays last). */
export const appendContext = (message: SlackMessage, line: string): SlackMessage => {
  const note = context([line]);
  if (!note) return message;
  const attachment = message.attachments?.[0];
  const insert = <B>(blocks: B[]): B[] => [...blocks.slice(0, -1), note as B, blocks.at(-1)!];
  if (attachment?.blocks?.length)
    return {
      ...message,
      attachments: [{ ...attachment, blocks: insert(attachment.blocks) }, ...message.attachments!.slice(1)],
    };
  if (message.blocks?.length) return { ...message, blocks: insert(message.blocks) };
  return { ...message, text: `${message.text}\n${line}` };
};

/** A link to a message of the conversation: its permalink, or else the channel it is in. */
export const linkTo = (ref: MessageRef, words: string): string =>
  ref.permalink ? link(ref.permalink, words) : `${escape(words)} in <#${ref.channel}>`;

/** One thing an event asks of Slack, in order; `id` names it in the event's record of done steps. */
export type Action =
  /** Post the parent (this invocation holds the claim) or edit it to what the row shows. */
  | { id: 'parent'; kind: 'parent' }
  /** A reply in the deployment's thread; `broadcast` also shows it in the channel. */
  | { id: string; kind: 'reply'; message: (parent: MessageRef) => SlackMessage; broadcast?: boolean }
  /** The event's own alert where its own route points, linking the conversation. */
  | { id: string; kind: 'standalone'; destination: Destination; message: (parent: MessageRef) => SlackMessage }
  /** Link the rollback's parent in the rolled-back deployment's thread (once both parents exist). */
  | { id: 'rollback-link'; kind: 'rollback-link'; failed: string; rollback: string };

/** Whether a destination is the conversation's own channel. */
export const isHome = (destination: Destination, row: Pick<DeploymentRow, 'channel'>): boolean =>
  destination.channel === row.channel;

/** A standalone copy of an alert that links the conversation it belongs to. */
const standalone = (destination: Destination, alert: SlackMessage): Action => ({
  id: `also:${destination.route}`,
  kind: 'standalone',
  destination,
  message: (parent) => appendContext(alert, `🧵 ${linkTo(parent, 'The whole deployment, in its thread')}`),
});

export interface DeploymentPlanInput {
  row: DeploymentRow;
  changed: boolean;
  input: DeploymentInput;
  /** Where the event's own route points. */
  own: Destination;
  /** The mentions of the event's severity. */
  mentions: string[];
}

/**
 * What a deployment state change asks of Slack: the parent (posted or edited, only when what it
 * shows changed: one edit per state change, not per instance), the why in the thread, a broadcast
 * reply carrying the mentions for a critical outcome (an edit notifies nobody:
 * https://docs.slack.dev/reference/methods/chat.update), the rollback link, and a standalone copy
 * where the event's own route points when that is not the conversation's channel.
 */
export const planDeploymentEvent = ({ row, changed, input, own, mentions }: DeploymentPlanInput): Action[] => {
  const { change, details } = input;
  const { state, application, deploymentGroup, deploymentId } = change.detail;
  const severity: Severity = deploymentSeverity(state, details);
  const actions: Action[] = [];
  if (changed || !row.parent) actions.push({ id: 'parent', kind: 'parent' });
  const why = details && (state === 'FAILURE' || state === 'STOP') ? formatWhyReply(change, details) : undefined;
  if (why) actions.push({ id: 'why', kind: 'reply', message: () => why });
  if (severity === 'critical') {
    const reason = details?.errorCode ? `: ${escape(details.errorCode)}` : '';
    const who = mentions.length ? `${mentions.join(' ')} ` : '';
    const words = state === 'STOP' ? 'stopped by an alarm' : 'failed';
    actions.push({
      id: 'alert',
      kind: 'reply',
      broadcast: true,
      message: () => ({
        text: `${who}❌ ${escape(`${application}/${deploymentGroup}`)} ${words} (${escape(deploymentId)})${reason}`,
      }),
    });
  }
  const failed = details?.rollsBack ?? (details?.rolledBackBy ? deploymentId : undefined);
  const rollback = details?.rollsBack ? deploymentId : details?.rolledBackBy;
  if (changed && failed && rollback) actions.push({ id: 'rollback-link', kind: 'rollback-link', failed, rollback });
  if (!isHome(own, row))
    actions.push(
      standalone(
        own,
        formatDeploymentMessage(change, details, {
          mentions,
          detailsUnavailable: input.detailsUnavailable,
          view: input.view,
        }),
      ),
    );
  return actions;
};

/**
 * A detail of a deployment (an instance state change, the cleanup of its group): a reply in the
 * thread, and a standalone copy where its own route points when that is not the conversation's
 * channel. The parent is not edited: instance counts move with the deployment's own state changes.
 */
export const planDetailEvent = (
  row: Pick<DeploymentRow, 'channel'>,
  own: Destination,
  reply: SlackMessage,
  alert: SlackMessage,
): Action[] => [
  { id: 'reply', kind: 'reply', message: () => reply },
  ...(isHome(own, row) ? [] : [standalone(own, alert)]),
];

const EFFECT_WORDS: Record<AlarmEffect, string> = {
  stop: 'CodeDeploy stops this deployment',
  'stop-and-roll-back': 'CodeDeploy stops this deployment and rolls it back',
};

/**
 * The reply an alarm leaves in the thread of a deployment it stops or rolls back: a link to the
 * alarm's own message when the app posted it, otherwise the alarm's name, state and reason.
 */
export const formatAlarmReply = (facts: AlarmFacts, effect: AlarmEffect, alarmMessage?: MessageRef): SlackMessage => {
  const name = `*${escape(facts.name)}*`;
  const transition = `${facts.transition.from ?? '?'} → ${facts.transition.to}`;
  const title = `🔔 Alarm ${name} went ${escape(transition)}: ${EFFECT_WORDS[effect]}.`;
  const body = alarmMessage
    ? `${title} ${linkTo(alarmMessage, 'The alarm')}`
    : `${title}\n*Reason:* ${escape(facts.reason)}`;
  return fitMessage({
    text: `🔔 Alarm ${escape(facts.name)} ${escape(transition)}: ${EFFECT_WORDS[effect]}`,
    severity: 'critical',
    blocks: [section(body)],
  });
};

/** The reply in a failed deployment's thread that points to its rollback's parent. */
export const formatRollbackLink = (rollbackId: string, rollbackParent: MessageRef): SlackMessage => ({
  text: `↩️ Rolled back by ${escape(rollbackId)}: ${linkTo(rollbackParent, 'its own conversation')}`,
});
