import type { AlarmStateChange } from '../events/alarm.js';
import type { DeploymentStateChange, InstanceStateChange } from '../events/codedeploy.js';
import type { CleanupEvent } from '../events/sentinel.js';
import type { CommonSettings } from '../settings/schema.js';

/** Why an event is not posted; undefined means it is. Every skip is logged with its reason. */
export type SkipReason = string | undefined;

export const skipDeployment = (change: DeploymentStateChange, settings: CommonSettings): SkipReason => {
  const { state, application, deploymentGroup } = change.detail;
  // Without a list every state posts, including one CodeDeploy adds later.
  const { states } = settings.deployments;
  if (states && !states.includes(state)) return `state ${state} is not in deployments.states`;
  const quiet = settings.deployments.quiet.find(
    (q) =>
      q.application === application &&
      (!q.deploymentGroup || q.deploymentGroup === deploymentGroup) &&
      q.states.includes(state),
  );
  return quiet ? `${application}/${deploymentGroup} is quiet for ${state}` : undefined;
};

export const skipInstance = (change: InstanceStateChange, settings: CommonSettings): SkipReason =>
  settings.deployments.instanceStates.includes(change.detail.state)
    ? undefined
    : `instance state ${change.detail.state} is not in deployments.instanceStates (instances are summarised in their deployment's alert)`;

export const skipAlarm = (change: AlarmStateChange, settings: CommonSettings): SkipReason => {
  const { alarmName, state, previousState } = change.detail;
  const prefix = settings.alarms.ignorePrefixes.find((p) => alarmName.startsWith(p));
  if (prefix) return `alarm name starts with ignored prefix ${prefix}`;
  if (!settings.alarms.states.includes(state.value)) return `state ${state.value} is not in alarms.states`;
  if (state.value === 'OK' && settings.alarms.okOnlyAfterAlarm && previousState?.value !== 'ALARM') {
    return `OK after ${previousState?.value ?? 'nothing'} (only OK after ALARM posts)`;
  }
  return undefined;
};

export const skipCleanup = (event: CleanupEvent, settings: CommonSettings): SkipReason =>
  event.detail.action === 'kept' && !settings.cleanup.postKept
    ? 'kept groups are not posted (cleanup.postKept is false)'
    : undefined;
