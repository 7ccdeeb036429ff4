import { type DeploymentDetails, type FailedTarget, ROLLBACK_CREATOR } from '../codedeploy/deployment.js';
import {
  type DeploymentState,
  type DeploymentStateChange,
  type InstanceStateChange,
  isKnownDeploymentState,
  type KnownDeploymentState,
} from '../events/codedeploy.js';
import {
  type Severity,
  type SlackMessage,
  buttons,
  codeBlock,
  context,
  escape,
  fields,
  fitMessage,
  header,
  section,
  trimEnd,
  link,
} from './blocks.js';
import {
  type AccountView,
  accountWords,
  consoleLink,
  deploymentGroupUrl,
  deploymentUrl,
  instanceUrl,
} from './links.js';

interface StateWords {
  icon: string;
  words: string;
  severity: Severity;
}

const STATE: Record<KnownDeploymentState, StateWords> = {
  START: { icon: '🚀', words: 'deployment started', severity: 'info' },
  SUCCESS: { icon: '✅', words: 'deployment succeeded', severity: 'success' },
  FAILURE: { icon: '❌', words: 'deployment failed', severity: 'critical' },
  STOP: { icon: '⏹️', words: 'deployment stopped', severity: 'warning' },
  READY: { icon: '⏸️', words: 'replacement ready, waiting to reroute traffic', severity: 'info' },
};

/** How a state reads; a state CodeDeploy adds later reads as itself ("deployment PAUSED"), at severity info. */
const stateWords = (state: DeploymentState): StateWords =>
  isKnownDeploymentState(state) ? STATE[state] : { icon: 'ℹ️', words: `deployment ${state}`, severity: 'info' };

/**
 * How bad a deployment or instance state is: the one rule for routing, mentions and colour. An
 * instance that stopped is a warning like a stopped deployment, a failed one critical.
 */
export const stateSeverity = (state: DeploymentState): Severity => stateWords(state).severity;

/** The error code CodeDeploy gives a deployment it stopped because one of its group's alarms went off. */
export const ALARM_STOP_CODE = 'ALARM_ACTIVE';

/**
 * How bad a deployment state is once CodeDeploy has said why: a stop caused by an alarm
 * (`ALARM_ACTIVE`, https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ErrorInformation.html)
 * is as critical as a failure; any other stop stays a warning.
 */
export const deploymentSeverity = (state: DeploymentState, details?: Pick<DeploymentDetails, 'errorCode'>): Severity =>
  state === 'STOP' && details?.errorCode === ALARM_STOP_CODE ? 'critical' : stateSeverity(state);

/** "3 h 4 min", "52 s": durations people read at a glance. */
export const formatDuration = (ms: number): string => {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
};

const TYPE_WORDS = (d: DeploymentDetails): string | undefined => {
  if (d.deploymentType === 'BLUE_GREEN') {
    const fleet =
      d.greenFleetAction === 'COPY_AUTO_SCALING_GROUP'
        ? ', copied Auto Scaling group'
        : d.greenFleetAction === 'DISCOVER_EXISTING'
          ? ', existing instances'
          : '';
    return `Blue/green${fleet}`;
  }
  if (d.deploymentType === 'IN_PLACE') return 'In place';
  return d.computePlatform;
};

const CREATOR_WORDS: Record<string, string> = {
  user: 'a person or pipeline',
  autoscaling: 'Auto Scaling (scale-out)',
  [ROLLBACK_CREATOR]: 'automatic rollback',
  CodeDeployAutoUpdate: 'CodeDeploy auto-update',
  CloudFormation: 'CloudFormation',
  CloudFormationRollback: 'CloudFormation rollback',
  autoUpdate: 'auto-update',
};

