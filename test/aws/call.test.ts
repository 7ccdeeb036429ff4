import { describe, expect, it } from 'vitest';
import { callAws } from '../../lib/aws/call.js';
import { errorText, isTransientAwsError } from '../../lib/aws/errors.js';
import { DeadlineExceededError } from '../../lib/retry.js';
import { deadlineAt } from '../../lib/time.js';

const sdkError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });

/** A sleep that records its waits and returns at once. */
const recordingSleep = () => {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
};

const roomy = () => deadlineAt(Date.now() + 60_000);

describe('isTransientAwsError', () => {
  it.each([
    ['ThrottlingException', 400],
    ['Throttling', 400],
    ['ProvisionedThroughputExceededException', 400],
    ['InternalFailure', 500],
    ['ServiceUnavailable', 503],
    ['SomethingNew', 502],
  ])('retries %s (HTTP %i)', (name, status) => {
    expect(isTransientAwsError(sdkError(name, status))).toBe(true);
  });

  it.each([
    ['ValidationError', 400],
    ['AccessDeniedException', 403],
    ['DeploymentDoesNotExistException', 400],
    ['LifecycleEventAlreadyCompletedException', 400],
  ])('does not retry %s (HTTP %i)', (name, status) => {
    expect(isTransientAwsError(sdkError(name, status))).toBe(false);
  });

  it('reads the Query protocols’ nested code and Node network failures', () => {
    expect(isTransientAwsError(Object.assign(new Error('x'), { Error: { Code: 'Throttling' } }))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientAwsError('nope')).toBe(false);
  });
});

describe('errorText', () => {
  it('gives one line whatever was thrown', () => {
    expect(errorText(sdkError('ThrottlingException', 400))).toBe('ThrottlingException: ThrottlingException happened');
    expect(errorText('plain')).toBe('plain');
    expect(errorText({ odd: 1 })).toBe('unexpected error: {"odd":1}');
  });
});

describe('callAws', () => {
  it('retries a throttled call and returns its answer, waiting with backoff between attempts', async () => {
    const { waits, sleep } = recordingSleep();
    let calls = 0;
    const answer = await callAws(
      async () => {
        calls += 1;
        if (calls < 3) throw sdkError('ThrottlingException', 400);
        return 'ok';
      },
      { deadline: roomy(), sleep, random: () => 1, attempts: 3 },
    );
    expect(answer).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([200, 400]);
  });

  it('makes at most its attempts, then throws the last error', async () => {
    let calls = 0;
    const error = await callAws(
      async () => {
        calls += 1;
        throw sdkError('InternalFailure', 500);
      },
      { deadline: roomy(), sleep: async () => {}, attempts: 4 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect((error as Error).name).toBe('InternalFailure');
  });

  it('throws a final error at once', async () => {
    let calls = 0;
    await expect(
      callAws(
        async () => {
          calls += 1;
          throw sdkError('AccessDeniedException', 403);
        },
        { deadline: roomy(), sleep: async () => {} },
      ),
    ).rejects.toThrow('AccessDeniedException happened');
    expect(calls).toBe(1);
  });

  it('never starts a wait that would pass the deadline', async () => {
    const { waits, sleep } = recordingSleep();
    const error = await callAws(
      async () => {
        throw sdkError('ThrottlingException', 400);
      },
      { deadline: deadlineAt(Date.now() + 150), sleep, random: () => 1, baseDelayMs: 200 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).cause).toMatchObject({ name: 'ThrottlingException' });
    expect(waits).toEqual([]);
  });

  it('gives each attempt the smaller of its time-out and the time left', async () => {
    const seen: AbortSignal[] = [];
    await callAws(
      async (signal) => {
        seen.push(signal);
        await new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
      { deadline: roomy(), timeoutMs: 20, attempts: 2, sleep: async () => {}, random: () => 0 },
    ).catch(() => undefined);
    expect(seen).toHaveLength(2);
    expect(seen.every((s) => s.aborted)).toBe(true);
  });

  it('stops retrying once the caller cancelled', async () => {
    const controller = new AbortController();
    let calls = 0;
    await expect(
      callAws(
        async () => {
          calls += 1;
          controller.abort(new Error('not needed any more'));
          throw sdkError('ThrottlingException', 400);
        },
        { deadline: roomy(), signal: controller.signal, sleep: async () => {} },
      ),
    ).rejects.toThrow('ThrottlingException happened');
    expect(calls).toBe(1);
  });

  it('retries what the caller names besides the transient errors, and stops on what it calls final', async () => {
    let calls = 0;
    await callAws(
      async () => {
        calls += 1;
        if (calls === 1) throw sdkError('ScalingActivityInProgress', 400);
        return 'deleted';
      },
      { deadline: roomy(), sleep: async () => {}, alsoRetry: (e) => (e as Error).name === 'ScalingActivityInProgress' },
    );
    expect(calls).toBe(2);
  });
});
