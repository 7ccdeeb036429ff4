import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { createLogger, type Logger } from '../../lib/log.js';
import { type Deadline, deadlineAt, type Sleep } from '../../lib/time.js';

/** A clock that only moves when something sleeps on it, so schedules run in no real time. */
export const fakeTime = (start = 1_800_000_000_000) => {
  let now = start;
  const sleeps: number[] = [];
  const sleep: Sleep = async (ms, signal) => {
    if (signal?.aborted) throw signal.reason;
    sleeps.push(ms);
    now += ms;
  };
  return {
    clock: () => now,
    sleep,
    sleeps,
    advance: (ms: number) => {
      now += ms;
    },
    /** A deadline `ms` from now on this clock. */
    deadlineIn: (ms: number): Deadline => deadlineAt(now + ms, () => now),
  };
};

/** A logger whose JSON lines are kept for assertions. */
export const captureLog = (): { log: Logger; lines: Array<Record<string, any>> } => {
  const lines: Array<Record<string, any>> = [];
  return { log: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }), lines };
};

/**
 * A clock on which overlapping sleeps overlap, as in real time: it moves to the next wake-up only
 * once nothing else can run, so calls that answer after seconds cost no real time, and two calls
 * made side by side take as long as the slower one. Work waiting on real I/O (a request to a local
 * server) goes through `busy`, so that the clock does not move while it is in flight.
 */
export const virtualTime = (start = 1_800_000_000_000) => {
  let now = start;
  let inFlight = 0;
  let order = 0;
  const wakeUps: Array<{ at: number; order: number; wake: () => void }> = [];
  const sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        wakeUps.splice(wakeUps.indexOf(entry), 1);
        reject(signal?.reason);
      };
      const entry = {
        at: now + Math.max(0, ms),
        order: order++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      wakeUps.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  const realPause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const idle = async () => {
    // Continuations of what just woke up run as promise jobs and I/O callbacks: let them all run.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    clock: () => now,
    sleep,
    /** A deadline `ms` from now on this clock. */
    deadlineIn: (ms: number): Deadline => deadlineAt(now + ms, () => now),
    /** Runs real I/O, holding the clock still until it is done. */
    busy: async <T>(work: () => Promise<T>): Promise<T> => {
      inFlight++;
      try {
        return await work();
      } finally {
        inFlight--;
      }
    },
    /** Awaits `work`, moving the clock from wake-up to wake-up whenever everything else waits. */
    run: async <T>(work: Promise<T>): Promise<T> => {
      let settled = false;
      work.then(
        () => (settled = true),
        () => (settled = true),
      );
      for (;;) {
        await idle();
        if (settled) return work;
        if (inFlight > 0 || wakeUps.length === 0) {
          await realPause(1);
          continue;
        }
        wakeUps.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = wakeUps.shift()!;
        now = Math.max(now, next.at);
        next.wake();
      }
    },
  };
};

const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/orders-prod/7d3e9a1b2c4f5e60';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup';

/** The orders service's ECS blue/green resources, as the hook tests' CodeDeploy and ELBv2 describe them. */
export const ORDERS = {
  LB,
  PROD: `${LB.replace(':loadbalancer/', ':listener/')}/4a1b2c3d4e5f6071`,
  TEST: `${LB.replace(':loadbalancer/', ':listener/')}/9f8e7d6c5b4a3921`,
  GREEN_TG: `${TG}/orders-green/5e7f9a1b3c5d7e9f`,
  BLUE_TG: `${TG}/orders-blue/1a2b3c4d5e6f7a8b`,
  EVENT: { DeploymentId: 'd-EC5H00K01', LifecycleEventHookExecutionId: '2b01599b-b984-499d-8835-97f389a7dc3b' },
} as const;

/** The hook's SDK clients, each behind aws-sdk-client-mock (the mocks are `cd`, `elb` and `cw`). */
export const mockedHookClients = () => {
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const codedeploy = new CodeDeployClient(config);
  const elbv2 = new ElasticLoadBalancingV2Client(config);
  const cloudwatch = new CloudWatchClient(config);
  return {
    codedeploy,
    elbv2,
    cloudwatch,
    cd: mockClient(codedeploy),
    elb: mockClient(elbv2),
    cw: mockClient(cloudwatch),
  };
};
