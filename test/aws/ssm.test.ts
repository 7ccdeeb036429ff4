import { GetParameterCommand, ParameterNotFound, SSMClient, ThrottlingException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/config.js';
import { ssmPortOver } from '../../lib/aws/ssm.js';
import { deadlineAt } from '../../lib/time.js';

const ssm = mockClient(SSMClient);
const port = ssmPortOver(new SSMClient({ ...clientConfig({ region: 'us-east-1' }) }));
const meta = { $metadata: {} };
const budget = () => ({ deadline: deadlineAt(Date.now() + 60_000), sleep: async () => {} });

beforeEach(() => ssm.reset());

describe('SSM port', () => {
  it('reads a parameter decrypted, under an abort signal', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: '/deploy-sentinel/x', Type: 'SecureString', Value: 'https://hooks.example/x' } });
    await expect(port.getParameter('/deploy-sentinel/x', budget())).resolves.toBe('https://hooks.example/x');
    const call = ssm.commandCalls(GetParameterCommand)[0]!;
    expect(call.args[0].input).toEqual({ Name: '/deploy-sentinel/x', WithDecryption: true });
    expect((call.args as unknown[])[1]).toMatchObject({ abortSignal: expect.any(AbortSignal) });
  });

  it('lets a missing parameter through at once, and retries throttling within its budget', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', ...meta }));
    await expect(port.getParameter('/deploy-sentinel/x', budget())).rejects.toBeInstanceOf(ParameterNotFound);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);

    ssm.reset();
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', ...meta }))
      .resolves({ Parameter: { Value: 'https://hooks.example/y' } });
    await expect(port.getParameter('/deploy-sentinel/y', budget())).resolves.toBe('https://hooks.example/y');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });
});