const instanceCounts = (d: DeploymentDetails): string | undefined => {
  const o = d.overview;
  if (!o) return undefined;
  const parts = [
    o.failed && `${o.failed} failed`,
    o.succeeded && `${o.succeeded} succeeded`,
    o.inProgress && `${o.inProgress} in progress`,
    o.pending && `${o.pending} pending`,
    o.skipped && `${o.skipped} skipped`,
    o.ready && `${o.ready} ready`,
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : undefined;
};

const duration = (d: DeploymentDetails, eventTime: string): string | undefined => {
  const start = d.createTime ?? d.startTime;
  if (!start) return undefined;
  const end = d.completeTime ?? new Date(eventTime);
  const ms = end.getTime() - start.getTime();
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return d.completeTime ? formatDuration(ms) : `${formatDuration(ms)} so far`;
};

const failedTargetLine = (t: FailedTarget): string => {
  const where = t.lifecycleEvent ? ` failed at *${escape(t.lifecycleEvent)}*` : ' failed';
  const code = t.errorCode ? `: \`${escape(t.errorCode)}\`` : '';
  const script = t.scriptName ? ` in \`${escape(trimEnd(t.scriptName, 200))}\`` : '';
  const message = t.message ? ` — ${escape(trimEnd(t.message, 300))}` : '';
  return `• \`${escape(trimEnd(t.targetId, 120))}\`${where}${code}${script}${message}`;
};

/** Why it failed: the error, then per failed target the lifecycle event, script and the log tail. */
const whyBlocks = (d: DeploymentDetails, maxTargets: number) => {
  const blocks = [];
  if (d.errorCode || d.errorMessage) {
    blocks.push(section(`*Why:* ${d.errorCode ? `\`${escape(d.errorCode)}\` ` : ''}${escape(d.errorMessage ?? '')}`));
  }
  const targets = d.failedTargets ?? [];
  if (targets.length > 0) {
    // Whole lines only, within the section's limit, so the count of the rest is never cut off.
    const lines: string[] = [];
    let used = 40;
    for (const target of targets.slice(0, maxTargets)) {
      const line = failedTargetLine(target);
      if (used + line.length + 1 > 2_800) break;
      lines.push(line);
      used += line.length + 1;
    }
    const shown = targets.slice(0, lines.length);
    const more = (d.failedTargetCount ?? targets.length) - shown.length;
    if (more > 0)
      lines.push(`_…and ${d.failedTargetCountIsLowerBound ? 'at least ' : ''}${more} more failed target(s)_`);
    blocks.push(section(`*Failed targets*\n${lines.join('\n')}`));
    const withLog = shown.find((t) => t.logTail?.trim());
    if (withLog?.logTail) {
      blocks.push(
        section(
          `*Log tail* of \`${escape(trimEnd(withLog.targetId, 120))}\`${withLog.scriptName ? ` (${escape(withLog.scriptName)})` : ''}`,
        ),
      );
      blocks.push(codeBlock(withLog.logTail.trim(), 2_500));
    }
  }
  return blocks;
};

export interface FormatOptions {
  /** Mentions prepended for this message's severity. */
  mentions?: string[];
  /** Why enrichment is missing, when it failed. */
  detailsUnavailable?: string;
  /** Failed targets listed by name. */
  maxTargets?: number;
  /** The account's name and how console links open. */
  view?: AccountView;
  /** Whether the why-it-failed section is part of the message (a conversation's parent keeps it for the thread). */
  why?: boolean;
  /** Links to Slack messages of a conversation: the parents of the rolled-back and the rollback deployment. */
  conversation?: { rollsBack?: string; rolledBackBy?: string };
}

