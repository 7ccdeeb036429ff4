import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeploymentDetails } from '../../lib/codedeploy/deployment.js';
import { classifyEvent } from '../../lib/events/classify.js';
import {
  partitionKeyOf,
  STATE_RECORD_SCHEMA_VERSION,
  type StateRecord,
  toStateRecord,
} from '../../lib/stream/record.js';
import { listEvents, loadEvent } from '../support/fixtures.js';
import { loneSurrogatesIn } from '../support/unicode.js';
import { schemaErrors } from './schema.js';

const FIXTURES = ['codedeploy', 'cloudwatch', 'deploy-sentinel', 'invalid'].flatMap(listEvents);

const recordOf = (file: string, details?: DeploymentDetails) => toStateRecord(classifyEvent(loadEvent(file)), details);

const detailsFor = (deploymentId: string, more: Partial<DeploymentDetails> = {}): DeploymentDetails => ({
  deploymentId,
  status: 'Failed',
  deploymentType: 'BLUE_GREEN',
  computePlatform: 'Server',
  errorCode: 'HEALTH_CONSTRAINTS',
  errorMessage: 'The overall deployment failed because too many individual instances failed deployment.',
  creator: 'user',
  createTime: new Date('2026-11-20T15:01:00Z'),
  completeTime: new Date('2026-11-20T15:12:30Z'),
  ...more,
});

describe('toStateRecord over every sample event', () => {
  it.each(FIXTURES)('%s maps to a record the schema accepts', (file) => {
    const record = recordOf(file);
    expect(schemaErrors(record)).toEqual([]);
    expect(record.schemaVersion).toBe(STATE_RECORD_SCHEMA_VERSION);
    expect(Array.from(partitionKeyOf(record)).length).toBeLessThanOrEqual(256);
  });

  it.each(FIXTURES.filter((f) => f.startsWith('invalid/')))(
    '%s is streamed as unknown with the event as received',
    (file) => {
      const record = recordOf(file);
      expect(record.kind).toBe('unknown');
      expect(record.reason).toEqual(expect.any(String));
      expect(JSON.parse(record.raw!)).toEqual(loadEvent(file));
    },
  );

  it.each(listEvents('codedeploy').filter((f) => f.includes('deployment.')))(
    '%s with enrichment still matches the schema',
    (file) => {
      const event = loadEvent(file);
      const record = recordOf(file, detailsFor(event.detail.deploymentId));
      expect(record.enrichment).toBeDefined();
      expect(schemaErrors(record)).toEqual([]);
    },
  );
});

describe('deployment and instance records', () => {
  it('carry the event facts and nothing the event did not say', () => {
    const event = loadEvent('codedeploy/deployment.start.json');
    const record = recordOf('codedeploy/deployment.start.json');
    expect(record).toEqual({
      schemaVersion: 1,
      eventId: event.id,
      eventTime: new Date(event.time).toISOString(),
      account: event.account,
      region: event.region,
      source: 'aws.codedeploy',
      detailType: 'CodeDeploy Deployment State-change Notification',
      kind: 'deployment',
      application: event.detail.application,
      deploymentGroup: event.detail.deploymentGroup,
      deploymentId: event.detail.deploymentId,
      state: 'START',
    } satisfies StateRecord);
    expect(partitionKeyOf(record)).toBe(event.detail.deploymentId);
  });

  it('add what GetDeployment answered, with the duration from create to complete', () => {
    const record = recordOf(
      'codedeploy/deployment.rollback-success.json',
      detailsFor('d-R0LLBK001', {
        status: 'Succeeded',
        errorCode: undefined,
        errorMessage: undefined,
        creator: 'codeDeployRollback',
        rollsBack: 'd-F41LED001',
      }),
    );
    expect(record.enrichment).toEqual({
      status: 'Succeeded',
      deploymentType: 'BLUE_GREEN',
      computePlatform: 'Server',
      creator: 'codeDeployRollback',
      rollsBack: 'd-F41LED001',
      createTime: '2026-11-20T15:01:00.000Z',
      completeTime: '2026-11-20T15:12:30.000Z',
      durationMs: 690_000,
    });
  });

  it('leave the duration out while the deployment has not completed', () => {
    const record = recordOf(
      'codedeploy/deployment.start.json',
      detailsFor(loadEvent('codedeploy/deployment.start.json').detail.deploymentId, {
        completeTime: undefined,
        status: 'InProgress',
      }),
    );
    expect(record.enrichment).not.toHaveProperty('durationMs');
    expect(record.enrichment).not.toHaveProperty('completeTime');
  });

  it('ignore enrichment that describes another deployment', () => {
    const record = recordOf('codedeploy/deployment.failure.json', detailsFor('d-SOMEOTHER1'));
    expect(record).not.toHaveProperty('enrichment');
  });

  it("name the instance of an instance event and keep it on its deployment's shard", () => {
    const event = loadEvent('codedeploy/instance.failure.json');
    const record = recordOf('codedeploy/instance.failure.json');
    expect(record).toMatchObject({ kind: 'instance', instanceId: event.detail.instanceId, state: 'FAILURE' });
    expect(partitionKeyOf(record)).toBe(event.detail.deploymentId);
  });

  it('stamp recordedAt only when told the time', () => {
    const event = classifyEvent(loadEvent('codedeploy/deployment.success.json'));
    expect(toStateRecord(event)).not.toHaveProperty('recordedAt');
    expect(toStateRecord(event, undefined, { recordedAt: new Date('2026-11-20T15:13:00Z') }).recordedAt).toBe(
      '2026-11-20T15:13:00.000Z',
    );
  });
});

