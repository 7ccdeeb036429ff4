import {
  ApplicationDoesNotExistException,
  CodeDeployClient,
  GetApplicationRevisionCommand,
  RevisionDoesNotExistException,
  ThrottlingException,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { codeDeployPortOver } from '../../lib/aws/codedeploy.js';
import { clientConfig } from '../../lib/aws/config.js';
import type { RegisteredRevision } from '../../lib/codedeploy/deployment.js';
import { deadlineAt } from '../../lib/time.js';

/**
 * GetApplicationRevision through the CodeDeploy port: when a deployment's revision was registered,
 * the start of its lead time. Asked with the application and the revision's location; "does not
 * exist" is no answer, not an error.
 */

const codedeploy = mockClient(CodeDeployClient);
const port = codeDeployPortOver(new CodeDeployClient({ ...clientConfig({ region: 'us-east-1' }) }));
const meta = { $metadata: {} };
const budget = () => ({ deadline: deadlineAt(Date.now() + 60_000), sleep: async () => {} });

const BUNDLE: RegisteredRevision = {
  revisionType: 'S3',
  s3Location: { bucket: 'shop-artifacts', key: 'shop/shop-1.4.2.zip', bundleType: 'zip', eTag: '"5d41402a"' },
};
const REGISTERED = new Date('2026-11-18T12:47:31Z');

beforeEach(() => codedeploy.reset());

describe('getRevisionRegisterTime', () => {
  it("asks for the application's revision at its location and answers its registerTime", async () => {
    codedeploy.on(GetApplicationRevisionCommand).resolves({
      applicationName: 'shop',
      revision: BUNDLE,
      revisionInfo: { registerTime: REGISTERED, firstUsedTime: new Date('2026-11-18T13:02:00Z') },
    });

    await expect(port.getRevisionRegisterTime('shop', BUNDLE, budget())).resolves.toEqual(REGISTERED);
    const [call] = codedeploy.commandCalls(GetApplicationRevisionCommand);
    expect(call!.args[0].input).toEqual({ applicationName: 'shop', revision: BUNDLE });
    expect((call!.args as unknown[])[1]).toMatchObject({ abortSignal: expect.any(AbortSignal) });
  });

  it('asks for a GitHub commit by repository and commit id', async () => {
    const commit: RegisteredRevision = {
      revisionType: 'GitHub',
      gitHubLocation: { repository: 'example-org/search-api', commitId: '5e0c8d2b7a4f9e1c3b6d8a0f2e4c6b8d0a1c3e5f' },
    };
    codedeploy.on(GetApplicationRevisionCommand).resolves({ revisionInfo: { registerTime: REGISTERED } });

    await expect(port.getRevisionRegisterTime('search', commit, budget())).resolves.toEqual(REGISTERED);
    expect(codedeploy.commandCalls(GetApplicationRevisionCommand)[0]!.args[0].input.revision).toEqual(commit);
  });

  it('answers undefined when CodeDeploy gives no registerTime', async () => {
    codedeploy.on(GetApplicationRevisionCommand).resolves({ applicationName: 'shop', revisionInfo: {} });
    await expect(port.getRevisionRegisterTime('shop', BUNDLE, budget())).resolves.toBeUndefined();
  });

  it.each([
    ['revision', new RevisionDoesNotExistException({ message: 'No application revision found', ...meta })],
    ['application', new ApplicationDoesNotExistException({ message: 'No application found for name: shop', ...meta })],
  ])('answers undefined when the %s does not exist', async (_, error) => {
    codedeploy.on(GetApplicationRevisionCommand).rejects(error);
    await expect(port.getRevisionRegisterTime('shop', BUNDLE, budget())).resolves.toBeUndefined();
    expect(codedeploy.commandCalls(GetApplicationRevisionCommand)).toHaveLength(1);
  });

  it('retries throttling within its budget', async () => {
    codedeploy
      .on(GetApplicationRevisionCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', ...meta }))
      .resolves({ revisionInfo: { registerTime: REGISTERED } });

    await expect(port.getRevisionRegisterTime('shop', BUNDLE, budget())).resolves.toEqual(REGISTERED);
    expect(codedeploy.commandCalls(GetApplicationRevisionCommand)).toHaveLength(2);
  });

  it('lets throttling through once its attempts are spent', async () => {
    codedeploy
      .on(GetApplicationRevisionCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', ...meta }));
    await expect(port.getRevisionRegisterTime('shop', BUNDLE, budget())).rejects.toBeInstanceOf(ThrottlingException);
    // One budget per call: three attempts in all, the SDK adding none of its own.
    expect(codedeploy.commandCalls(GetApplicationRevisionCommand)).toHaveLength(3);
  });

  it('sends nothing when the budget has no time left', async () => {
    await expect(
      port.getRevisionRegisterTime('shop', BUNDLE, { deadline: { remainingMs: () => 0 } }),
    ).rejects.toThrow();
    expect(codedeploy.commandCalls(GetApplicationRevisionCommand)).toHaveLength(0);
  });
});
