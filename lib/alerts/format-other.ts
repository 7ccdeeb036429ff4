import type { CleanupEvent } from '../events/sentinel.js';
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
import { formatDuration } from './format-deployment.js';
import { type AccountView, accountWords, autoScalingGroupUrl, consoleLink, deploymentUrl } from './links.js';

const CLEANUP: Record<CleanupEvent['detail']['action'], { icon: string; words: string; severity: Severity }> = {
  deleted: { icon: '🧹', words: 'deleted orphaned Auto Scaling group', severity: 'success' },
  'would-delete': { icon: '🧹', words: 'would delete orphaned Auto Scaling group (report mode)', severity: 'warning' },
  kept: { icon: '🛡️', words: 'kept Auto Scaling group', severity: 'info' },
  'delete-failed': { icon: '🚨', words: 'could not delete orphaned Auto Scaling group', severity: 'critical' },
  'green-instances-running': { icon: '💸', words: 'green instances left running', severity: 'warning' },
  'sweep-incomplete': { icon: '⏱️', words: 'cleanup sweep stopped before the end', severity: 'warning' },
};

const INSTANCES_LABEL: Record<CleanupEvent['detail']['action'], string> = {
  deleted: 'Instances terminated with it',
  'would-delete': 'Instances it would terminate',
  kept: 'Instances',
  'delete-failed': 'Instances still running',
  'green-instances-running': 'Instances still running',
  'sweep-incomplete': 'Instances',
};

export const cleanupSeverity = (action: CleanupEvent['detail']['action']): Severity => CLEANUP[action].severity;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What the cleanup deleted, kept or found, from its own event. */
export const formatCleanupMessage = (
  event: CleanupEvent,
  mentions: string[] = [],
  view?: AccountView,
): SlackMessage => {
  const open = (url: string) => consoleLink(url, event.account, view);
  const d = event.detail;
  const { icon, words, severity } = CLEANUP[d.action];
  const subject =
    d.autoScalingGroupName ??
    (d.application && d.deploymentGroup ? `${d.application}/${d.deploymentGroup}` : undefined);
  const title = `${icon} ${words}${subject ? `: ${subject}` : ''}`;
  const types = d.instanceTypes?.length ? ` (${[...new Set(d.instanceTypes)].join(', ')})` : '';
  const prefix = mentions.length ? `${mentions.join(' ')} ` : '';
  const region = event.region;
  return fitMessage({
    text: `${prefix}${escape(title)}${d.reasonText ? ` — ${escape(d.reasonText)}` : ''}`,
    severity,
    blocks: [
      header(title),
      prefix ? section(prefix.trim()) : undefined,
      d.reasonText || d.reason
        ? section(`*Why:* ${escape(d.reasonText ?? d.reason)}${d.reasonText ? ` (\`${escape(d.reason)}\`)` : ''}`)
        : undefined,
      fields([
        [
          'Auto Scaling group',
          d.autoScalingGroupName &&
            link(open(autoScalingGroupUrl(region, d.autoScalingGroupName)), trimEnd(d.autoScalingGroupName, 250)),
        ],
        [
          'Deployment',
          d.deploymentId &&
            `${link(open(deploymentUrl(region, d.deploymentId)), d.deploymentId)}${d.deploymentStatus ? ` (${escape(d.deploymentStatus)})` : ''}`,
        ],
        [
          'Deployment group',
          d.application && d.deploymentGroup ? escape(`${d.application}/${d.deploymentGroup}`) : undefined,
        ],
        [
          'Instances',
          d.instanceCount !== undefined ? `${plural(d.instanceCount, 'instance')}${escape(types)}` : undefined,
        ],
        ['Ran for', d.runningMs !== undefined ? formatDuration(d.runningMs) : undefined],
        ['Mode', d.mode === 'report' ? 'report only (nothing deleted)' : undefined],
        [
          'Sweep',
          d.examined !== undefined
            ? `${d.examined} examined${d.remaining ? `, ${d.remaining} left for the next run` : ''}`
            : undefined,
        ],
      ]),
      d.instanceIds?.length
        ? section(
            `*${INSTANCES_LABEL[d.action]}*\n${d.instanceIds
              .slice(0, 20)
              .map((i) => `\`${escape(i)}\``)
              .join(' ')}${d.instanceIds.length > 20 ? ` …and ${d.instanceIds.length - 20} more` : ''}`,
          )
        : undefined,
      d.error ? codeBlock(d.error, 1_500) : undefined,
      context([
        `${escape(region)} · account ${escape(accountWords(event.account, view))} · ${escape(event.time)} · ${d.trigger === 'sweep' ? 'scheduled sweep' : 'deployment event'}`,
      ]),
      buttons([
        { text: 'Open deployment', url: d.deploymentId ? open(deploymentUrl(region, d.deploymentId)) : undefined },
        {
          text: 'Auto Scaling group',
          url:
            d.autoScalingGroupName && d.action !== 'deleted'
              ? open(autoScalingGroupUrl(region, d.autoScalingGroupName))
              : undefined,
        },
      ]),
    ],
  });
};

/** What is said when an event cannot be understood: what arrived, and why it was not understood. */
export const formatFallbackMessage = (reason: string, raw: unknown, mentions: string[] = []): SlackMessage => {
  let shown: string;
  try {
    shown = JSON.stringify(raw, null, 2) ?? String(raw);
  } catch {
    shown = String(raw);
  }
  const prefix = mentions.length ? `${mentions.join(' ')} ` : '';
  const source = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).source : undefined;
  return fitMessage({
    text: `${prefix}⚠️ deploy-sentinel received an event it could not read${typeof source === 'string' ? ` (${escape(trimEnd(source, 100))})` : ''}: ${escape(trimEnd(reason, 300))}`,
    severity: 'warning',
    blocks: [
      header('⚠️ deploy-sentinel received an event it could not read'),
      section(`*Why:* ${escape(trimEnd(reason, 1_000))}`),
      section('*What arrived* (trimmed):'),
      codeBlock(trimEnd(shown, 2_500), 2_600),
      context(['The event is shown as received so nothing is lost; check the function log for the same reason.']),
    ],
  });
};
