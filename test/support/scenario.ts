import { type DeploymentDetails, toDeploymentDetails, toFailedTarget } from '../../lib/codedeploy/deployment.js';
import { createScenario } from '../../local/scenario.js';

/** The scenario at a fixed instant, so that formatted durations and ages are stable. */
export const FIXED_NOW = Date.parse('2026-11-20T18:00:00Z');
export const fixedScenario = () => createScenario(FIXED_NOW);

/** What describeDeployment would return for a scenario deployment (same pure mapping, no HTTP). */
export const scenarioDetails = (deploymentId: string, withTargets = true): DeploymentDetails | undefined => {
  const scenario = fixedScenario();
  const info = scenario.deployments.find((d) => d.deploymentId === deploymentId);
  if (!info) return undefined;
  const details = toDeploymentDetails(info, deploymentId);
  if (!withTargets) return details;
  const failed = (scenario.deploymentTargets[deploymentId] ?? [])
    .filter((t) => (t.instanceTarget ?? t.ecsTarget)?.status === 'Failed')
    .map(toFailedTarget)
    .filter((t) => t !== undefined);
  return { ...details, failedTargets: failed, failedTargetCount: failed.length };
};
