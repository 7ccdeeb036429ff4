import { type DeploymentDetails, ROLLBACK_CREATOR } from '../../lib/codedeploy/deployment.js';
import { classifyEvent } from '../../lib/events/classify.js';
import { type StateRecord, toStateRecord } from '../../lib/stream/record.js';

/**
 * A synthetic but realistic deployment history, the same for the same seed: deployments that start
 * and end (some fail, some stop, some are rolled back), instance events, alarms, and the occasional
 * duplicate delivery. Every record goes through toStateRecord from an EventBridge-shaped event, so
 * the history is what the stream would really hold. Used for throughput figures and by tests.
 */

/** How much history to generate, and from which seed. */
export interface GenerateOptions {
  /** Exactly this many records. */
  count: number;
  seed?: number;
  /** Time of the first event (default 2025-01-06T08:00:00Z). */
  start?: Date;
  /**
   * Successful deployments carry their lead time (`enrichment.revisionRegisteredAt` and `leadTimeMs`)
   * as the stream records it, except those whose revision CodeDeploy did not register. Drawn from a
   * generator of their own, so that the rest of the history is the same with or without them.
   */
  leadTime?: boolean;
}

/** mulberry32: a small, fast, seedable generator; good enough for test data, not for secrets. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

const GROUPS = [
  { application: 'checkout', deploymentGroup: 'checkout-prod' },
  { application: 'checkout', deploymentGroup: 'checkout-staging' },
  { application: 'payments', deploymentGroup: 'payments-prod' },
  { application: 'search', deploymentGroup: 'search-blue-green' },
] as const;

/** The lead-time fields the stream adds to a SUCCESS record. */
interface LeadTimeFields {
  revisionRegisteredAt: string;
  leadTimeMs: number;
}

/**
 * When the shipped revision was registered, if CodeDeploy registered it: mostly by the pipeline just
 * before it created the deployment, sometimes hours or days before (a revision promoted from another
 * group, a redeploy); for some deployments never (inline AppSpec, ECS), which leaves the fields out.
 */
const registrationOf = (random: () => number, createMs: number, endMs: number): LeadTimeFields | undefined => {
  const roll = random();
  if (roll < 0.15) return undefined;
  const before = roll < 0.75 ? 10_000 + random() * 110_000 : 3_600_000 + random() * 4 * 86_400_000;
  const registeredMs = createMs - Math.round(before / 1_000) * 1_000;
  return { revisionRegisteredAt: new Date(registeredMs).toISOString(), leadTimeMs: endMs - registeredMs };
};

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const MINUTE = 60_000;

/**
 * Generates `count` state records one by one, deterministic for a seed (pure): only the records of
 * the deployment being generated are held, so a history of any length can be written out.
 */
