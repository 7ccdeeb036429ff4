import { type AlarmImpact, AlarmImpactLookupError } from './alarm-impact.js';
import { MemberAccessError } from '../aws/accounts.js';
import { errorText } from '../aws/errors.js';
import { accountViewOf } from './links.js';
import { toAlarmFacts } from './alarm-facts.js';
import { classifyEvent } from '../events/classify.js';
import { skipAlarm } from './filter.js';
import { alarmSeverity, formatAlarmMessage } from './format-alarm.js';
import { formatFallbackMessage } from './format-other.js';
import { type DeliveryDeps, type NotifyOutcome, deliver } from './deliver.js';
import { joinAlarmThreads } from './converse.js';

export interface AlarmNotifierDeps extends DeliveryDeps {
  impactOf(alarmName: string): Promise<AlarmImpact[]>;
}

/**
 * CloudWatch alarm state changes to Slack, with the deployment groups the alarm can stop. The
 * impact lookup is best effort; delivery is not.
 */
export const notifyAlarmEvent = async (raw: unknown, deps: AlarmNotifierDeps): Promise<NotifyOutcome> => {
  const classified = classifyEvent(raw);
  if (classified.kind !== 'alarm') {
    const reason =
      classified.kind === 'unknown' ? classified.reason : `a ${classified.kind} event reached the alarm notifier`;
    deps.log.error('event not understood; posting a fallback alert', { reason });
    return deliver(
      { kind: 'unknown', severity: 'warning' },
      (mentions) => formatFallbackMessage(reason, raw, mentions),
      deps,
      raw,
    );
  }
  const change = classified.event;
  const skip = skipAlarm(change, deps.settings);
  if (skip) {
    deps.log.info('alert skipped', {
      reason: skip,
      alarmName: change.detail.alarmName,
      state: change.detail.state.value,
    });
    return { posted: false, skipped: skip };
  }
  const facts = toAlarmFacts(change);
  if (facts.reasonDataStatus === 'malformed') {
    deps.log.warn('alarm reasonData unreadable; using the plain reason', {
      alarmName: facts.name,
      problem: facts.reasonDataProblem,
    });
  }
  let impact: AlarmImpact[] | undefined;
  let impactUnavailable: string | undefined;
  try {
    impact = await deps.impactOf(facts.name);
  } catch (error) {
    // The lookup's own error already says which step failed, in words for the alert.
    // A member whose role cannot be assumed: say which role, where and why, whichever step met it.
    const cause = error instanceof Error ? error.cause : undefined;
    impactUnavailable =
      error instanceof MemberAccessError
        ? error.message
        : cause instanceof MemberAccessError
          ? cause.message
          : error instanceof AlarmImpactLookupError
            ? error.message
            : errorText(error);
    deps.log.warn('deployment groups unavailable; alerting without them', { alarmName: facts.name, error });
  }
  const severity = alarmSeverity(facts);
  const view = accountViewOf(deps.settings, change.account);
  const outcome = await deliver(
    {
      kind: 'alarm',
      severity,
      alarmName: facts.name,
      alarmTags: facts.tags,
      account: change.account,
      accountName: view.name,
      // An alarm that guards exactly one deployment group routes like that group's deployments.
      ...(impact?.length === 1
        ? { application: impact[0]!.application, deploymentGroup: impact[0]!.deploymentGroup }
        : {}),
    },
    (mentions) => formatAlarmMessage(facts, { mentions, impact, impactUnavailable, view }),
    deps,
    raw,
  );
  // App mode: a reply in the thread of every deployment the alarm stops or rolls back.
  await joinAlarmThreads(raw, facts, impact, outcome.posted ? outcome.where : undefined, deps);
  return outcome;
};
