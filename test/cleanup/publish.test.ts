import { InternalException } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import type { CallBudget } from '../../lib/aws/call.js';
import type { EventBridgePort, EventEntry, PutEventsAnswer } from '../../lib/aws/eventbridge.js';
import { CleanupPublishError, createCleanupPublisher } from '../../lib/cleanup/publish.js';
import type { CleanupDetail } from '../../lib/events/sentinel.js';
import { DeadlineExceededError } from '../../lib/retry.js';
import { deadlineAt } from '../../lib/time.js';

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

const acceptedAll = (entries: EventEntry[]): PutEventsAnswer => ({
  failedEntryCount: 0,
  results: entries.map((_, i) => ({ eventId: `e${i}` })),
});

/** EventBridge in memory: answers from a script, records every call. */
const fakeEvents = (
  answer: (entries: EventEntry[], call: number) => PutEventsAnswer | Promise<PutEventsAnswer> = acceptedAll,
) => {
  const calls: Array<{ entries: EventEntry[]; budget: CallBudget }> = [];
  const port: EventBridgePort = {
    putEvents: async (entries, budget) => {
      calls.push({ entries, budget });
      return answer(entries, calls.length - 1);
    },
  };
  return { port, calls, sent: () => calls.map((c) => c.entries) };
};

const roomy = () => deadlineAt(Date.now() + 60_000);

describe('createCleanupPublisher', () => {
  it('sends the service events in batches of at most 10', async () => {
    const events = fakeEvents();
    await createCleanupPublisher(events.port, { sleep: recordSleeps().sleep, deadline: roomy() })(
      Array.from({ length: 25 }, (_, i) => detail(i)),
    );
    const batches = events.sent();
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches[0]![0]).toEqual({
      source: 'deploy-sentinel',
      detailType: 'Deploy Sentinel Cleanup',
      detail: JSON.stringify(detail(0)),
    });
  });

  it('asks the port for one attempt within the deadline: the publisher is the only retry budget', async () => {
    const events = fakeEvents();
    const deadline = roomy();
    await createCleanupPublisher(events.port, { deadline })([detail(1)]);
    expect(events.calls[0]!.budget).toMatchObject({ deadline, attempts: 1 });
  });

  it('puts the events on a named bus when asked', async () => {
    const events = fakeEvents();
    await createCleanupPublisher(events.port, { busName: 'audit', deadline: roomy() })([detail(1)]);
    expect(events.sent()[0]![0]!.eventBusName).toBe('audit');
  });

  it('sends again only the entries EventBridge refused inside a 200 answer', async () => {
    const events = fakeEvents((entries, call) =>
      call === 0
        ? {
            failedEntryCount: 2,
            results: [
              { eventId: 'e0' },
              { errorCode: 'ThrottlingException', errorMessage: 'slow down' },
              { eventId: 'e2' },
              { errorCode: 'InternalFailure' },
            ],
          }
        : acceptedAll(entries),
    );
    const time = recordSleeps();
    await createCleanupPublisher(events.port, { sleep: time.sleep, random: () => 1, deadline: roomy() })([
      detail(0),
      detail(1),
      detail(2),
      detail(3),
    ]);
    const [, retried] = events.sent();
    expect(retried!.map((e) => JSON.parse(e.detail).autoScalingGroupName)).toEqual([
      detail(1).autoScalingGroupName,
      detail(3).autoScalingGroupName,
    ]);
    expect(time.slept).toEqual([200]);
  });

  it('throws, naming the refused events, when they keep being refused', async () => {
    const events = fakeEvents(() => ({
      failedEntryCount: 1,
      results: [{ errorCode: 'InternalFailure', errorMessage: 'boom' }],
    }));
    const error = await createCleanupPublisher(events.port, {
      sleep: recordSleeps().sleep,
      maxAttempts: 3,
      deadline: roomy(),
    })([detail(7)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleanupPublishError);
    expect((error as CleanupPublishError).failedEntries).toEqual([
      { detail: detail(7), errorCode: 'InternalFailure', errorMessage: 'boom' },
    ]);
    expect(events.sent()).toHaveLength(3);
  });

  it('makes at most 5 calls per batch by default, whatever the cause', async () => {
    let call = 0;
    const events = fakeEvents(() => {
      call += 1;
      if (call % 2 === 0) throw new InternalException({ message: 'internal', $metadata: { httpStatusCode: 500 } });
      return { failedEntryCount: 1, results: [{ errorCode: 'InternalFailure' }] };
    });
    const error = await createCleanupPublisher(events.port, { sleep: recordSleeps().sleep, deadline: roomy() })([
      detail(7),
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleanupPublishError);
    expect(events.sent()).toHaveLength(5);
  });

  it('gives up before the deadline', async () => {
    const events = fakeEvents(() => ({ failedEntryCount: 1, results: [{ errorCode: 'InternalFailure' }] }));
    const publish = createCleanupPublisher(events.port, {
      sleep: recordSleeps().sleep,
      deadline: { remainingMs: () => 100 },
      random: () => 1,
    });
    const error = await publish([detail(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).cause).toBeInstanceOf(CleanupPublishError);
  });

  it('retries a failed call as a whole when EventBridge answers 5xx', async () => {
    const events = fakeEvents((entries, call) =>
      call === 0
        ? Promise.reject(new InternalException({ message: 'internal', $metadata: { httpStatusCode: 500 } }))
        : acceptedAll(entries),
    );
    await createCleanupPublisher(events.port, { sleep: recordSleeps().sleep, deadline: roomy() })([detail(1)]);
    expect(events.sent()).toHaveLength(2);
  });

  it('refuses a detail that breaks the published contract, before sending anything', async () => {
    const events = fakeEvents();
    const broken = { ...detail(1), action: 'exploded' } as unknown as CleanupDetail;
    await expect(createCleanupPublisher(events.port, { deadline: roomy() })([broken])).rejects.toThrow(/action/);
    expect(events.sent()).toHaveLength(0);
  });
});
