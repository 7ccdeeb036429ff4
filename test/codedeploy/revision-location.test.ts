import type { RevisionLocation } from '@aws-sdk/client-codedeploy';
import { describe, expect, it } from 'vitest';
import { toDeploymentDetails, toRegisteredRevision } from '../../lib/codedeploy/deployment.js';

/**
 * Where a deployment's revision is registered: what GetApplicationRevision is asked about. Only S3
 * bundles and GitHub commits are registered; inline AppSpec content (Lambda, ECS) is not.
 */

const S3: RevisionLocation = {
  revisionType: 'S3',
  s3Location: { bucket: 'shop-artifacts', key: 'shop/shop-1.4.2.zip', bundleType: 'zip', eTag: '"e1"', version: 'v7' },
};
const GITHUB: RevisionLocation = {
  revisionType: 'GitHub',
  gitHubLocation: { repository: 'example-org/shop', commitId: '8be41f0c07a9d241d7e3a77c1e9b0b9a8c7d6e5f' },
};

describe('toRegisteredRevision', () => {
  it('keeps an S3 bundle with everything that identifies it', () => {
    expect(toRegisteredRevision(S3)).toEqual(S3);
  });

  it('keeps a GitHub commit', () => {
    expect(toRegisteredRevision(GITHUB)).toEqual(GITHUB);
  });

  it.each([
    ['AppSpecContent', { revisionType: 'AppSpecContent', appSpecContent: { content: '{"version":0.0}' } }],
    ['String', { revisionType: 'String', string: { content: '{"version":0.0}' } }],
    ['an S3 location without a key', { revisionType: 'S3', s3Location: { bucket: 'shop-artifacts' } }],
    ['a GitHub location without a commit', { revisionType: 'GitHub', gitHubLocation: { repository: 'org/shop' } }],
    ['nothing', undefined],
  ] as const)('has none for %s', (_, revision) => {
    expect(toRegisteredRevision(revision as RevisionLocation | undefined)).toBeUndefined();
  });
});

describe('toDeploymentDetails', () => {
  it('carries the registered revision beside its one-line description', () => {
    expect(toDeploymentDetails({ revision: S3 }, 'd-ABCDEFGH1')).toMatchObject({
      revision: 's3://shop-artifacts/shop/shop-1.4.2.zip (version v7)',
      revisionLocation: S3,
    });
  });

  it('carries none for an inline AppSpec', () => {
    const details = toDeploymentDetails(
      { revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 0.0' } } },
      'd-ABCDEFGH1',
    );
    expect(details.revision).toBe('inline AppSpec');
    expect(details.revisionLocation).toBeUndefined();
  });
});