export function* generateRecordStream(options: GenerateOptions): Generator<StateRecord, void, undefined> {
  const random = seededRandom(options.seed ?? 1);
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const eventId = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  // The records of the current deployment (and its rollback), handed out before the next one.
  const records: StateRecord[] = [];
  const leadRandom = options.leadTime ? seededRandom((options.seed ?? 1) + 0x1ead) : undefined;
  let deployments = 0;
  let generated = 0;
  let clock = (options.start ?? new Date('2025-01-06T08:00:00Z')).getTime();

  const push = (raw: unknown, details?: DeploymentDetails, leadTime?: LeadTimeFields) => {
    const built = toStateRecord(classifyEvent(raw), details);
    const record = leadTime ? { ...built, enrichment: { ...built.enrichment, ...leadTime } } : built;
    records.push(record);
    // At-least-once delivery: now and then the same event arrives twice.
    if (random() < 0.02) records.push(record);
  };
  const codedeploy = (kind: 'Deployment' | 'Instance', ms: number, detail: Record<string, string>) => ({
    version: '0',
    id: eventId(),
    'detail-type': `CodeDeploy ${kind} State-change Notification`,
    source: 'aws.codedeploy',
    account: ACCOUNT,
    time: new Date(ms).toISOString().replace('.000Z', 'Z'),
    region: REGION,
    resources: [
      `arn:aws:codedeploy:${REGION}:${ACCOUNT}:deploymentgroup:${detail.application}/${detail.deploymentGroup}`,
    ],
    detail: { region: REGION, ...detail },
  });
  const alarm = (ms: number, name: string, value: string, previous: string) => ({
    version: '0',
    id: eventId(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: new Date(ms).toISOString().replace('.000Z', 'Z'),
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`],
    detail: {
      alarmName: name,
      state: {
        value,
        reason: `Threshold Crossed: 1 datapoint was ${value === 'ALARM' ? 'greater' : 'not greater'} than the threshold (5.0).`,
        timestamp: new Date(ms).toISOString().replace('Z', '+0000'),
      },
      previousState: {
        value: previous,
        reason: '',
        timestamp: new Date(ms - MINUTE).toISOString().replace('Z', '+0000'),
      },
      configuration: { metrics: [] },
    },
  });

  const deploy = (
    group: (typeof GROUPS)[number],
    startMs: number,
    outcome: 'SUCCESS' | 'FAILURE' | 'STOP',
    rollsBack?: string,
  ) => {
    deployments += 1;
    const deploymentId = `d-${deployments.toString(36).toUpperCase().padStart(9, '0')}`;
    const detail = { ...group, deploymentId, instanceGroupId: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}` };
    const creator = rollsBack ? ROLLBACK_CREATOR : 'user';
    const createTime = new Date(startMs - between(1, 20) * 1_000);
    const endMs = startMs + between(2, 30) * MINUTE + between(0, 59) * 1_000;
    const base: DeploymentDetails = {
      deploymentId,
      application: group.application,
      deploymentGroup: group.deploymentGroup,
      creator,
      deploymentType: 'IN_PLACE',
      computePlatform: 'Server',
      createTime,
      rollsBack,
    };
    push(codedeploy('Deployment', startMs, { ...detail, state: 'START' }), { ...base, status: 'InProgress' });
    const instances = between(0, 3);
    for (let i = 0; i < instances; i += 1) {
      const instanceId = `i-${hex(17)}`;
      const at = startMs + Math.floor(((endMs - startMs) * (i + 1)) / (instances + 2));
      push(codedeploy('Instance', at, { ...detail, instanceId, state: 'START' }));
      push(
        codedeploy('Instance', at + MINUTE, {
          ...detail,
          instanceId,
          state: outcome === 'FAILURE' && i === 0 ? 'FAILURE' : 'SUCCESS',
        }),
      );
    }
    const status = { SUCCESS: 'Succeeded', FAILURE: 'Failed', STOP: 'Stopped' }[outcome];
    const errorCode = { SUCCESS: undefined, FAILURE: 'HEALTH_CONSTRAINTS', STOP: 'MANUAL_STOP' }[outcome];
    push(
      codedeploy('Deployment', endMs, { ...detail, state: outcome }),
      { ...base, status, errorCode, completeTime: new Date(endMs) },
      outcome === 'SUCCESS' && leadRandom ? registrationOf(leadRandom, createTime.getTime(), endMs) : undefined,
    );
    return { deploymentId, endMs };
  };

  while (generated < options.count) {
    const group = GROUPS[between(0, GROUPS.length - 1)]!;
    clock += between(5, 180) * MINUTE;
    const roll = random();
    const outcome = roll < 0.12 ? 'FAILURE' : roll < 0.16 ? 'STOP' : 'SUCCESS';
    const { deploymentId, endMs } = deploy(group, clock, outcome);
    clock = endMs;
    if (outcome === 'FAILURE') {
      const alarmName = `${group.deploymentGroup}-5xx`;
      push(alarm(endMs - MINUTE, alarmName, 'ALARM', 'OK'));
      if (random() < 0.6) {
        const rollback = deploy(group, endMs + 30_000, random() < 0.9 ? 'SUCCESS' : 'FAILURE', deploymentId);
        clock = rollback.endMs;
      }
      push(alarm(clock + 2 * MINUTE, alarmName, 'OK', 'ALARM'));
    }
    for (const record of records.splice(0, options.count - generated)) {
      generated += 1;
      yield record;
    }
    records.length = 0;
  }
}

/** Generates `count` state records at once, deterministic for a seed (pure). */
export const generateRecords = (options: GenerateOptions): StateRecord[] => [...generateRecordStream(options)];
