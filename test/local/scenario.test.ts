import { describe, expect, it } from 'vitest';
import { createScenario, HOOK_EXECUTION_IDS } from '../../local/scenario.js';
import { listEvents, loadEvent } from '../support/fixtures.js';

/** `npm start` and the end-to-end tests send the sample events into the demo world: they must agree. */
describe('the demo world and the sample events', () => {
  const scenario = createScenario();

  it.each(listEvents('codedeploy'))('%s names a deployment the demo world knows, in the same group', (file) => {
    const { detail } = loadEvent(file);
    const deployment = scenario.deployments.find((d) => d.deploymentId === detail.deploymentId);
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
      const ids = scenario.deploymentTargets[detail.deploymentId]?.map((t) => t.instanceTarget?.targetId);
      expect(ids).toContain(detail.instanceId);
    },
  );

  it('the hook invocation carries the execution the demo deployment is waiting on', () => {
    const payload = loadEvent('hooks/after-allow-test-traffic.json');
    expect(payload.LifecycleEventHookExecutionId).toBe(HOOK_EXECUTION_IDS.AfterAllowTestTraffic);
    const execution = scenario.hookExecutions.find(
      (e) => e.lifecycleEventHookExecutionId === payload.LifecycleEventHookExecutionId,
    );
    expect(execution).toMatchObject({
      deploymentId: payload.DeploymentId,
      lifecycleEventName: 'AfterAllowTestTraffic',
      status: 'InProgress',
    });
  });
});