/** The alert for a deployment state change, with why it failed when CodeDeploy says. */
export const formatDeploymentMessage = (
  change: DeploymentStateChange,
  details?: DeploymentDetails,
  options: FormatOptions = {},
): SlackMessage => {
  const { application, deploymentGroup, deploymentId, state } = change.detail;
  const region = change.region;
  const open = (url: string) => consoleLink(url, change.account, options.view);
  const { icon, words } = stateWords(state);
  const severity = deploymentSeverity(state, details);
  const isRollback = details?.creator === ROLLBACK_CREATOR;
  const title = `${icon} ${application}/${deploymentGroup}: ${isRollback ? `rollback ${words.replace('deployment ', '')}` : words}`;
  const mentions = options.mentions?.length ? `${options.mentions.join(' ')} ` : '';
  const reason = state === 'FAILURE' || state === 'STOP' ? (details?.errorCode ?? details?.errorMessage) : undefined;
  // The fallback text is read as mrkdwn too: only the mentions may stay unescaped.
  const text = `${mentions}${escape(title)} (${escape(deploymentId)})${reason ? `: ${escape(reason)}` : ''}`;

  const rollback: string[] = [];
  const inSlack = (permalink: string | undefined) => (permalink ? ` (${link(permalink, 'its conversation')})` : '');
  if (details?.rollsBack)
    rollback.push(
      `↩️ This rolls back ${link(open(deploymentUrl(region, details.rollsBack)), details.rollsBack)}${inSlack(options.conversation?.rollsBack)}${details.rollbackMessage ? `: ${escape(details.rollbackMessage)}` : ''}`,
    );
  if (details?.rolledBackBy)
    rollback.push(
      `↩️ Rolled back by ${link(open(deploymentUrl(region, details.rolledBackBy)), details.rolledBackBy)}${inSlack(options.conversation?.rolledBackBy)}`,
    );

  return fitMessage({
    text,
    severity,
    blocks: [
      header(title),
      mentions ? section(mentions.trim()) : undefined,
      fields([
        ['Deployment', link(open(deploymentUrl(region, deploymentId)), deploymentId)],
        ['Status', details?.status ?? state],
        ['Type', details && TYPE_WORDS(details)],
        ['Started by', details?.creator && (CREATOR_WORDS[details.creator] ?? escape(details.creator))],
        ['Duration', details && duration(details, change.time)],
        ['Instances', details && instanceCounts(details)],
        ['Revision', details?.revision && escape(trimEnd(details.revision, 300))],
        ['Description', details?.description && escape(trimEnd(details.description, 500))],
      ]),
      ...(details && options.why !== false && (state === 'FAILURE' || state === 'STOP')
        ? whyBlocks(details, options.maxTargets ?? 5)
        : []),
      rollback.length ? section(rollback.join('\n')) : undefined,
      options.detailsUnavailable
        ? context([`⚠️ Details unavailable: ${escape(trimEnd(options.detailsUnavailable, 300))}`])
        : undefined,
      context([
        `${escape(region)} · account ${escape(accountWords(change.account, options.view))} · ${escape(change.time)}`,
      ]),
      buttons([
        { text: 'Open deployment', url: open(deploymentUrl(region, deploymentId)) },
        { text: 'Deployment group', url: open(deploymentGroupUrl(region, application, deploymentGroup)) },
        ...(details?.rolledBackBy
          ? [{ text: `Rollback ${details.rolledBackBy}`, url: open(deploymentUrl(region, details.rolledBackBy)) }]
          : []),
        ...(details?.rollsBack
          ? [{ text: `Rolled-back ${details.rollsBack}`, url: open(deploymentUrl(region, details.rollsBack)) }]
          : []),
      ]),
    ],
  });
};

/**
 * Why a deployment failed or stopped, on its own: a conversation's thread reply under the parent.
 * Undefined when CodeDeploy gave no reason.
 */
export const formatWhyReply = (
  change: DeploymentStateChange,
  details: DeploymentDetails,
  options: Pick<FormatOptions, 'maxTargets'> = {},
): SlackMessage | undefined => {
  const blocks = whyBlocks(details, options.maxTargets ?? 5);
  if (blocks.length === 0) return undefined;
  const { application, deploymentGroup, deploymentId, state } = change.detail;
  const title = `🔎 Why ${application}/${deploymentGroup} ${state === 'STOP' ? 'stopped' : 'failed'}`;
  return fitMessage({
    text: `${escape(title)} (${escape(deploymentId)})${details.errorCode ? `: ${escape(details.errorCode)}` : ''}`,
    severity: deploymentSeverity(state, details),
    blocks: [
      header(title),
      ...blocks,
      buttons([{ text: 'Open deployment', url: deploymentUrl(change.region, deploymentId) }]),
    ],
  });
};

/** An instance state change, posted on its own only when settings ask for it. */
export const formatInstanceMessage = (change: InstanceStateChange, options: FormatOptions = {}): SlackMessage => {
  const { application, deploymentGroup, deploymentId, instanceId, state } = change.detail;
  const severity = stateSeverity(state);
  const open = (url: string) => consoleLink(url, change.account, options.view);
  const mentions = options.mentions?.length ? `${options.mentions.join(' ')} ` : '';
  const title = `🖥️ ${application}/${deploymentGroup}: instance ${instanceId} ${state}`;
  return fitMessage({
    text: `${mentions}${escape(title)} (${escape(deploymentId)})`,
    severity,
    blocks: [
      header(title),
      fields([
        ['Instance', link(open(instanceUrl(change.region, instanceId)), instanceId)],
        ['Deployment', link(open(deploymentUrl(change.region, deploymentId)), deploymentId)],
        ['State', escape(state)],
      ]),
      context([
        `${escape(change.region)} · account ${escape(accountWords(change.account, options.view))} · ${escape(change.time)}`,
      ]),
      buttons([{ text: 'Open deployment', url: open(deploymentUrl(change.region, deploymentId)) }]),
    ],
  });
};