describe('alarm records', () => {
  it('carry the alarm, its new and previous state and reason, keyed by alarm name', () => {
    const event = loadEvent('cloudwatch/alarm.composite.json');
    const record = recordOf('cloudwatch/alarm.composite.json');
    expect(record).toMatchObject({
      kind: 'alarm',
      alarmName: 'checkout-health',
      state: 'ALARM',
      previousState: 'OK',
      reason: event.detail.state.reason,
    });
    expect(record).not.toHaveProperty('deploymentId');
    expect(partitionKeyOf(record)).toBe('checkout-health');
  });

  it('keep a partition key within 256 UTF-16 code units, as Kinesis counts them, for any alarm name', () => {
    const event = loadEvent('cloudwatch/alarm.threshold-alarm.json');
    event.detail.alarmName = `${'é'.repeat(200)}/${'😀'.repeat(120)}`;
    const key = partitionKeyOf(toStateRecord(classifyEvent(event)));
    // 201 units, then 27 whole emoji of two units each: the 28th would end past 256.
    expect(key).toBe(`${'é'.repeat(200)}/${'😀'.repeat(27)}`);
    expect(key).toHaveLength(255);
    expect(loneSurrogatesIn(key)).toEqual([]);
  });

  it('keep the partition key of a name of non-BMP characters within 256 units, the same for every record', () => {
    const named = (id: string) => {
      const event = loadEvent('cloudwatch/alarm.threshold-alarm.json');
      Object.assign(event, { id });
      event.detail.alarmName = `${'𝔞'.repeat(200)}-${'x'.repeat(22)}`;
      return partitionKeyOf(toStateRecord(classifyEvent(event)));
    };
    const key = named('evt-1');
    expect(Array.from(key).length).toBeLessThanOrEqual(256);
    expect(key.length).toBeLessThanOrEqual(256);
    expect(key).toBe('𝔞'.repeat(128));
    expect(named('evt-2')).toBe(key);
  });

  it('keep any key within 256 units and whole characters, cutting only keys that are too long', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 400 }), (name) => {
        const event = loadEvent('cloudwatch/alarm.threshold-alarm.json');
        event.detail.alarmName = name;
        const key = partitionKeyOf(toStateRecord(classifyEvent(event)));
        expect(key.length).toBeGreaterThan(0);
        expect(key.length).toBeLessThanOrEqual(256);
        expect(loneSurrogatesIn(key)).toEqual([]);
        expect(name.startsWith(key)).toBe(true);
        if (name.length <= 256) expect(key).toBe(name);
        else expect(key.length).toBeGreaterThanOrEqual(255);
      }),
    );
  });
});

