import {
  EventBridgeClient,
  InternalException,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CleanupPublishError, createCleanupPublisher } from '../../lib/cleanup/publish.js';
import type { CleanupDetail } from '../../lib/events/sentinel.js';
import { DeadlineExceededError } from '../../lib/retry.js';

const eventbridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1' });

const detail = (n: number): CleanupDetail => ({
  action: 'deleted',
  trigger: 'sweep',
  mode: 'delete',
  reason: 'orphan',
  autoScalingGroupName: `CodeDeploy_web_d-${String(n).padStart(9, '0')}`,
});

const recordSleeps = () => {
  const slept: number[] = [];
  return { slept, sleep: async (ms: number) => void slept.push(ms) };
};

const sentEntries = () =>
  eventbridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries as PutEventsRequestEntry[]);

beforeEach(() => eventbridge.reset());

describe('createCleanupPublisher', () => {
  it('sends the service events in batches of at most 10', async () => {
    eventbridge.on(PutEventsCommand).callsFake(({ Entries }: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    await createCleanupPublisher(client, { sleep: recordSleeps().sleep })(
      Array.from({ length: 25 }, (_, i) => detail(i)),
    );
    const batches = sentEntries();
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches[0]![0]).toEqual({
      Source: 'deploy-sentinel',
      DetailType: 'Deploy Sentinel Cleanup',
      Detail: JSON.stringify(detail(0)),
    });
  });

  it('puts the events on a named bus when asked', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e0' }] });
    await createCleanupPublisher(client, { busName: 'audit' })([detail(1)]);
    expect(sentEntries()[0]![0]!.EventBusName).toBe('audit');
  });

  it('sends again only the entries EventBridge refused inside a 200 answer', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'e0' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { EventId: 'e2' },
          { ErrorCode: 'InternalFailure' },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }, { EventId: 'e3' }] });
    const time = recordSleeps();
    await createCleanupPublisher(client, { sleep: time.sleep, random: () => 1 })([
      detail(0),
      detail(1),
      detail(2),
      detail(3),
    ]);
    const [, retried] = sentEntries();
    expect(retried!.map((e) => JSON.parse(e.Detail!).autoScalingGroupName)).toEqual([
      detail(1).autoScalingGroupName,
      detail(3).autoScalingGroupName,
    ]);
    expect(time.slept).toEqual([200]);
  });

  it('throws, naming the refused events, when they keep being refused', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }] });
    const error = await createCleanupPublisher(client, { sleep: recordSleeps().sleep, maxAttempts: 3 })([
      detail(7),
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleanupPublishError);
    expect((error as CleanupPublishError).failedEntries).toEqual([
      { detail: detail(7), errorCode: 'InternalFailure', errorMessage: 'boom' },
    ]);
    expect(sentEntries()).toHaveLength(3);
  });

  it('gives up before the deadline', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const publish = createCleanupPublisher(client, {
      sleep: recordSleeps().sleep,
      deadline: { remainingMs: () => 100 },
      random: () => 1,
    });
    const error = await publish([detail(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).cause).toBeInstanceOf(CleanupPublishError);
  });

  it('retries a failed call as a whole when EventBridge answers 5xx', async () => {
    eventbridge
      .on(PutEventsCommand)
      .rejectsOnce(new InternalException({ message: 'internal', $metadata: { httpStatusCode: 500 } }))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e0' }] });
    await createCleanupPublisher(client, { sleep: recordSleeps().sleep })([detail(1)]);
    expect(sentEntries()).toHaveLength(2);
  });

  it('refuses a detail that breaks the published contract, before sending anything', async () => {
    const broken = { ...detail(1), action: 'exploded' } as unknown as CleanupDetail;
    await expect(createCleanupPublisher(client)([broken])).rejects.toThrow(/action/);
    expect(sentEntries()).toHaveLength(0);
  });
});
