import type { AlarmFacts, MetricRef } from './alarm-facts.js';
import type { AlarmImpact } from './alarm-impact.js';
import type { AlarmStateValue } from '../events/alarm.js';
import {
  type Severity,
  type SlackMessage,
  buttons,
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
import { type AccountView, accountWords, alarmUrl, consoleLink, deploymentGroupUrl, deploymentUrl } from './links.js';

const ICON: Record<AlarmStateValue, string> = { ALARM: '🔴', OK: '🟢', INSUFFICIENT_DATA: '⚪' };

/** An alarm tagged `severity` says how bad it is; otherwise the state does. */
export const alarmSeverity = (facts: Pick<AlarmFacts, 'transition' | 'tags'>): Severity => {
  const tagged = facts.tags.severity?.toLowerCase();
  if (facts.transition.to === 'OK') return 'success';
  if (tagged === 'critical' || tagged === 'warning' || tagged === 'info') return tagged;
  return facts.transition.to === 'ALARM' ? 'critical' : 'warning';
};

const COMPARISON_WORDS: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '≥',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
  LessThanLowerThreshold: 'below the band',
  GreaterThanUpperThreshold: 'above the band',
};

const escapeOptional = (text: string | undefined) => (text === undefined ? undefined : escape(text));

const number = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(Math.abs(n) < 1 ? 4 : 2));

const metricLine = (m: MetricRef) => {
  const dims = Object.entries(m.dimensions)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const stat = [m.stat, m.period ? `${m.period} s` : undefined].filter(Boolean).join(' over ');
  return `\`${escape(m.namespace ?? '?')}\` ${escape(m.name ?? m.id)}${dims ? ` (${escape(dims)})` : ''}${stat ? ` — ${escape(stat)}` : ''}`;
};

/** What the alarm watches, in one short paragraph per kind. */
const watchedText = (facts: AlarmFacts): string | undefined => {
  const w = facts.watched;
  switch (w.kind) {
    case 'metric':
      return w.metric ? metricLine(w.metric) : undefined;
    case 'metric-math':
    case 'anomaly-detection': {
      const all = w.kind === 'anomaly-detection' && w.band ? [w.band, ...w.expressions] : w.expressions;
      const expressions = all.filter((e, i) => all.findIndex((o) => o.id === e.id) === i);
      const lines = [
        ...expressions
          .filter((e) => e.returnData || w.kind === 'anomaly-detection')
          .map((e) => `\`${escape(e.id)} = ${escape(trimEnd(e.expression, 300))}\``),
        ...w.metrics.map((m) => `${escape(m.id)}: ${metricLine(m)}`),
      ];
      return lines.length ? lines.join('\n') : undefined;
    }
    case 'composite': {
      const lines = [w.alarmRule ? `Rule: \`${escape(trimEnd(w.alarmRule, 800))}\`` : undefined];
      if (w.triggeringAlarms.length) {
        lines.push(
          `Triggered by: ${w.triggeringAlarms.map((t) => `${link(alarmUrl(facts.region, t.name), t.name)}${t.state ? ` (${escape(t.state)})` : ''}`).join(', ')}`,
        );
      }
      return lines.filter(Boolean).join('\n') || undefined;
    }
  }
};

const thresholdText = (facts: AlarmFacts): string | undefined => {
  if (facts.threshold === undefined && !facts.band) return undefined;
  const comparison = facts.comparison ? (COMPARISON_WORDS[facts.comparison] ?? facts.comparison) : undefined;
  if (facts.threshold !== undefined) return `${comparison ?? ''} ${number(facts.threshold)}`.trim();
  return comparison ?? 'anomaly band';
};

const datapointsText = (facts: AlarmFacts): string | undefined => {
  const values = facts.datapoints?.values;
  if (!values?.length) return undefined;
  const shown = values.slice(-10).map((v, i) => {
    const band = facts.band;
    const offset = values.length - Math.min(values.length, 10) + i;
    const lower = band?.lower[offset];
    const upper = band?.upper[offset];
    return lower !== undefined && upper !== undefined ? `${number(v)} [${number(lower)}–${number(upper)}]` : number(v);
  });
  const stat = facts.datapoints?.statistic
    ? ` (${facts.datapoints.statistic}${facts.datapoints.period ? `, ${facts.datapoints.period} s` : ''})`
    : '';
  return `${shown.join(', ')}${escape(stat)}`;
};