describe('cleanup records', () => {
  it('carry the action as state and what the cleanup reported, keyed by deployment', () => {
    const event = loadEvent('deploy-sentinel/cleanup.kept.json');
    const record = recordOf('deploy-sentinel/cleanup.kept.json');
    expect(record).toMatchObject({
      kind: 'cleanup',
      state: 'kept',
      deploymentId: 'd-SUCC3SS01',
      cleanup: {
        trigger: 'sweep',
        mode: 'delete',
        reason: 'live-group',
        autoScalingGroupName: event.detail.autoScalingGroupName,
        instanceCount: 3,
        instanceTypes: ['m6i.large'],
      },
    });
    expect(partitionKeyOf(record)).toBe('d-SUCC3SS01');
  });

  it('fall back to the group name, then the event id, for the partition key', () => {
    const event = loadEvent('deploy-sentinel/cleanup.kept.json');
    delete event.detail.deploymentId;
    expect(partitionKeyOf(toStateRecord(classifyEvent(event)))).toBe(event.detail.autoScalingGroupName);
    event.detail.autoScalingGroupName = '';
    expect(partitionKeyOf(toStateRecord(classifyEvent(event)))).toBe(event.detail.deploymentGroup);
    const sweep = loadEvent('deploy-sentinel/cleanup.kept.json');
    sweep.detail = {
      action: 'sweep-incomplete',
      trigger: 'sweep',
      mode: 'delete',
      reason: 'deadline',
      examined: 40,
      remaining: 12,
    };
    const record = toStateRecord(classifyEvent(sweep));
    expect(schemaErrors(record)).toEqual([]);
    expect(partitionKeyOf(record)).toBe(sweep.id);
  });
});

describe('unknown records', () => {
  it('keep the envelope facts the event had and say why it was not recognised', () => {
    const event = loadEvent('invalid/deployment.missing-fields.json');
    const record = recordOf('invalid/deployment.missing-fields.json');
    expect(record).toMatchObject({
      kind: 'unknown',
      eventId: event.id,
      eventTime: new Date(event.time).toISOString(),
      account: event.account,
      source: 'aws.codedeploy',
    });
    expect(record.reason).toMatch(/deploymentId/);
    expect(record).not.toHaveProperty('deploymentId');
    expect(partitionKeyOf(record)).toBe(event.id);
  });
});

describe('a deployment state CodeDeploy adds later', () => {
  it('is still a deployment record, keyed by its deployment id so it stays in its history', () => {
    const event = loadEvent('codedeploy/deployment.paused.json');
    const record = recordOf('codedeploy/deployment.paused.json');
    expect(record).toMatchObject({
      kind: 'deployment',
      state: 'PAUSED',
      deploymentId: event.detail.deploymentId,
      application: 'search',
      deploymentGroup: 'search-staging',
    });
    expect(record).not.toHaveProperty('raw');
    expect(partitionKeyOf(record)).toBe(event.detail.deploymentId);
    expect(schemaErrors(record)).toEqual([]);
  });

  it('must still be a state word: a lower-case or empty state is an unknown event', () => {
    const event = loadEvent('codedeploy/deployment.paused.json');
    for (const state of ['paused', '', 'PAUSED NOW']) {
      const record = toStateRecord(classifyEvent({ ...event, detail: { ...event.detail, state } }));
      expect(record.kind).toBe('unknown');
    }
  });

  it.each([null, 42, 'text', [1, 2], {}])(
    'give %j a stable digest id, so that a redelivered copy deduplicates',
    (raw) => {
      const first = toStateRecord(classifyEvent(raw));
      const second = toStateRecord(classifyEvent(structuredClone(raw)));
      expect(first.eventId).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(second.eventId).toBe(first.eventId);
      expect(first).not.toHaveProperty('eventTime');
      expect(schemaErrors(first)).toEqual([]);
    },
  );

  it('cut a large raw event and say so', () => {
    const raw = {
      id: 'big-1',
      source: 'custom.app',
      'detail-type': 'Something',
      detail: { blob: 'x'.repeat(200_000) },
    };
    const record = toStateRecord(classifyEvent(raw), undefined, { maxRawBytes: 1_000 });
    expect(record.truncated).toEqual(['raw']);
    expect(record.raw!.endsWith('…')).toBe(true);
    expect(Buffer.byteLength(record.raw!)).toBeLessThanOrEqual(1_003);
    expect(schemaErrors(record)).toEqual([]);
  });
});
