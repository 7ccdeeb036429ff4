import { describe, expect, it } from 'vitest';
import { describeRevision, toDeploymentDetails, toDeploymentGroup } from '../../lib/codedeploy/deployment.js';
import { deploymentGroupInfo, deploymentInfo, discoverExisting } from '../support/builders.js';

describe('toDeploymentDetails', () => {
  it('keeps what CodeDeploy said and invents nothing', () => {
    expect(toDeploymentDetails({}, 'd-ABCDEFGH1')).toEqual({ deploymentId: 'd-ABCDEFGH1' });
  });

  it('reads what the cleanup decides on from a failed copy deployment', () => {
    const failed = deploymentInfo({
      deploymentId: 'd-F41LED001',
      status: 'Failed',
      completeTime: new Date('2026-11-20T16:00:00Z'),
    });
    expect(toDeploymentDetails(failed, 'd-F41LED001')).toMatchObject({
      deploymentId: 'd-F41LED001',
      application: 'checkout',
      deploymentGroup: 'checkout-prod',
      status: 'Failed',
      deploymentType: 'BLUE_GREEN',
      greenFleetAction: 'COPY_AUTO_SCALING_GROUP',
      autoScalingGroups: ['CodeDeploy_checkout-prod_d-F41LED001'],
      completeTime: new Date('2026-11-20T16:00:00Z'),
    });
    expect(toDeploymentDetails(failed, 'd-F41LED001').targetTagSet).toBeUndefined();
  });

  it("reads a DISCOVER_EXISTING deployment's replacement tag filters", () => {
    const discovered = deploymentInfo({
      ...discoverExisting([{ Key: 'release', Value: 'search-2026-11-17', Type: 'KEY_AND_VALUE' }]),
      deploymentId: 'd-D1SC0V3R1',
    });
    expect(toDeploymentDetails(discovered, 'd-D1SC0V3R1').targetTagSet).toEqual([
      [{ key: 'release', value: 'search-2026-11-17', type: 'KEY_AND_VALUE' }],
    ]);
  });

  it.each([
    [{ revisionType: 'S3', s3Location: { bucket: 'b', key: 'app.zip', version: '3' } }, 's3://b/app.zip (version 3)'],
    [
      { revisionType: 'GitHub', gitHubLocation: { repository: 'org/app', commitId: '0123456789abcdef' } },
      'github:org/app@0123456789ab',
    ],
    [{ revisionType: 'AppSpecContent', appSpecContent: { content: '{}' } }, 'inline AppSpec'],
  ] as const)('describes the revision %j', (revision, words) => {
    expect(describeRevision(revision as never)).toBe(words);
  });
});

describe('toDeploymentGroup', () => {
  it('reads the live groups and tag filters of a deployment group', () => {
    const group = deploymentGroupInfo({
      applicationName: 'checkout',
      deploymentGroupName: 'checkout-prod',
      autoScalingGroups: [
        { name: 'CodeDeploy_checkout-prod_d-SUCC3SS01', hook: 'CodeDeploy-managed-automatic-launch' },
      ],
    });
    expect(toDeploymentGroup(group, 'checkout', 'checkout-prod')).toMatchObject({
      application: 'checkout',
      deploymentGroup: 'checkout-prod',
      liveAutoScalingGroups: ['CodeDeploy_checkout-prod_d-SUCC3SS01'],
      tagSet: undefined,
    });
  });
});