const impactLines = (facts: AlarmFacts, impact: readonly AlarmImpact[], open: (url: string) => string): string[] =>
  impact.map((i) => {
    const verb = i.effect === 'stop-and-roll-back' ? 'stop and roll back' : 'stop';
    const group = link(
      open(deploymentGroupUrl(facts.region, i.application, i.deploymentGroup)),
      `${i.application}/${i.deploymentGroup}`,
    );
    if (i.inProgressDeployments.length === 0) return `• ${group}: would ${verb} a deployment (none in progress)`;
    const ids = i.inProgressDeployments.map((d) => link(open(deploymentUrl(facts.region, d)), d)).join(', ');
    return facts.transition.to === 'ALARM'
      ? `• *This alarm will ${verb} ${ids}* in ${group}`
      : `• ${group}: ${ids} in progress; would ${verb} if the alarm fires`;
  });

export interface AlarmFormatOptions {
  mentions?: string[];
  /** Deployment groups that list this alarm; undefined when the lookup failed. */
  impact?: readonly AlarmImpact[];
  impactUnavailable?: string;
  /** The account's name and how console links open. */
  view?: AccountView;
}

/** The alert for an alarm state change: what changed, why, what it watches and what is at stake. */
export const formatAlarmMessage = (facts: AlarmFacts, options: AlarmFormatOptions = {}): SlackMessage => {
  const { from, to } = facts.transition;
  const severity = alarmSeverity(facts);
  const open = (url: string) => consoleLink(url, facts.account, options.view);
  const title = `${ICON[to]} ${facts.name}: ${from ? `${from} → ` : ''}${to}`;
  const mentions = options.mentions?.length ? `${options.mentions.join(' ')} ` : '';
  const lasted = facts.lastedMs !== undefined ? formatDuration(facts.lastedMs) : undefined;
  const impact = options.impact ?? [];
  const atStake =
    impact.some((i) => i.inProgressDeployments.length > 0) && to === 'ALARM'
      ? ' — deployments in progress will be stopped'
      : '';
  return fitMessage({
    text: `${mentions}${escape(title)}${lasted && to === 'OK' ? ` after ${lasted}` : ''}${atStake}`,
    severity,
    blocks: [
      header(title),
      mentions ? section(mentions.trim()) : undefined,
      section(`*Why:* ${escape(trimEnd(facts.reason || '(CloudWatch gave no reason)', 1_500))}`),
      fields([
        ['Watches', watchedText(facts)],
        // `>` at the start of a line would quote it, `<` would open a link: Slack's control characters.
        ['Threshold', escapeOptional(thresholdText(facts))],
        ['Recent datapoints (oldest first)', datapointsText(facts)],
        ['Lasted', to === 'OK' ? lasted : undefined],
        ['Kind', facts.kind.replace(/-/g, ' ')],
        ['Description', facts.description && escape(trimEnd(facts.description, 500))],
      ]),
      impact.length
        ? section(`*Deployment groups that watch this alarm*\n${impactLines(facts, impact, open).join('\n')}`)
        : undefined,
      facts.actionsSuppressed
        ? context([
            `Actions suppressed by ${escape(facts.actionsSuppressed.by)}${facts.actionsSuppressed.reason ? `: ${escape(facts.actionsSuppressed.reason)}` : ''}`,
          ])
        : undefined,
      facts.reasonDataStatus === 'malformed'
        ? context([
            `⚠️ CloudWatch's reason data could not be read${facts.reasonDataProblem ? ` (${escape(trimEnd(facts.reasonDataProblem, 200))})` : ''}; showing the plain reason`,
          ])
        : undefined,
      options.impactUnavailable
        ? context([`⚠️ Deployment groups unavailable: ${escape(trimEnd(options.impactUnavailable, 300))}`])
        : undefined,
      context([
        `${escape(facts.region)} · account ${escape(accountWords(facts.account, options.view))}${facts.changedAt ? ` · ${facts.changedAt.toISOString()}` : ''}`,
      ]),
      buttons([{ text: 'Open alarm', url: open(alarmUrl(facts.region, facts.name)) }]),
    ],
  });
};
