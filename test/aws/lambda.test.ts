import {
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { lambdaPortOver } from '../../lib/aws/lambda.js';
import { deadlineAt } from '../../lib/time.js';

/** The Lambda port: one synchronous invocation of a published version. */

const lambda = mockClient(LambdaClient);
const port = lambdaPortOver(new LambdaClient({ region: 'us-east-1' }));
const budget = (extra = {}) => ({
  deadline: deadlineAt(Date.now() + 60_000),
  sleep: async () => {},
  random: () => 0,
  ...extra,
});
// The SDK hands the payload over as a Uint8Array subclass; the port only reads its bytes.
const blob = (text: string) => new TextEncoder().encode(text) as never;

beforeEach(() => lambda.reset());

describe('the Lambda port', () => {
  it('invokes the version it is given, synchronously, with the payload as JSON bytes', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, ExecutedVersion: '7', Payload: blob('{"ok":true}') });
    const answer = await port.invoke(
      { functionName: 'pricing-api', qualifier: '7', payload: '{"path":"/quote"}' },
      budget(),
    );
    expect(answer).toEqual({ statusCode: 200, functionError: undefined, executedVersion: '7', payload: '{"ok":true}' });
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'pricing-api', Qualifier: '7', InvocationType: 'RequestResponse' });
    expect(new TextDecoder().decode(input.Payload as Uint8Array)).toBe('{"path":"/quote"}');
  });

  it('returns a function error as an answer, with the error object the function returned', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      ExecutedVersion: '8',
      Payload: blob('{"errorType":"Error","errorMessage":"boom"}'),
    });
    expect(await port.invoke({ functionName: 'pricing-api', qualifier: '8', payload: '{}' }, budget())).toMatchObject({
      functionError: 'Unhandled',
      payload: '{"errorType":"Error","errorMessage":"boom"}',
    });
  });

  it('makes one attempt only when told to, so a slow invocation never runs twice', async () => {
    lambda.on(InvokeCommand).rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(
      port.invoke({ functionName: 'pricing-api', qualifier: '7', payload: '{}' }, budget({ attempts: 1 })),
    ).rejects.toThrow('Rate exceeded');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
  });

  it('throws what Lambda answers for a version that does not exist', async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found: ...:pricing-api:99', $metadata: {} }));
    await expect(
      port.invoke({ functionName: 'pricing-api', qualifier: '99', payload: '{}' }, budget()),
    ).rejects.toThrow(ResourceNotFoundException);
  });
});
