import type * as z from 'zod/mini';
import { issueLines } from './issues.js';
import { type AlarmStateChange, alarmStateChangeSchema } from './alarm.js';
import {
  type DeploymentStateChange,
  deploymentStateChangeSchema,
  type InstanceStateChange,
  instanceStateChangeSchema,
} from './codedeploy.js';
import { type CleanupEvent, cleanupEventSchema } from './sentinel.js';

export type ClassifiedEvent =
  | { kind: 'deployment'; event: DeploymentStateChange }
  | { kind: 'instance'; event: InstanceStateChange }
  | { kind: 'alarm'; event: AlarmStateChange }
  | { kind: 'cleanup'; event: CleanupEvent }
  | { kind: 'unknown'; reason: string; raw: unknown };

const KNOWN: ReadonlyArray<[string, string, z.ZodMiniType, ClassifiedEvent['kind']]> = [
  ['aws.codedeploy', 'CodeDeploy Deployment State-change Notification', deploymentStateChangeSchema, 'deployment'],
  ['aws.codedeploy', 'CodeDeploy Instance State-change Notification', instanceStateChangeSchema, 'instance'],
  ['aws.cloudwatch', 'CloudWatch Alarm State Change', alarmStateChangeSchema, 'alarm'],
  ['deploy-sentinel', 'Deploy Sentinel Cleanup', cleanupEventSchema, 'cleanup'],
];

/**
 * Names what an incoming event is, or says precisely why it is not something we know. Never
 * throws: an unrecognised event is data the callers must still report (fallback alert, `unknown`
 * record), not a crash.
 */
export const classifyEvent = (raw: unknown): ClassifiedEvent => {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      kind: 'unknown',
      reason: `expected an EventBridge event object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`,
      raw,
    };
  }
  const { source, 'detail-type': detailType } = raw as Record<string, unknown>;
  const known = KNOWN.find(([s, d]) => s === source && d === detailType);
  if (!known) {
    return {
      kind: 'unknown',
      reason: `unrecognised source/detail-type: ${String(source)} / ${String(detailType)}`,
      raw,
    };
  }
  const parsed = known[2].safeParse(raw);
  if (!parsed.success) {
    return {
      kind: 'unknown',
      reason: `${String(detailType)} with an unexpected shape: ${issueLines(parsed.error, 5).join('; ')}`,
      raw,
    };
  }
  if (known[3] === 'cleanup') {
    // The envelope of the cleanup's own events names the hub, which published them; the detail names
    // the member account and region the group is in.
    const event = parsed.data as CleanupEvent;
    return {
      kind: 'cleanup',
      event: { ...event, account: event.detail.account ?? event.account, region: event.detail.region ?? event.region },
    };
  }
  return { kind: known[3], event: parsed.data } as ClassifiedEvent;
};
