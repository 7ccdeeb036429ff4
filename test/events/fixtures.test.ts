import { describe, expect, it } from 'vitest';
import { type ClassifiedEvent, classifyEvent } from '../../lib/events/classify.js';
import { ordersHookAccount } from '../support/accounts.js';
import { listEvents, loadEvent } from '../support/fixtures.js';
import { sampleDeployment } from '../support/sample-deployments.js';

const CLASSIFIED = [...listEvents('codedeploy'), ...listEvents('cloudwatch'), ...listEvents('deploy-sentinel')];

/** What each sample must be recognised as: the folder names the source, the file its detail-type. */
const expectedKind = (file: string): ClassifiedEvent['kind'] => {
  if (file.startsWith('codedeploy/deployment.')) return 'deployment';
  if (file.startsWith('codedeploy/instance.')) return 'instance';
  if (file.startsWith('cloudwatch/')) return 'alarm';
  if (file.startsWith('deploy-sentinel/')) return 'cleanup';
  throw new Error(`no expected kind for ${file}`);
};

describe('sample events', () => {
  it('cover every source the service subscribes to', () => {
    expect(CLASSIFIED.map(expectedKind).sort()).toEqual(
      expect.arrayContaining(['alarm', 'cleanup', 'deployment', 'instance']),
    );
    expect(CLASSIFIED.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CLASSIFIED)('%s is recognised as the kind of event it is', (file) => {
    const classified = classifyEvent(loadEvent(file));
    expect(classified.kind, classified.kind === 'unknown' ? classified.reason : file).toBe(expectedKind(file));
  });

  it('carry distinct event ids, since consumers deduplicate by id', () => {
    const ids = CLASSIFIED.map((file) => loadEvent(file).id as string);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(listEvents('cloudwatch'))('%s carries reasonData as a JSON string, when it carries any', (file) => {
    const { detail } = loadEvent(file);
    for (const state of [detail.state, detail.previousState].filter(Boolean)) {
      if (state.reasonData === undefined) continue;
      expect(typeof state.reasonData).toBe('string');
      expect(() => JSON.parse(state.reasonData)).not.toThrow();
    }
  });

  it('describe a threshold alarm with its threshold and datapoints, and an anomaly alarm with its band', () => {
    const threshold = JSON.parse(loadEvent('cloudwatch/alarm.threshold-alarm.json').detail.state.reasonData);
    expect(threshold).toMatchObject({ threshold: 10, recentDatapoints: [14, 23, 31], period: 60 });
    const anomaly = JSON.parse(loadEvent('cloudwatch/alarm.anomaly-detection.json').detail.state.reasonData);
    expect(anomaly.threshold).toBeUndefined();
    expect(anomaly.recentUpperThresholds).toHaveLength(1);
    expect(loadEvent('cloudwatch/alarm.insufficient-data.json').detail.state.reasonData).toBeUndefined();
  });
});

describe('sample events and what CodeDeploy says about them', () => {
  it.each(listEvents('codedeploy'))('%s names a sample deployment, in the same group', (file) => {
    const { detail } = loadEvent(file);
    const deployment = sampleDeployment(detail.deploymentId)?.info;
    expect(deployment, detail.deploymentId).toBeDefined();
    expect([deployment?.applicationName, deployment?.deploymentGroupName]).toEqual([
      detail.application,
      detail.deploymentGroup,
    ]);
  });

  it.each(listEvents('codedeploy').filter((f) => f.startsWith('codedeploy/instance.')))(
    '%s names an instance that is a target of its deployment',
    (file) => {
      const { detail } = loadEvent(file);
      const ids = sampleDeployment(detail.deploymentId)?.targets.map((t) => t.instanceTarget?.targetId);
      expect(ids).toContain(detail.instanceId);
    },
  );

  it('the hook invocation carries the execution CodeDeploy is waiting on', () => {
    const payload = loadEvent('hooks/after-allow-test-traffic.json');
    expect(Object.keys(payload).sort()).toEqual(['DeploymentId', 'LifecycleEventHookExecutionId']);
    const execution = ordersHookAccount().hookExecutions.find(
      (e) => e.lifecycleEventHookExecutionId === payload.LifecycleEventHookExecutionId,
    );
    expect(execution).toMatchObject({
      deploymentId: payload.DeploymentId,
      lifecycleEventName: 'AfterAllowTestTraffic',
      status: 'InProgress',
    });
  });
});

describe('invalid sample events', () => {
  const problems: Record<string, string> = {
    'invalid/deployment.missing-fields.json': 'detail.deploymentId',
    'invalid/not-an-eventbridge-event.json': 'source/detail-type',
  };

  it('are all listed here with the problem they carry', () => {
    expect(listEvents('invalid').sort()).toEqual(Object.keys(problems).sort());
  });

  it.each(listEvents('invalid'))('%s is classified unknown with a reason naming the problem', (file) => {
    const classified = classifyEvent(loadEvent(file));
    expect(classified.kind).toBe('unknown');
    if (classified.kind !== 'unknown') return;
    expect(classified.reason).toContain(problems[file]);
    expect(classified.raw).toEqual(loadEvent(file));
  });
});
