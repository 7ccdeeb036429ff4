import { EventBridgeClient, InternalException, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/config.js';
import { eventBridgePortOver } from '../../lib/aws/eventbridge.js';
import { deadlineAt } from '../../lib/time.js';

const eventbridge = mockClient(EventBridgeClient);
const port = eventBridgePortOver(new EventBridgeClient({ ...clientConfig({ region: 'us-east-1' }) }));
const budget = (attempts = 1) => ({ deadline: deadlineAt(Date.now() + 60_000), attempts, sleep: async () => {} });
const entry = (n: number, eventBusName?: string) => ({
  source: 'deploy-sentinel',
  detailType: 'Deploy Sentinel Cleanup',
  detail: JSON.stringify({ n }),
  ...(eventBusName ? { eventBusName } : {}),
});

beforeEach(() => eventbridge.reset());

describe('EventBridge port', () => {
  it('puts the entries, on the named bus when there is one, under an abort signal', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e0' }, { EventId: 'e1' }] });
    await expect(port.putEvents([entry(0), entry(1, 'audit')], budget())).resolves.toEqual({
      failedEntryCount: 0,
      results: [{ eventId: 'e0' }, { eventId: 'e1' }],
    });
    const call = eventbridge.commandCalls(PutEventsCommand)[0]!;
    expect(call.args[0].input.Entries).toEqual([
      { Source: 'deploy-sentinel', DetailType: 'Deploy Sentinel Cleanup', Detail: '{"n":0}' },
      { Source: 'deploy-sentinel', DetailType: 'Deploy Sentinel Cleanup', Detail: '{"n":1}', EventBusName: 'audit' },
    ]);
    expect((call.args as unknown[])[1]).toMatchObject({ abortSignal: expect.any(AbortSignal) });
  });

  it('says which entries were refused inside a 200', async () => {
    eventbridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'e0' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });
    await expect(port.putEvents([entry(0), entry(1)], budget())).resolves.toEqual({
      failedEntryCount: 1,
      results: [{ eventId: 'e0' }, { errorCode: 'ThrottlingException', errorMessage: 'slow down' }],
    });
  });

  it('makes exactly the attempts its budget allows', async () => {
    eventbridge
      .on(PutEventsCommand)
      .rejects(new InternalException({ message: 'internal', $metadata: { httpStatusCode: 500 } }));
    await expect(port.putEvents([entry(0)], budget(1))).rejects.toBeInstanceOf(InternalException);
    expect(eventbridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});
